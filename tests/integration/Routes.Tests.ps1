# Routes: each form runs through iproute2 in one fresh namespace and through OverlayNet in another, both set up
# alike (a veth pair with 10.0.0.1/24 and fd00::1/64), and both tables are read back with `ip -d -j route`.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    function Initialize-RouteLab([string] $Namespace) {
        ip -n $Namespace link add v0 type veth peer name v1
        ip -n $Namespace link set v0 up
        ip -n $Namespace link set v1 up
        ip -n $Namespace addr add 10.0.0.1/24 dev v0
        ip -n $Namespace addr add fd00::1/64 dev v0 nodad
    }

    function Get-RouteState([string] $Namespace) {
        # Both families, every table except local (which only holds the addresses' own routes).
        $all = foreach ($family in '-4', '-6') {
            $text = ip -n $Namespace -d -j $family route show table all
            if ("$text".Trim()) { "$text" | ConvertFrom-Json }
        }
        $all | Where-Object { $_.table -ne 'local' -and $_.dst -notlike 'fe80*' -and $_.dst -notlike 'ff00*' } |
            ForEach-Object { $_ | ConvertTo-Json -Compress -Depth 5 } | Sort-Object
    }
}

Describe 'Routes, against iproute2' {
    BeforeEach {
        $nsIp, $nsOn = New-TestNamespace -Count 2
        Initialize-RouteLab $nsIp
        Initialize-RouteLab $nsOn
    }
    AfterEach { Remove-TestNamespace $nsIp, $nsOn }

    It '<Case>' -ForEach @(
        @{ Case = 'via gateway'; Ip = '10.1.0.0/24 via 10.0.0.2'; Ours = @{ DestinationPrefix = '10.1.0.0/24'; NextHop = '10.0.0.2' } }
        @{ Case = 'device only (scope link)'; Ip = '10.2.0.0/24 dev v0'; Ours = @{ DestinationPrefix = '10.2.0.0/24'; InterfaceName = 'v0' } }
        @{ Case = 'onlink'; Ip = '10.3.0.0/24 via 192.168.3.3 dev v0 onlink'; Ours = @{ DestinationPrefix = '10.3.0.0/24'; NextHop = '192.168.3.3'; InterfaceName = 'v0'; OnLink = $true } }
        @{ Case = 'table and metric'; Ip = '10.4.0.0/24 dev v0 table 100 metric 5'; Ours = @{ DestinationPrefix = '10.4.0.0/24'; InterfaceName = 'v0'; Table = '100'; RouteMetric = 5 } }
        @{ Case = 'table above 255'; Ip = '10.4.0.0/24 via 10.0.0.2 table 1000'; Ours = @{ DestinationPrefix = '10.4.0.0/24'; NextHop = '10.0.0.2'; Table = '1000' } }
        @{ Case = 'preferred source'; Ip = '10.5.0.0/24 dev v0 src 10.0.0.1'; Ours = @{ DestinationPrefix = '10.5.0.0/24'; InterfaceName = 'v0'; Source = '10.0.0.1' } }
        @{ Case = 'default'; Ip = 'default via 10.0.0.2'; Ours = @{ DestinationPrefix = 'default'; NextHop = '10.0.0.2' } }
        @{ Case = 'host route, explicit scope (seed 000 §4)'; Ip = '169.254.1.1 dev v0 scope link'; Ours = @{ DestinationPrefix = '169.254.1.1'; InterfaceName = 'v0'; Scope = 'Link' } }
        @{ Case = 'blackhole'; Ip = 'blackhole 10.8.0.0/24'; Ours = @{ DestinationPrefix = '10.8.0.0/24'; Type = 'Blackhole' } }
        @{ Case = 'unreachable'; Ip = 'unreachable 10.8.1.0/24'; Ours = @{ DestinationPrefix = '10.8.1.0/24'; Type = 'Unreachable' } }
        @{ Case = 'prohibit'; Ip = 'prohibit 10.8.2.0/24'; Ours = @{ DestinationPrefix = '10.8.2.0/24'; Type = 'Prohibit' } }
        @{ Case = 'local in table 100'; Ip = 'local 10.9.9.9 dev v0 table 100'; Ours = @{ DestinationPrefix = '10.9.9.9'; InterfaceName = 'v0'; Type = 'Local'; Table = '100' } }
        @{ Case = 'multipath with weights'; Ip = '10.6.0.0/24 nexthop via 10.0.0.2 dev v0 weight 2 nexthop via 10.0.0.3 dev v0'
            Ours = @{ DestinationPrefix = '10.6.0.0/24'; NextHops = @(@{ NextHop = '10.0.0.2'; InterfaceName = 'v0'; Weight = 2 }, @{ NextHop = '10.0.0.3'; InterfaceName = 'v0' }) } }
        @{ Case = 'IPv6 via gateway'; Ip = 'fd00:1::/64 via fd00::2'; Ours = @{ DestinationPrefix = 'fd00:1::/64'; NextHop = 'fd00::2' } }
        @{ Case = 'IPv6 default'; Ip = 'default via fd00::2 dev v0'; Ours = @{ DestinationPrefix = 'default'; NextHop = 'fd00::2'; InterfaceName = 'v0' } }
        @{ Case = 'IPv6 device, metric'; Ip = 'fd00:2::/64 dev v0 metric 10'; Ours = @{ DestinationPrefix = 'fd00:2::/64'; InterfaceName = 'v0'; RouteMetric = 10 } }
        @{ Case = 'IPv6 blackhole'; Ip = 'blackhole fd00:3::/64'; Ours = @{ DestinationPrefix = 'fd00:3::/64'; Type = 'Blackhole' } }
    ) {
        $family = if ($Ip -match ':') { '-6' } else { '-4' }
        & ip -n $nsIp $family route add @($Ip -split ' ')
        $LASTEXITCODE | Should -Be 0
        $out = Add-IpRoute -NetNamespace $nsOn @Ours -ErrorAction Stop
        $out | Should -Not -BeNullOrEmpty
        $out.NetNamespace | Should -Be $nsOn
        Get-RouteState $nsOn | Should -Be (Get-RouteState $nsIp)
    }

    It 'replace changes the next hop as ip route replace does' {
        ip -n $nsIp route add 10.1.0.0/24 via 10.0.0.2
        ip -n $nsIp route replace 10.1.0.0/24 via 10.0.0.3
        Add-IpRoute -NetNamespace $nsOn 10.1.0.0/24 -NextHop 10.0.0.2 | Out-Null
        Set-IpRoute -NetNamespace $nsOn 10.1.0.0/24 -NextHop 10.0.0.3
        Get-RouteState $nsOn | Should -Be (Get-RouteState $nsIp)
    }

    It 'reads back what iproute2 made, and Get-IpRoute | Remove-IpRoute empties a table' {
        ip -n $nsOn route add 10.1.0.0/24 via 10.0.0.2 table 100
        ip -n $nsOn route add 10.6.0.0/24 table 100 nexthop via 10.0.0.2 dev v0 weight 3 nexthop via 10.0.0.3 dev v0
        ip -n $nsOn route add blackhole 10.8.0.0/24 table 100
        $routes = Get-IpRoute -NetNamespace $nsOn -Table 100
        $routes.Count | Should -Be 3
        $r = $routes | Where-Object DestinationPrefix -eq '10.1.0.0/24'
        $r.NextHop | Should -Be '10.0.0.2'
        $r.InterfaceName | Should -Be 'v0'
        $r.Protocol | Should -Be 'Boot'
        $mp = $routes | Where-Object DestinationPrefix -eq '10.6.0.0/24'
        $mp.NextHops.Weight | Should -Be 3, 1
        $mp.NextHops.InterfaceName | Should -Be 'v0', 'v0'
        ($routes | Where-Object Type -eq Blackhole).DestinationPrefix | Should -Be '10.8.0.0/24'
        Get-IpRoute -NetNamespace $nsOn -Table 100 | Remove-IpRoute -ErrorAction Stop
        ip -n $nsOn -j route show table 100 | ConvertFrom-Json | Should -BeNullOrEmpty
    }

    It 'Remove-IpRoute matches ip route del' {
        foreach ($ns in $nsIp, $nsOn) { ip -n $ns route add 10.1.0.0/24 via 10.0.0.2; ip -n $ns route add 10.2.0.0/24 dev v0 }
        ip -n $nsIp route del 10.1.0.0/24
        Remove-IpRoute -NetNamespace $nsOn -DestinationPrefix 10.1.0.0/24 -ErrorAction Stop
        Get-RouteState $nsOn | Should -Be (Get-RouteState $nsIp)
    }
}

