BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    function New-PortHost {
        $ns = New-TestNamespace
        & ip -n $ns link add br0 type bridge
        & ip -n $ns link add vx0 type vxlan id 42 dstport 4789
        & ip -n $ns link set vx0 master br0
        return $ns
    }

    function Get-PortText([string] $Namespace) {
        $p = (Invoke-Ip -Namespace $Namespace -d link show dev vx0)[0].linkinfo.info_slave_data
        return ([ordered]@{ learning = $p.learning; neigh_suppress = $p.neigh_suppress; proxy_arp = $p.proxy_arp; hairpin = $p.hairpin; isolated = $p.isolated; flood = $p.flood } | ConvertTo-Json -Compress)
    }
}

Describe 'Set-BridgePort matches bridge link set' {
    It '<Case>' -ForEach @(
        @{ Case = 'learning off, neigh_suppress on (EVPN style)'; Ip = 'learning off neigh_suppress on'; Ps = @{ Learning = $false; NeighborSuppress = $true } }
        # bridge link set (iproute2 6.1) has no proxy_arp: ip link set ... type bridge_slave is the iproute2 way.
        @{ Case = 'proxy_arp, hairpin, isolated on'; Ip = 'ip:type bridge_slave proxy_arp on hairpin on isolated on'; Ps = @{ ProxyArp = $true; Hairpin = $true; Isolated = $true } }
        @{ Case = 'flood off'; Ip = 'flood off'; Ps = @{ UnicastFlood = $false } }
    ) {
        $theirs = New-PortHost; $ours = New-PortHost
        try {
            if ($Ip -like 'ip:*') { & ip -n $theirs link set dev vx0 @($Ip.Substring(3) -split ' ') }
            else { & bridge -n $theirs link set dev vx0 @($Ip -split ' ') }
            $LASTEXITCODE | Should -Be 0 -Because 'the reference command must have worked'
            Set-BridgePort -NetNamespace $ours -InterfaceName vx0 @Ps
            Get-PortText $ours | Should -Be (Get-PortText $theirs)
        }
        finally { Remove-TestNamespace $theirs, $ours }
    }
}

Describe 'Get-BridgePort' {
    BeforeAll { $ns = New-PortHost; & bridge -n $ns link set dev vx0 learning off hairpin on }
    AfterAll { Remove-TestNamespace $ns }

    It 'lists ports with their options, not the bridge itself' {
        $p = Get-BridgePort -NetNamespace $ns
        $p | Should -HaveCount 1
        $p.InterfaceName | Should -Be 'vx0'
        $p.Bridge | Should -Be 'br0'
        $p.Learning | Should -BeFalse
        $p.Hairpin | Should -BeTrue
        $p.NetNamespace | Should -Be $ns
    }

    It 'takes a port from the pipeline' {
        Get-VxlanLink -NetNamespace $ns | Set-BridgePort -ProxyArp $true -PassThru | Select-Object -ExpandProperty ProxyArp | Should -BeTrue
    }

    It 'names a port that does not exist' {
        $err = $null
        Set-BridgePort -NetNamespace $ns -InterfaceName nosuch0 -Learning $true -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'supports -WhatIf' {
        $said = Get-WhatIfText { Set-BridgePort -NetNamespace $ns -InterfaceName vx0 -Isolated $true -WhatIf }
        $said | Should -Be "What if: Performing the operation `"Set bridge port options`" on target `"vx0 (namespace $ns)`"."
        $port = Get-BridgePort -NetNamespace $ns
        $port | Should -HaveCount 1
        # -Be $false, not -BeFalse: $null (a port not read at all) must fail.
        $port.Isolated | Should -BeOfType [bool]
        $port.Isolated | Should -Be $false
    }
}
