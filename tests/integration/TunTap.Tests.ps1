# TUN/TAP devices exist in this machine's kernel: these run for real, against `ip tuntap add`.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    function Get-TunInfo([string] $Namespace, [string] $Name) {
        $link = Invoke-Ip -Namespace $Namespace -d link show dev $Name
        $link[0].linkinfo.info_data | Select-Object type, pi, vnet_hdr, multi_queue, persist, user, group
    }
}

Describe 'New-TunTapLink against ip tuntap add' {
    BeforeEach { $script:ref, $script:ours = New-TestNamespace -Count 2 }
    AfterEach { Remove-TestNamespace $script:ref, $script:ours }

    It 'mode <Mode> <Ip>' -ForEach @(
        @{ Mode = 'Tun'; Ip = @(); Params = @{} }
        @{ Mode = 'Tap'; Ip = @(); Params = @{} }
        @{ Mode = 'Tun'; Ip = @('user', 'nobody'); Params = @{ Owner = 'nobody' } }
        @{ Mode = 'Tap'; Ip = @('user', '65534', 'group', '0'); Params = @{ Owner = '65534'; Group = '0' } }
        @{ Mode = 'Tap'; Ip = @('group', 'root', 'multi_queue'); Params = @{ Group = 'root'; MultiQueue = $true } }
    ) {
        & ip -n $script:ref tuntap add dev tt0 mode $Mode.ToLowerInvariant() @Ip
        $LASTEXITCODE | Should -Be 0
        $link = New-TunTapLink -Name tt0 -Mode $Mode @Params -NetNamespace $script:ours
        $link | Should -BeOfType OverlayNet.TunTapLink
        $link.Mode | Should -Be $Mode
        $link.Persistent | Should -BeTrue
        (Get-TunInfo $script:ours tt0 | ConvertTo-Json) | Should -Be (Get-TunInfo $script:ref tt0 | ConvertTo-Json)
        # ip tuntap show agrees too (flags, user, group).
        (Invoke-Ip -Namespace $script:ours tuntap show | ConvertTo-Json) | Should -Be (Invoke-Ip -Namespace $script:ref tuntap show | ConvertTo-Json)
    }

    It 'reads back what ip tuntap made' {
        & ip -n $script:ref tuntap add dev tq0 mode tap user 65534 multi_queue
        $t = Get-TunTapLink -Name tq0 -NetNamespace $script:ref
        $t.Mode | Should -Be 'Tap'
        $t.Owner | Should -Be 65534
        $t.Group | Should -BeNullOrEmpty
        $t.MultiQueue | Should -BeTrue
        $t.Persistent | Should -BeTrue
        $t.NetNamespace | Should -Be $script:ref
    }

    It 'flannel0 from seed 001: a TUN device, up, with -Mtu; Get-TunTapLink -Mode filters' {
        New-TunTapLink -Name flannel0 -Mode Tun -Up -Mtu 1472 -NetNamespace $script:ours | Out-Null
        New-TunTapLink -Name tap9 -Mode Tap -NetNamespace $script:ours | Out-Null
        $link = (Invoke-Ip -Namespace $script:ours link show dev flannel0)[0]
        $link.flags | Should -Contain 'UP'
        $link.mtu | Should -Be 1472
        (Get-TunTapLink -Mode Tun -NetNamespace $script:ours).Name | Should -Be 'flannel0'
        (Get-TunTapLink -NetNamespace $script:ours).Count | Should -Be 2
    }

    It 'goes into a bridge with -Master' {
        & ip -n $script:ours link add br0 type bridge
        $t = New-TunTapLink -Name tap1 -Mode Tap -Master br0 -NetNamespace $script:ours
        $t.Master | Should -Be 'br0'
    }

    It 'is removed by Remove-IpLink, piped from Get-TunTapLink' {
        New-TunTapLink -Name tr0 -Mode Tun -NetNamespace $script:ours | Out-Null
        New-TunTapLink -Name tr1 -Mode Tap -NetNamespace $script:ours | Out-Null
        Get-TunTapLink -NetNamespace $script:ours | Remove-IpLink
        Invoke-Ip -Namespace $script:ours tuntap show | Should -BeNullOrEmpty
    }

    It 'an existing name is ResourceExists and the device is left as it was' {
        New-TunTapLink -Name te0 -Mode Tun -NetNamespace $script:ours | Out-Null
        New-TunTapLink -Name te0 -Mode Tap -NetNamespace $script:ours -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        (Get-TunTapLink -Name te0 -NetNamespace $script:ours).Mode | Should -Be 'Tun'
    }

    It 'never appears in the caller''s namespace' {
        New-TunTapLink -Name tn0 -Mode Tun -NetNamespace $script:ours | Out-Null
        (& ip -j link show | ConvertFrom-Json).ifname | Should -Not -Contain 'tn0'
    }

    It 'bad input is refused before anything is made: <Why>' -ForEach @(
        @{ Why = 'unknown user'; Params = @{ Mode = 'Tun'; Owner = 'no-such-user-xyz' }; Text = '*Unknown user*' }
        @{ Why = 'unknown group'; Params = @{ Mode = 'Tap'; Group = 'no-such-group-xyz' }; Text = '*Unknown group*' }
        @{ Why = 'name too long'; Params = @{ Mode = 'Tun'; Name = 'a-name-much-too-long' }; Text = '*' }
    ) {
        $p = @{ Name = 'tb0' }
        foreach ($k in $Params.Keys) { $p[$k] = $Params[$k] }
        New-TunTapLink @p -NetNamespace $script:ours -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$($err[0])" | Should -BeLike $Text
        Invoke-Ip -Namespace $script:ours tuntap show | Should -BeNullOrEmpty
    }

    It 'an unknown mode fails at binding' {
        { New-TunTapLink -Name tb1 -Mode Tunnel -NetNamespace $script:ours -ErrorAction Stop } | Should -Throw '*Tun, Tap*'
    }

    It '-WhatIf makes nothing' {
        New-TunTapLink -Name tw0 -Mode Tap -NetNamespace $script:ours -WhatIf
        Invoke-Ip -Namespace $script:ours tuntap show | Should -BeNullOrEmpty
    }
}