Describe 'Route input checks and errors' {
    BeforeAll {
        $ns = New-TestNamespace
        Initialize-RouteLab $ns
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'rejects a next hop of the other family before sending anything' {
        $err = $null
        Add-IpRoute -NetNamespace $ns 10.1.0.0/24 -NextHop fd00::2 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$($err[0])" | Should -Match 'family'
        ip -n $ns -j route show 10.1.0.0/24 | ConvertFrom-Json | Should -BeNullOrEmpty
    }

    It 'rejects host bits in the prefix, as iproute2 does' {
        ip -n $ns route add 10.7.1.2/16 via 10.0.0.2 2>$null
        $LASTEXITCODE | Should -Not -Be 0
        { Add-IpRoute -NetNamespace $ns 10.7.1.2/16 -NextHop 10.0.0.2 -ErrorAction Stop } | Should -Throw '*Invalid prefix*'
    }

    It 'rejects a unicast route with neither next hop nor device' {
        { Add-IpRoute -NetNamespace $ns 10.1.0.0/24 -ErrorAction Stop } | Should -Throw '*next hop or an interface*'
    }

    It 'keeps the kernel''s word for an existing route and goes on with the pipeline' {
        $err = $null
        $out = '10.20.0.0/24', '10.20.0.0/24', '10.21.0.0/24' |
            Add-IpRoute -NetNamespace $ns -InterfaceName v0 -ErrorVariable err -ErrorAction SilentlyContinue
        $out.Count | Should -Be 2
        $err.Count | Should -Be 1
        $err[0].TargetObject | Should -Be '10.20.0.0/24'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'names a missing device' {
        { Add-IpRoute -NetNamespace $ns 10.1.0.0/24 -InterfaceName nope0 -ErrorAction Stop } | Should -Throw '*nope0*'
    }

    It '-WhatIf changes nothing' {
        Add-IpRoute -NetNamespace $ns 10.30.0.0/24 -InterfaceName v0 -WhatIf
        ip -n $ns -j route show 10.30.0.0/24 | ConvertFrom-Json | Should -BeNullOrEmpty
    }

    It 'a pipeline of 3000 routes goes through the batch path' {
        $out = 0..2999 | ForEach-Object { '10.{0}.{1}.0/24' -f (100 + [math]::Floor($_ / 256)), ($_ % 256) } |
            Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 300 -ErrorAction Stop
        $out.Count | Should -Be 3000
        (Get-IpRoute -NetNamespace $ns -Table 300).Count | Should -Be 3000
        (ip -n $ns -j route show table 300 | ConvertFrom-Json).Count | Should -Be 3000
    }
}

Describe 'Bulk form' {
    BeforeAll { $ns = New-TestNamespace; Initialize-RouteLab $ns }
    AfterAll { Remove-TestNamespace $ns }

    It 'takes an array of prefixes in one binding and reports a failed one by its prefix' {
        $err = $null
        $out = Add-IpRoute -NetNamespace $ns -DestinationPrefix 10.40.0.0/24, 10.40.1.0/24, 10.40.1.0/24, 10.41.0.1/8 -InterfaceName v0 -ErrorVariable err -ErrorAction SilentlyContinue
        $out.DestinationPrefix | Should -Be '10.40.0.0/24', '10.40.1.0/24'
        $err.TargetObject | Should -Be '10.41.0.1/8', '10.40.1.0/24'
    }

    It 'maps each refusal to its route across batches, the last request included' {
        # Only the last request of each sendmsg asks for an ack; a refused request is answered anyway. Existing
        # routes at the start, on batch boundaries (1000) and at the very end must come back as exactly those errors.
        $prefixes = 0..2499 | ForEach-Object { '10.{0}.{1}.0/24' -f (60 + [math]::Floor($_ / 256)), ($_ % 256) }
        $taken = $prefixes[0, 999, 1000, 1733, 2499]
        foreach ($p in $taken) { ip -n $ns route add $p dev v0 table 400 }
        $err = $null
        $out = $prefixes | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 400 -ErrorVariable err -ErrorAction SilentlyContinue
        $out.Count | Should -Be 2495
        $err.TargetObject | Sort-Object | Should -Be ($taken | Sort-Object)
        $err | ForEach-Object { $_.CategoryInfo.Category | Should -Be 'ResourceExists' }
        (ip -n $ns -j route show table 400 | ConvertFrom-Json).Count | Should -Be 2500
    }
}

Describe 'Routes in a VRF' -Tag KernelTier {
    BeforeAll {
        $ns = New-TestNamespace
        Initialize-RouteLab $ns
        New-VrfLink -NetNamespace $ns -Name vrf0 -Table 10 -Up | Out-Null
        ip -n $ns link set v0 master vrf0
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'resolves -Vrf to the VRF''s table and reports the VRF on read-back' {
        Add-IpRoute -NetNamespace $ns -Vrf vrf0 -DestinationPrefix 10.0.1.2 -InterfaceName v0 -ErrorAction Stop | Out-Null
        (ip -n $ns -j route show vrf vrf0 | ConvertFrom-Json).dst | Should -Contain '10.0.1.2'
        $r = Get-IpRoute -NetNamespace $ns -Vrf vrf0 -DestinationPrefix 10.0.1.2
        $r.Table | Should -Be 10
        $r.Vrf | Should -Be 'vrf0'
    }
}
