# Get-OverlayNetDiagnostic: one object with every table of a namespace, which ConvertTo-Json -Depth 5 writes
# without truncation and ConvertFrom-Json reads back with the same values.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $ns, $peer = New-TestNamespace -Count 2 -LoopbackUp
    New-VethLink -Name eth0 -PeerName eth0 -NetNamespace $ns -PeerNetNamespace $peer -Up | Out-Null
    Add-IpAddress -InterfaceName eth0 -IPAddress 10.0.0.1/24 -NetNamespace $ns | Out-Null
    Add-IpRoute -DestinationPrefix 10.9.0.0/16 -NextHop 10.0.0.2 -NetNamespace $ns | Out-Null
    Add-IpRule -Priority 1000 -From 10.9.0.0/16 -Table 100 -NetNamespace $ns | Out-Null
    Add-IpNeighbor -IPAddress 10.0.0.9 -LinkLayerAddress 02:00:00:00:00:09 -InterfaceName eth0 -NetNamespace $ns | Out-Null
    New-VxlanLink -Name vxlan0 -Vni 42 -Local 10.0.0.1 -Learning:$false -NetNamespace $ns | Out-Null
    Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -InterfaceName vxlan0 -Destination 192.168.8.102 -Append -NetNamespace $ns | Out-Null
    Set-ProxyArp -InterfaceName eth0 -Enabled $true -NetNamespace $ns
    Enable-IpForwarding -AddressFamily IPv4 -NetNamespace $ns
    $d = Get-OverlayNetDiagnostic -NetNamespace $ns
}

Describe 'Get-OverlayNetDiagnostic' {
    It 'returns one object for the namespace, with nothing it could not read' {
        @($d).Count | Should -Be 1
        $d | Should -BeOfType ([OverlayNet.OverlayNetDiagnostic])
        $d.NetNamespace | Should -Be $ns
        $d.Errors | Should -BeNullOrEmpty
        $d.Kernel | Should -Be (Get-Content /proc/sys/kernel/osrelease).Trim()
        $d.ModuleVersion | Should -Be "$((Get-Module OverlayNet).Version)"
    }

    It 'holds the links, with each kind''s own settings' {
        @($d.Links.Name | Sort-Object) | Should -Be @('eth0', 'lo', 'vxlan0')
        $vxlan = $d.Links | Where-Object Name -eq vxlan0
        $vxlan.Kind | Should -Be 'vxlan'
        $vxlan.Details['Vni'] | Should -Be '42'
        $vxlan.Details['Local'] | Should -Be '10.0.0.1'
        $vxlan.Details['Learning'] | Should -Be 'False'
        $veth = $d.Links | Where-Object Name -eq eth0
        $veth.Kind | Should -Be 'veth'
        $veth.Details['PeerIndex'] | Should -Be "$((Get-IpLink -Name eth0 -NetNamespace $peer).Index)"
    }

    It 'holds addresses, routes of every table, rules, neighbours and the FDB as ip prints them' {
        ($d.Addresses | Where-Object InterfaceName -eq eth0 | Where-Object AddressFamily -eq IPv4).Address | Should -Be '10.0.0.1/24'
        $route = $d.Routes | Where-Object DestinationPrefix -eq '10.9.0.0/16'
        $route.NextHop | Should -Be '10.0.0.2'
        $route.Table | Should -Be 254
        @($d.Routes | Where-Object Table -eq 255).Count | Should -BeGreaterThan 0 -Because 'the local table is listed too'
        $rule = $d.Rules | Where-Object Priority -eq 1000
        $rule.From | Should -Be '10.9.0.0/16'
        $rule.Table | Should -Be 100
        $neighbor = $d.Neighbors | Where-Object IPAddress -eq '10.0.0.9'
        $neighbor.LinkLayerAddress | Should -Be '02:00:00:00:00:09'
        $neighbor.State | Should -Be 'Permanent'
        $fdb = $d.Fdb | Where-Object { $_.InterfaceName -eq 'vxlan0' -and $_.Destination }
        $fdb.MacAddress | Should -Be '00:00:00:00:00:00'
        $fdb.Destination | Should -Be '192.168.8.102'
    }

    It 'holds the overlay sysctls of the namespace, not the caller''s' {
        $d.Sysctls['net.ipv4.ip_forward'] | Should -Be '1'
        $d.Sysctls['net.ipv4.conf.eth0.proxy_arp'] | Should -Be '1'
        $d.Sysctls['net.ipv4.conf.lo.proxy_arp'] | Should -Be '0'
        $d.Sysctls.Keys | Should -Contain 'net.ipv4.conf.all.rp_filter'
        $d.Sysctls.Keys | Should -Contain 'net.ipv6.conf.vxlan0.forwarding'
    }

    It 'writes JSON at depth 5 without truncation, and reads it back with the same values' {
        $json = $d | ConvertTo-Json -Depth 5 -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty -Because 'depth 5 must hold the whole object'
        $back = $json | ConvertFrom-Json
        $back.NetNamespace | Should -Be $ns
        @($back.Links.Name) | Should -Be @($d.Links.Name)
        ($back.Links | Where-Object Name -eq vxlan0).Details.Vni | Should -Be '42'
        # ForEach-Object: .Address on an array would name the array's own Address() method.
        @($back.Addresses | ForEach-Object Address) | Should -Be @($d.Addresses | ForEach-Object Address)
        @($back.Routes.DestinationPrefix) | Should -Be @($d.Routes.DestinationPrefix)
        @($back.Rules.Priority) | Should -Be @($d.Rules.Priority)
        @($back.Neighbors.IPAddress) | Should -Be @($d.Neighbors.IPAddress)
        ($back.Fdb | Where-Object Destination).Destination | Should -Be '192.168.8.102'
        $back.Sysctls.'net.ipv4.conf.eth0.proxy_arp' | Should -Be '1'
        @($back.Sysctls.PSObject.Properties).Count | Should -Be $d.Sysctls.Count
    }

    It 'takes namespace names from the pipeline, one object each' {
        $both = $ns, $peer | Get-OverlayNetDiagnostic
        @($both.NetNamespace) | Should -Be @($ns, $peer)
        @(($both | Where-Object NetNamespace -eq $peer).Links.Name | Sort-Object) | Should -Be @('eth0', 'lo')
    }

    It 'reports a namespace that does not exist as an error naming it, and goes on' {
        $missing = New-TestName 'ontmiss'
        $out = $missing, $peer | Get-OverlayNetDiagnostic -ErrorVariable e -ErrorAction SilentlyContinue
        @($out.NetNamespace) | Should -Be @($peer)
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'GetOverlayNetDiagnosticFailed*'
        $e[0].TargetObject | Should -Be $missing
        "$($e[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
    }
}

AfterAll {
    Remove-TestNamespace $ns, $peer
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
