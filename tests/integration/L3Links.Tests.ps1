# Macvlan, ipvlan, vlan, vrf and dummy links against iproute2, read back with `ip -d -j link show`.
# Kinds this machine's kernel lacks are tagged KernelTier (they run in the QEMU guest tier).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    function Get-LinkState([string] $Namespace, [string] $Name) {
        $l = (ip -n $Namespace -d -j link show dev $Name | ConvertFrom-Json)[0]
        # Indexes and random MACs differ between the two namespaces by nature.
        foreach ($p in 'ifindex', 'address', 'link_index', 'broadcast', 'perm_address') { $l.PSObject.Properties.Remove($p) }
        $l | ConvertTo-Json -Depth 6 -Compress
    }

    function Initialize-Parent([string] $Namespace) {
        ip -n $Namespace link add p0 type veth peer name p1
        ip -n $Namespace link set p0 up
    }

    function Test-Differential([string] $Ip, [scriptblock] $Ours, [string] $Name) {
        $nsIp, $nsOn = New-TestNamespace -Count 2
        try {
            Initialize-Parent $nsIp; Initialize-Parent $nsOn
            & ip -n $nsIp @($Ip -split ' ')
            $LASTEXITCODE | Should -Be 0
            $out = & $Ours $nsOn
            $out | Should -Not -BeNullOrEmpty
            $out.Name | Should -Be $Name
            Get-LinkState $nsOn $Name | Should -Be (Get-LinkState $nsIp $Name)
            return $out
        }
        finally { Remove-TestNamespace $nsIp, $nsOn }
    }
}

Describe 'Macvlan links, against iproute2' {
    It 'mode <Mode>' -ForEach @(
        @{ Mode = 'Bridge' }, @{ Mode = 'Private' }, @{ Mode = 'Vepa' }, @{ Mode = 'Passthru' }, @{ Mode = 'Source' }
    ) {
        $out = Test-Differential "link add mv0 link p0 type macvlan mode $($Mode.ToLowerInvariant())" { param($n) New-MacvlanLink -NetNamespace $n -Name mv0 -Parent p0 -Mode $Mode -ErrorAction Stop } 'mv0'
        $out.Mode | Should -Be $Mode
        $out.Parent | Should -Be 'p0'
    }

    It 'defaults to bridge mode (iproute2 needs "mode bridge" for that)' {
        Test-Differential 'link add mv0 link p0 type macvlan mode bridge' { param($n) New-MacvlanLink -NetNamespace $n -Name mv0 -Parent p0 } 'mv0' | Out-Null
    }

    It 'with -Up and -Mtu' {
        Test-Differential 'link add mv0 link p0 mtu 1400 up type macvlan mode bridge' { param($n) New-MacvlanLink -NetNamespace $n -Name mv0 -Parent p0 -Mtu 1400 -Up } 'mv0' | Out-Null
    }

    It 'Get-MacvlanLink lists only macvlans, and a missing parent is named' {
        $ns = New-TestNamespace
        try {
            Initialize-Parent $ns
            New-MacvlanLink -NetNamespace $ns -Name mv0 -Parent p0 | Out-Null
            (Get-MacvlanLink -NetNamespace $ns).Name | Should -Be 'mv0'
            { New-MacvlanLink -NetNamespace $ns -Name mv1 -Parent nope0 -ErrorAction Stop } | Should -Throw '*nope0*'
        }
        finally { Remove-TestNamespace $ns }
    }
}

Describe 'Kernel-tier link kinds, against iproute2' -Tag KernelTier {
    It '<Case>' -ForEach @(
        @{ Case = 'vrf'; Name = 'vrf0'; Ip = 'link add vrf0 type vrf table 10'; Ours = { param($n) New-VrfLink -NetNamespace $n -Name vrf0 -Table 10 } }
        @{ Case = 'vrf, up'; Name = 'vrf0'; Ip = 'link add vrf0 up type vrf table 1000'; Ours = { param($n) New-VrfLink -NetNamespace $n -Name vrf0 -Table 1000 -Up } }
        @{ Case = 'vlan'; Name = 'p0.10'; Ip = 'link add p0.10 link p0 type vlan id 10'; Ours = { param($n) New-VlanLink -NetNamespace $n -Name p0.10 -Parent p0 -VlanId 10 } }
        @{ Case = 'vlan 802.1ad'; Name = 'p0.20'; Ip = 'link add p0.20 link p0 type vlan protocol 802.1ad id 20'; Ours = { param($n) New-VlanLink -NetNamespace $n -Name p0.20 -Parent p0 -VlanId 20 -Protocol 802.1ad } }
        @{ Case = 'dummy'; Name = 'd0'; Ip = 'link add d0 type dummy'; Ours = { param($n) New-DummyLink -NetNamespace $n -Name d0 } }
        @{ Case = 'ipvlan default mode'; Name = 'ipv0'; Ip = 'link add ipv0 link p0 type ipvlan'; Ours = { param($n) New-IpvlanLink -NetNamespace $n -Name ipv0 -Parent p0 } }
        @{ Case = 'ipvlan l2'; Name = 'ipv0'; Ip = 'link add ipv0 link p0 type ipvlan mode l2'; Ours = { param($n) New-IpvlanLink -NetNamespace $n -Name ipv0 -Parent p0 -Mode L2 } }
        @{ Case = 'ipvlan l3s'; Name = 'ipv0'; Ip = 'link add ipv0 link p0 type ipvlan mode l3s'; Ours = { param($n) New-IpvlanLink -NetNamespace $n -Name ipv0 -Parent p0 -Mode L3S } }
    ) {
        Test-Differential $Ip $Ours $Name | Out-Null
    }

    It 'enslaves to a VRF with -Master and reads the typed objects back' {
        $ns = New-TestNamespace
        try {
            Initialize-Parent $ns
            New-VrfLink -NetNamespace $ns -Name vrf0 -Table 10 -Up | Out-Null
            $mv = New-MacvlanLink -NetNamespace $ns -Name mv0 -Parent p0 -Master vrf0
            $mv.Master | Should -Be 'vrf0'
            (Get-VrfLink -NetNamespace $ns).Table | Should -Be 10
            $vl = New-VlanLink -NetNamespace $ns -Name p0.30 -Parent p0 -VlanId 30 -Master vrf0
            (Get-VlanLink -NetNamespace $ns p0.30).VlanId | Should -Be 30
            $vl.Protocol | Should -Be '802.1Q'
            (Get-DummyLink -NetNamespace $ns) | Should -BeNullOrEmpty
            (Get-IpvlanLink -NetNamespace $ns) | Should -BeNullOrEmpty
        }
        finally { Remove-TestNamespace $ns }
    }
}
