# Kernel settings act in the target namespace only. Every write here goes to a test namespace; the caller's
# namespace is only read, to prove it did not change.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    function Read-NsSysctl([string] $Namespace, [string] $Path) { (ip netns exec $Namespace cat "/proc/sys/$Path").Trim() }
}

Describe 'Net sysctls in a namespace' {
    BeforeAll {
        $ns = New-TestNamespace
        ip -n $ns link add v0 type veth peer name v1
        $rootForward = (Get-Content /proc/sys/net/ipv4/ip_forward).Trim()
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'Enable-IpForwarding sets both families in the namespace and not in the caller''s' {
        Enable-IpForwarding -NetNamespace $ns
        Read-NsSysctl $ns net/ipv4/ip_forward | Should -Be 1
        Read-NsSysctl $ns net/ipv6/conf/all/forwarding | Should -Be 1
        (Get-Content /proc/sys/net/ipv4/ip_forward).Trim() | Should -Be $rootForward
        Disable-IpForwarding -NetNamespace $ns -AddressFamily IPv6
        Read-NsSysctl $ns net/ipv6/conf/all/forwarding | Should -Be 0
        Read-NsSysctl $ns net/ipv4/ip_forward | Should -Be 1
    }

    It 'Get-NetSysctl reads one key and wildcards, in the namespace' {
        $s = Get-NetSysctl -NetNamespace $ns net.ipv4.ip_forward
        $s.Value | Should -Be (Read-NsSysctl $ns net/ipv4/ip_forward)
        $s.NetNamespace | Should -Be $ns
        (Get-NetSysctl -NetNamespace $ns 'net.ipv4.conf.*.rp_filter').Name | Should -Contain 'net.ipv4.conf.v0.rp_filter'
    }

    It 'Set-NetSysctl writes dotted keys, and refuses keys outside net.' {
        Set-NetSysctl -NetNamespace $ns net.ipv4.conf.v0.forwarding 1
        Read-NsSysctl $ns net/ipv4/conf/v0/forwarding | Should -Be 1
        { Set-NetSysctl -NetNamespace $ns kernel.hostname evil -ErrorAction Stop } | Should -Throw "*only keys under 'net.'*"
        { Set-NetSysctl -NetNamespace $ns net.ipv4.no_such_key 1 -ErrorAction Stop } | Should -Throw '*Cannot find sysctl*'
    }

    It 'Get-VethLink | Set-ProxyArp -Enabled $true, and Get-ProxyArp' {
        Get-VethLink -NetNamespace $ns | Set-ProxyArp -Enabled $true
        Read-NsSysctl $ns net/ipv4/conf/v0/proxy_arp | Should -Be 1
        Read-NsSysctl $ns net/ipv4/conf/v1/proxy_arp | Should -Be 1
        (Get-ProxyArp -NetNamespace $ns v0).Value | Should -Be 1
        (Get-ProxyArp -NetNamespace $ns).Name | Should -Contain 'net.ipv4.conf.v1.proxy_arp'
        Set-ProxyArp -NetNamespace $ns v1 -Enabled $false
        Read-NsSysctl $ns net/ipv4/conf/v1/proxy_arp | Should -Be 0
    }

    It 'Set-ReversePathFilter takes an interface or all' {
        Set-ReversePathFilter -NetNamespace $ns -InterfaceName all -Mode Loose
        Read-NsSysctl $ns net/ipv4/conf/all/rp_filter | Should -Be 2
        $r = Set-ReversePathFilter -NetNamespace $ns -InterfaceName v0 -Mode Off -PassThru
        $r.Value | Should -Be 0
        Read-NsSysctl $ns net/ipv4/conf/v0/rp_filter | Should -Be 0
    }

    It '-WhatIf writes nothing' {
        $before = Read-NsSysctl $ns net/ipv4/conf/v0/proxy_arp
        Set-ProxyArp -NetNamespace $ns v0 -Enabled ($before -eq '0') -WhatIf
        Read-NsSysctl $ns net/ipv4/conf/v0/proxy_arp | Should -Be $before
    }
}
