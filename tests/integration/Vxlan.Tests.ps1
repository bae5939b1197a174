BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    # Two namespaces, each with an underlay veth pair (u0 <-> u1), so `dev` cases resolve the same name.
    function New-VxlanPair {
        $pair = New-TestNamespace -Count 2
        foreach ($ns in $pair) { & ip -n $ns link add u0 type veth peer name u1 }
        return $pair
    }

    function Get-VxlanData([string] $Namespace, [string] $Name = 'vx0') {
        $link = Invoke-Ip -Namespace $Namespace -d link show dev $Name
        return ($link[0].linkinfo.info_data | ConvertTo-Json -Compress -Depth 5)
    }
}

Describe 'New-VxlanLink matches ip link add type vxlan' {
    # Every option, as iproute2 6.1 spells it and as the cmdlet does. iproute2's port default differs on
    # purpose (API.md), so the iproute2 side says dstport 4789 wherever the cmdlet relies on its default.
    It '<Case>' -ForEach @(
        @{ Case = 'id only'; Ip = 'id 42 dstport 4789'; Ps = @{ Vni = 42 } }
        @{ Case = 'remote, local, dev'; Ip = 'id 42 dstport 4789 remote 192.168.3.3 local 192.168.3.2 dev u0'; Ps = @{ Vni = 42; Remote = '192.168.3.3'; Local = '192.168.3.2'; Device = 'u0' } }
        @{ Case = 'multicast group with dev'; Ip = 'id 43 dstport 4789 group 239.1.1.1 dev u0'; Ps = @{ Vni = 43; Group = '239.1.1.1'; Device = 'u0' } }
        @{ Case = 'nolearning proxy l2miss l3miss'; Ip = 'id 42 dstport 4789 nolearning proxy l2miss l3miss'; Ps = @{ Vni = 42; Learning = $false; Proxy = $true; L2Miss = $true; L3Miss = $true } }
        @{ Case = 'ttl and tos'; Ip = 'id 42 dstport 4789 ttl 64 tos 0x10'; Ps = @{ Vni = 42; Ttl = 64; Tos = 16 } }
        @{ Case = 'source port range'; Ip = 'id 42 dstport 4789 srcport 5000 6000'; Ps = @{ Vni = 42; SourcePortRange = 5000, 6000 } }
        @{ Case = 'ageing'; Ip = 'id 42 dstport 4789 ageing 120'; Ps = @{ Vni = 42; Ageing = 120 } }
        @{ Case = 'external'; Ip = 'external dstport 4789'; Ps = @{ External = $true } }
        @{ Case = 'kernel default port'; Ip = 'id 42 dstport 0'; Ps = @{ Vni = 42; Port = 0 } }
        @{ Case = 'other port'; Ip = 'id 42 dstport 4790'; Ps = @{ Vni = 42; Port = 4790 } }
        @{ Case = 'IPv6 underlay'; Ip = 'id 7 dstport 4789 local fd00::1 remote fd00::2'; Ps = @{ Vni = 7; Local = 'fd00::1'; Remote = 'fd00::2' } }
        @{ Case = 'VNI 0 and the largest VNI'; Ip = 'id 16777215 dstport 4789'; Ps = @{ Vni = 16777215 } }
    ) {
        $ns = New-VxlanPair
        try {
            & ip -n $ns[0] link add vx0 type vxlan @($Ip -split ' ') 2>$null
            $LASTEXITCODE | Should -Be 0
            $created = New-VxlanLink -NetNamespace $ns[1] -Name vx0 @Ps
            $created | Should -BeOfType OverlayNet.VxlanLink
            Get-VxlanData $ns[1] | Should -Be (Get-VxlanData $ns[0])
        }
        finally { Remove-TestNamespace $ns }
    }
}

Describe 'Get-VxlanLink' {
    BeforeAll {
        $ns = New-VxlanPair
        & ip -n $ns[0] link add vx0 type vxlan id 42 dstport 4789 remote 192.168.3.3 local 192.168.3.2 dev u0 nolearning proxy srcport 5000 6000 ttl 10 ageing 100
        & ip -n $ns[0] link add vx1 type vxlan id 43 dstport 4789 group 239.1.1.1 dev u0
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'reads every property back' {
        $v = Get-VxlanLink -NetNamespace $ns[0] -Name vx0
        $v.Kind | Should -Be 'vxlan'
        $v.Vni | Should -Be 42
        $v.Port | Should -Be 4789
        "$($v.Local)" | Should -Be '192.168.3.2'
        "$($v.Remote)" | Should -Be '192.168.3.3'
        $v.Group | Should -BeNullOrEmpty
        $v.Device | Should -Be 'u0'
        $v.Learning | Should -BeFalse
        $v.Proxy | Should -BeTrue
        $v.SourcePortMin | Should -Be 5000
        $v.SourcePortMax | Should -Be 6000
        $v.Ttl | Should -Be 10
        $v.Ageing | Should -Be 100
        $v.NetNamespace | Should -Be $ns[0]
    }

    It 'tells a group from a remote' {
        $v = Get-VxlanLink -NetNamespace $ns[0] -Name vx1
        "$($v.Group)" | Should -Be '239.1.1.1'
        $v.Remote | Should -BeNullOrEmpty
        $v.Learning | Should -BeTrue
    }

    It 'lists only VXLAN links' {
        (Get-VxlanLink -NetNamespace $ns[0]).Name | Sort-Object | Should -Be @('vx0', 'vx1')
    }
}

Describe 'New-VxlanLink rejects bad input before any request' {
    BeforeAll { $ns = New-VxlanPair }
    AfterAll { Remove-TestNamespace $ns }

    It '<Case>' -ForEach @(
        @{ Case = 'VNI above 24 bits'; Ps = @{ Vni = 16777216 }; Text = 'out of range' }
        @{ Case = 'negative VNI'; Ps = @{ Vni = -1 }; Text = 'out of range' }
        @{ Case = 'remote and group'; Ps = @{ Vni = 1; Remote = '10.0.0.1'; Group = '239.1.1.1'; Device = 'u0' }; Text = 'cannot both' }
        @{ Case = 'a group that is not multicast'; Ps = @{ Vni = 1; Group = '10.1.1.1'; Device = 'u0' }; Text = 'not a multicast' }
        @{ Case = 'a multicast remote'; Ps = @{ Vni = 1; Remote = '239.1.1.1' }; Text = 'multicast' }
        @{ Case = 'a group without a device'; Ps = @{ Vni = 1; Group = '239.1.1.1' }; Text = 'Device' }
        @{ Case = 'external with a VNI'; Ps = @{ Vni = 1; External = $true }; Text = 'External' }
        @{ Case = 'source port range upside down'; Ps = @{ Vni = 1; SourcePortRange = 6000, 5000 }; Text = 'range' }
    ) {
        $err = $null
        New-VxlanLink -NetNamespace $ns[0] -Name bad0 @Ps -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$($err[0])" | Should -Match $Text
        Invoke-Ip -Namespace $ns[0] link show type vxlan | Should -BeNullOrEmpty
    }

    It 'keeps the kernel''s words for a refusal (name taken)' {
        New-VxlanLink -NetNamespace $ns[0] -Name taken0 -Vni 5 | Out-Null
        $err = $null
        New-VxlanLink -NetNamespace $ns[0] -Name taken0 -Vni 6 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'supports -WhatIf' {
        New-VxlanLink -NetNamespace $ns[0] -Name whatif0 -Vni 9 -WhatIf
        Invoke-Ip -Namespace $ns[0] link show type vxlan | Where-Object ifname -eq 'whatif0' | Should -BeNullOrEmpty
    }
}
