# Validation runs here (it happens before any request). Creating tunnels needs ipip/gre/sit/vti/ip6tnl,
# which this machine's kernel lacks: those tests are tagged KernelTier and run in the QEMU guest.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    function Get-TunnelState([string] $Namespace, [string] $Name) {
        # What iproute2 shows of a tunnel, without what differs between two namespaces by chance.
        $l = (Invoke-Ip -Namespace $Namespace -d link show dev $Name)[0]
        [ordered]@{
            kind = $l.linkinfo.info_kind; data = $l.linkinfo.info_data; mtu = $l.mtu; flags = $l.flags
            link_type = $l.link_type; link = $l.link
        } | ConvertTo-Json -Depth 5
    }
}

Describe 'New-IpTunnel refuses bad input before sending anything' {
    BeforeAll { $script:ns = New-TestNamespace }
    AfterAll { Remove-TestNamespace $script:ns }

    It '<Why>' -ForEach @(
        @{ Why = 'a key on ipip'; Params = @{ Mode = 'IpIp'; Remote = '10.0.0.2'; Key = '5' }; Text = '*Keys are not allowed with IpIp*' }
        @{ Why = 'an input key on sit'; Params = @{ Mode = 'Sit'; InputKey = '0x10' }; Text = '*Keys are not allowed with Sit*' }
        @{ Why = 'a key on isatap'; Params = @{ Mode = 'Isatap'; OutputKey = '1' }; Text = '*Keys are not allowed with Isatap*' }
        @{ Why = 'a key on ip6ip6'; Params = @{ Mode = 'Ip6Ip6'; Key = '1' }; Text = '*Keys are not allowed with Ip6Ip6*' }
        @{ Why = 'an IPv6 remote on gre'; Params = @{ Mode = 'Gre'; Remote = '2001:db8::2' }; Text = '*-Remote 2001:db8::2 is not an IPv4 address*' }
        @{ Why = 'an IPv6 local on ipip'; Params = @{ Mode = 'IpIp'; Local = '2001:db8::1' }; Text = '*-Local 2001:db8::1 is not an IPv4 address*' }
        @{ Why = 'an IPv4 remote on ip6gre'; Params = @{ Mode = 'Ip6Gre'; Remote = '10.0.0.2' }; Text = '*not an IPv6 address*' }
        @{ Why = '-Key with -InputKey'; Params = @{ Mode = 'Gre'; Key = '1'; InputKey = '2' }; Text = '*not both*' }
        @{ Why = 'a malformed key'; Params = @{ Mode = 'Gre'; Key = '0x1g' }; Text = "*Invalid value for -Key: '0x1g'*" }
        @{ Why = 'a key too large'; Params = @{ Mode = 'Vti'; InputKey = '4294967296' }; Text = '*-InputKey*' }
        @{ Why = 'a checksum on ipip'; Params = @{ Mode = 'IpIp'; Checksum = $true }; Text = '*GRE options*' }
        @{ Why = 'sequence numbers on vti'; Params = @{ Mode = 'Vti'; InputSequence = $true }; Text = '*GRE options*' }
        @{ Why = 'a TTL on vti'; Params = @{ Mode = 'Vti'; Ttl = 64 }; Text = '*no TTL or TOS*' }
        @{ Why = 'pmtudisc on ip6gre'; Params = @{ Mode = 'Ip6Gre'; PMtuDiscovery = $true }; Text = '*no path MTU discovery*' }
        @{ Why = 'a fixed TTL without pmtudisc'; Params = @{ Mode = 'Gre'; Ttl = 64; PMtuDiscovery = $false }; Text = '*nopmtudisc are incompatible*' }
        @{ Why = 'a multicast GRE remote without local'; Params = @{ Mode = 'Gre'; Remote = '239.1.1.1' }; Text = '*requires a -Local*' }
        @{ Why = 'bad input is found before a missing device'; Params = @{ Mode = 'IpIp'; Key = '1'; Device = 'nosuchdev' }; Text = '*Keys are not allowed*' }
    ) {
        New-IpTunnel -Name t1 @Params -NetNamespace $script:ns -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NewIpTunnelFailed*'
        "$($err[0])" | Should -BeLike $Text
        (Invoke-Ip -Namespace $script:ns link show).ifname | Should -Be @('lo')
    }

    It 'an unknown mode fails at binding and names the modes' {
        { New-IpTunnel -Name t1 -Mode gre6 -NetNamespace $script:ns -ErrorAction Stop } |
            Should -Throw '*IpIp, Gre, GreTap, Sit, Isatap, Vti, Ip6Ip6, Ip6Gre, Ip6GreTap*'
        (Invoke-Ip -Namespace $script:ns link show).ifname | Should -Be @('lo')
    }

    It 'modes are case-insensitive, as iproute2 spells them (-WhatIf sends nothing)' {
        New-IpTunnel -Name t1 -Mode ip6gretap -Remote 2001:db8::2 -NetNamespace $script:ns -WhatIf
        New-IpTunnel -Name t1 -Mode GRE -Remote 10.0.0.2 -Key 0x111111 -NetNamespace $script:ns -WhatIf
        (Invoke-Ip -Namespace $script:ns link show).ifname | Should -Be @('lo')
    }

    It 'Set-IpTunnel refuses a link that is not a tunnel' {
        & ip -n $script:ns link add br9 type bridge
        Set-IpTunnel -Name br9 -Ttl 64 -NetNamespace $script:ns -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -BeLike '*is not an IP tunnel*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'New-IpTunnel against ip tunnel add' -Tag KernelTier {
    BeforeEach {
        $script:ref, $script:ours = New-TestNamespace -Count 2
        foreach ($n in $script:ref, $script:ours) { & ip -n $n link add br0 type bridge }
    }
    AfterEach { Remove-TestNamespace $script:ref, $script:ours }

    It 'ip <Ip>' -ForEach @(
        @{ Ip = 'tunnel add t1 mode ipip remote 192.168.3.3 local 192.168.3.2'; Params = @{ Mode = 'IpIp'; Remote = '192.168.3.3'; Local = '192.168.3.2' } }
        @{ Ip = 'tunnel add t1 mode ipip remote 1.2.3.4 ttl 64 tos 0x10 dev br0'; Params = @{ Mode = 'IpIp'; Remote = '1.2.3.4'; Ttl = 64; Tos = 16; Device = 'br0' } }
        @{ Ip = 'tunnel add t1 mode ipip remote 1.2.3.4 nopmtudisc'; Params = @{ Mode = 'IpIp'; Remote = '1.2.3.4'; PMtuDiscovery = $false } }
        @{ Ip = 'tunnel add t1 mode gre remote 172.16.0.5 local 172.16.0.3 ttl 255 ikey 0x111111 okey 0x222222 csum seq'
           Params = @{ Mode = 'Gre'; Remote = '172.16.0.5'; Local = '172.16.0.3'; Ttl = 255; InputKey = '0x111111'; OutputKey = '0x222222'; Checksum = $true; Sequence = $true } }
        @{ Ip = 'tunnel add t1 mode gre remote 10.0.0.2 key 0.17.17.17 icsum oseq'; Params = @{ Mode = 'Gre'; Remote = '10.0.0.2'; Key = '0.17.17.17'; InputChecksum = $true; OutputSequence = $true } }
        @{ Ip = 'tunnel add t1 mode gre remote 10.0.0.2 ikey 1118481 ocsum iseq'; Params = @{ Mode = 'Gre'; Remote = '10.0.0.2'; InputKey = '1118481'; OutputChecksum = $true; InputSequence = $true } }
        @{ Ip = 'link add t1 type gretap remote 10.0.0.2 local 10.0.0.1 key 42'; Params = @{ Mode = 'GreTap'; Remote = '10.0.0.2'; Local = '10.0.0.1'; Key = '42' } }
        @{ Ip = 'tunnel add t1 mode sit remote 192.168.3.3 local 192.168.3.2 ttl 64'; Params = @{ Mode = 'Sit'; Remote = '192.168.3.3'; Local = '192.168.3.2'; Ttl = 64 } }
        @{ Ip = 'tunnel add t1 mode isatap local 10.0.0.1'; Params = @{ Mode = 'Isatap'; Local = '10.0.0.1' } }
        @{ Ip = 'tunnel add t1 mode vti remote 10.0.0.2 local 10.0.0.1 ikey 1 okey 2'; Params = @{ Mode = 'Vti'; Remote = '10.0.0.2'; Local = '10.0.0.1'; InputKey = '1'; OutputKey = '2' } }
        @{ Ip = 'link add t1 type ip6tnl mode ip6ip6 remote 2001:db8::2 local 2001:db8::1'; Params = @{ Mode = 'Ip6Ip6'; Remote = '2001:db8::2'; Local = '2001:db8::1' } }
        @{ Ip = 'link add t1 type ip6tnl mode ip6ip6 remote 2001:db8::2 hoplimit 10 tclass 0x20 dev br0'; Params = @{ Mode = 'Ip6Ip6'; Remote = '2001:db8::2'; Ttl = 10; Tos = 32; Device = 'br0' } }
        @{ Ip = 'link add t1 type ip6gre remote 2001:db8::2 local 2001:db8::1 ikey 7 okey 8 csum seq'; Params = @{ Mode = 'Ip6Gre'; Remote = '2001:db8::2'; Local = '2001:db8::1'; InputKey = '7'; OutputKey = '8'; Checksum = $true; Sequence = $true } }
        @{ Ip = 'link add t1 type ip6gretap remote 2001:db8::2 local 2001:db8::1 key 0x111111 hoplimit 255'; Params = @{ Mode = 'Ip6GreTap'; Remote = '2001:db8::2'; Local = '2001:db8::1'; Key = '0x111111'; Ttl = 255 } }
    ) {
        & ip -n $script:ref @($Ip -split ' ')
        $LASTEXITCODE | Should -Be 0
        $t = New-IpTunnel -Name t1 @Params -NetNamespace $script:ours
        $t | Should -BeOfType OverlayNet.IpTunnel
        $t.Mode | Should -Be $Params.Mode
        Get-TunnelState $script:ours t1 | Should -Be (Get-TunnelState $script:ref t1)
    }

    It 'reads back seed 001''s GRE tunnel as iproute2 made it' {
        & ip -n $script:ref tunnel add gre01 mode gre remote 172.16.0.5 local 172.16.0.3 ttl 255 ikey 0x111111 okey 0x222222 csum seq
        $t = Get-IpTunnel -Name gre01 -NetNamespace $script:ref
        $t.Mode | Should -Be 'Gre'
        $t.Kind | Should -Be 'gre'
        $t.Local | Should -Be ([ipaddress]'172.16.0.3')
        $t.Remote | Should -Be ([ipaddress]'172.16.0.5')
        $t.Ttl | Should -Be 255
        $t.InputKey | Should -Be 0x111111
        $t.OutputKey | Should -Be 0x222222
        $t.InputChecksum, $t.OutputChecksum, $t.InputSequence, $t.OutputSequence | Should -Be @($true, $true, $true, $true)
        $t.PMtuDiscovery | Should -BeTrue
    }

    It 'Get-IpTunnel -Mode filters and reads isatap as Isatap' {
        & ip -n $script:ref tunnel add is1 mode isatap local 10.0.0.1
        & ip -n $script:ref tunnel add vt1 mode vti local 10.0.0.1 remote 10.0.0.2 key 5
        (Get-IpTunnel -Mode Isatap -NetNamespace $script:ref).Name | Should -Be 'is1'
        $v = Get-IpTunnel -Name vt1 -NetNamespace $script:ref
        $v.Mode | Should -Be 'Vti'
        $v.InputKey | Should -Be 5
        $v.OutputKey | Should -Be 5
    }

    # With the name first, ip tunnel change starts from the tunnel's current parameters (iproute2 reads them
    # with SIOCGETTUNNEL) and its flag words only add: "icsum" leaves ocsum on (there is no "noocsum"), so it is
    # -InputChecksum $true, not -OutputChecksum $false. Checksum plus sequence number make the GRE header
    # 4 bytes longer and the kernel lowers the MTU by as much (1468 -> 1464) on both paths.
    It 'Set-IpTunnel does what ip tunnel change does' {
        foreach ($n in $script:ref, $script:ours) {
            & ip -n $n tunnel add t1 mode gre remote 10.0.0.2 local 10.0.0.1 ikey 1 okey 2 csum
        }
        & ip -n $script:ref tunnel change t1 mode gre remote 10.0.0.3 local 10.0.0.1 ttl 64 ikey 1 okey 3 icsum seq
        Set-IpTunnel -Name t1 -Remote 10.0.0.3 -Ttl 64 -OutputKey 3 -InputChecksum $true -Sequence $true -NetNamespace $script:ours
        $state = Get-TunnelState $script:ours t1
        $state | Should -Be (Get-TunnelState $script:ref t1)
        $data = ($state | ConvertFrom-Json).data
        $data.ocsum, $data.icsum, $data.oseq, $data.iseq | Should -Be @($true, $true, $true, $true)
        ($state | ConvertFrom-Json).mtu | Should -Be 1464
    }

    # With the name after "mode", iproute2 does not read the old parameters: the flags are the arguments'
    # alone, so ocsum goes, which is what -OutputChecksum $false says; the header and the MTU stay as they were.
    It 'Set-IpTunnel -OutputChecksum $false does what ip tunnel change does when it rebuilds the flags' {
        foreach ($n in $script:ref, $script:ours) {
            & ip -n $n tunnel add t1 mode gre remote 10.0.0.2 local 10.0.0.1 ikey 1 okey 2 csum
        }
        & ip -n $script:ref tunnel change mode gre t1 remote 10.0.0.3 local 10.0.0.1 ttl 64 ikey 1 okey 3 icsum seq
        Set-IpTunnel -Name t1 -Remote 10.0.0.3 -Ttl 64 -OutputKey 3 -OutputChecksum $false -Sequence $true -NetNamespace $script:ours
        $state = Get-TunnelState $script:ours t1
        $state | Should -Be (Get-TunnelState $script:ref t1)
        ($state | ConvertFrom-Json).data.PSObject.Properties.Name | Should -Not -Contain 'ocsum'
        ($state | ConvertFrom-Json).mtu | Should -Be 1468
    }

    It '-Up and -Master as every New-*Link; Remove-IpLink removes it' {
        $t = New-IpTunnel -Name gt1 -Mode GreTap -Remote 10.0.0.2 -Local 10.0.0.1 -Up -Master br0 -NetNamespace $script:ours
        $t.Master | Should -Be 'br0'
        $t.AdminState | Should -Be 'Up'
        Get-IpTunnel -Name gt1 -NetNamespace $script:ours | Remove-IpLink
        (Invoke-Ip -Namespace $script:ours link show).ifname | Should -Not -Contain 'gt1'
    }

    It 'an existing name is ResourceExists' {
        New-IpTunnel -Name t2 -Mode IpIp -Remote 10.0.0.2 -NetNamespace $script:ours | Out-Null
        New-IpTunnel -Name t2 -Mode IpIp -Remote 10.0.0.3 -NetNamespace $script:ours -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }
}
