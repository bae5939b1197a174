# Addresses: `ip addr` forms against Add-/Remove-/Clear-IpAddress, each in a fresh pair of namespaces,
# compared through `ip -j addr show` (link-local IPv6 and lifetimes left out; see ../Differential.psm1).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Differential.psm1') -Force
    Import-OverlayNet

    function Invoke-Both([scriptblock] $Setup) {
        foreach ($n in $nsIp, $nsOn) {
            & $Setup $n
            if ($LASTEXITCODE -ne 0) { throw "setup failed in $n" }
        }
    }
}

Describe 'Addresses, against iproute2' {
    BeforeEach {
        $nsIp, $nsOn = New-TestNamespace -Count 2
        # Links stay down: no link-local address and no DAD running while we compare.
        Invoke-Both { param($n) ip -n $n link add name v0 type veth peer name v1 }
    }
    AfterEach { Remove-TestNamespace $nsIp, $nsOn }

    It '<Case>' -ForEach @(
        @{ Case = 'add 10.0.0.2/24'
            Ip = { param($n) ip -n $n addr add 10.0.0.2/24 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 10.0.0.2/24 } }
        @{ Case = 'add -IPAddress -PrefixLength'
            Ip = { param($n) ip -n $n addr add 10.0.0.2/24 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n -InterfaceName v0 -IPAddress 10.0.0.2 -PrefixLength 24 } }
        @{ Case = 'add a bare address (/32)'
            Ip = { param($n) ip -n $n addr add 10.0.0.2 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n -InterfaceName v0 -IPAddress 10.0.0.2 } }
        @{ Case = 'add with peer'
            Ip = { param($n) ip -n $n addr add 10.0.0.1 peer 10.0.0.2 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 10.0.0.1 -Peer 10.0.0.2 } }
        @{ Case = 'add with peer and prefix length'
            Ip = { param($n) ip -n $n addr add 10.0.0.1 peer 10.0.0.2/30 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 10.0.0.1/30 -Peer 10.0.0.2 } }
        @{ Case = 'add with peer and -PrefixLength'
            Ip = { param($n) ip -n $n addr add 10.0.0.1 peer 10.0.0.2/30 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 10.0.0.1 -PrefixLength 30 -Peer 10.0.0.2 } }
        @{ Case = 'add broadcast +'
            Ip = { param($n) ip -n $n addr add 10.0.0.2/22 broadcast + dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 10.0.0.2/22 -Broadcast + } }
        @{ Case = 'add broadcast ADDRESS'
            Ip = { param($n) ip -n $n addr add 10.0.0.2/24 broadcast 10.0.0.127 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 10.0.0.2/24 -Broadcast 10.0.0.127 } }
        @{ Case = 'add label'
            Ip = { param($n) ip -n $n addr add 10.0.0.2/24 dev v0 label v0:web }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 10.0.0.2/24 -Label v0:web } }
        @{ Case = 'add scope link'
            Ip = { param($n) ip -n $n addr add 169.254.1.1/16 dev v0 scope link }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 169.254.1.1/16 -Scope link } }
        @{ Case = 'add a second address in the subnet (secondary)'
            Pre = { param($n) ip -n $n addr add 10.0.0.2/24 dev v0 }
            Ip = { param($n) ip -n $n addr add 10.0.0.3/24 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 10.0.0.3/24 } }
        @{ Case = 'add IPv6 fd00::2/64'
            Ip = { param($n) ip -n $n addr add fd00::2/64 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 fd00::2/64 } }
        @{ Case = 'add a bare IPv6 address (/128)'
            Ip = { param($n) ip -n $n addr add fd00::2 dev v0 }
            Ours = { param($n) Add-IpAddress -NetNamespace $n v0 fd00::2 } }
        @{ Case = 'add 127.0.0.2/8 to lo (host scope)'; Link = 'lo'
            Ip = { param($n) ip -n $n addr add 127.0.0.2/8 dev lo }
            Ours = { param($n) Add-IpAddress -NetNamespace $n lo 127.0.0.2/8 } }
        @{ Case = 'del'; Output = $false
            Pre = { param($n) ip -n $n addr add 10.0.0.2/24 dev v0; ip -n $n addr add 10.9.0.2/16 dev v0 }
            Ip = { param($n) ip -n $n addr del 10.0.0.2/24 dev v0 }
            Ours = { param($n) Remove-IpAddress -NetNamespace $n v0 10.0.0.2/24 } }
        @{ Case = 'del a primary (its secondaries go too)'; Output = $false
            Pre = { param($n) ip -n $n addr add 10.0.0.2/24 dev v0; ip -n $n addr add 10.0.0.3/24 dev v0 }
            Ip = { param($n) ip -n $n addr del 10.0.0.2/24 dev v0 }
            Ours = { param($n) Remove-IpAddress -NetNamespace $n v0 10.0.0.2/24 } }
        @{ Case = 'del IPv6'; Output = $false
            Pre = { param($n) ip -n $n addr add fd00::2/64 dev v0; ip -n $n addr add fd00::3/64 dev v0 }
            Ip = { param($n) ip -n $n addr del fd00::2/64 dev v0 }
            Ours = { param($n) Remove-IpAddress -NetNamespace $n -InterfaceName v0 -IPAddress fd00::2 -PrefixLength 64 } }
        @{ Case = 'del without a prefix length (iproute2 matches any length)'; Output = $false
            Pre = { param($n) ip -n $n addr add 10.0.0.2/24 dev v0 }
            Ip = { param($n) ip -n $n addr del 10.0.0.2 dev v0 2>$null }
            Ours = { param($n) Remove-IpAddress -NetNamespace $n v0 10.0.0.2 } }
        @{ Case = 'flush (with secondaries, both families)'; Output = $false
            Pre = { param($n)
                foreach ($a in '10.0.0.2/24', '10.0.0.3/24', '10.0.0.4/24', '10.1.0.1/16', 'fd00::2/64', 'fd01::2/64') { ip -n $n addr add $a dev v0 }
                ip -n $n addr add 10.7.0.1/24 dev v1 }
            Ip = { param($n) ip -n $n addr flush dev v0 }
            Ours = { param($n) Clear-IpAddress -NetNamespace $n v0 } }
        @{ Case = 'flush IPv4 only'; Output = $false
            Pre = { param($n) foreach ($a in '10.0.0.2/24', '10.0.0.3/24', 'fd00::2/64') { ip -n $n addr add $a dev v0 } }
            Ip = { param($n) ip -n $n -4 addr flush dev v0 }
            Ours = { param($n) Clear-IpAddress -NetNamespace $n v0 -AddressFamily IPv4 } }
        @{ Case = 'Get-IpAddress | Remove-IpAddress (with secondaries)'; Output = $false
            Pre = { param($n) foreach ($a in '10.0.0.2/24', '10.0.0.3/24', '10.1.0.1/16', 'fd00::2/64') { ip -n $n addr add $a dev v0 } }
            Ip = { param($n) ip -n $n addr flush dev v0 }
            Ours = { param($n) Get-IpAddress -NetNamespace $n -InterfaceName v0 | Remove-IpAddress } }
    ) {
        $ErrorActionPreference = 'Stop'
        $link = if ($Link) { $Link } else { 'v0' }
        if ($Pre) { Invoke-Both $Pre }
        & $Ip $nsIp
        $LASTEXITCODE | Should -Be 0
        $out = & $Ours $nsOn
        if ($Output -eq $false) { $out | Should -BeNullOrEmpty }
        else {
            $out | Should -HaveCount 1
            $out | Should -BeOfType OverlayNet.IpAddress
            $out.InterfaceName | Should -Be $link
            $out.NetNamespace | Should -Be $nsOn
        }
        Get-AddressFacts $nsOn $link | Should -Be (Get-AddressFacts $nsIp $link)
        Get-AddressFacts $nsOn v1 | Should -Be (Get-AddressFacts $nsIp v1)
    }
}

Describe 'Get-IpAddress' {
    BeforeAll {
        $ns = New-TestNamespace
        & ip -n $ns link add name v0 type veth peer name v1
        & ip -n $ns addr add 10.0.0.2/24 broadcast + dev v0 label v0:a
        & ip -n $ns addr add 10.0.0.3/24 dev v0
        & ip -n $ns addr add 10.0.0.5 peer 10.0.0.6 dev v1
        & ip -n $ns addr add fd00::2/64 dev v0
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'reads what iproute2 shows' {
        $all = Get-IpAddress -NetNamespace $ns -InterfaceName v0
        ($all | ForEach-Object { "$_" }) | Sort-Object | Should -Be '10.0.0.2/24', '10.0.0.3/24', 'fd00::2/64'
        $a = $all | Where-Object { "$($_.IPAddress)" -eq '10.0.0.2' }
        "$($a.Broadcast)" | Should -Be '10.0.0.255'
        $a.Label | Should -Be 'v0:a'
        "$($a.Scope)" | Should -Be 'Global'
        "$($a.AddressFamily)" | Should -Be 'IPv4'
        $a.InterfaceIndex | Should -Be (Invoke-Ip -Namespace $ns link show dev v0).ifindex
        ($all | Where-Object { "$($_.IPAddress)" -eq '10.0.0.3' }).Secondary | Should -BeTrue
        $p = Get-IpAddress -NetNamespace $ns -InterfaceName v1
        "$($p.Peer)" | Should -Be '10.0.0.6'
        $p.PrefixLength | Should -Be 32
    }

    It 'filters by family and interface wildcard' {
        (Get-IpAddress -NetNamespace $ns -AddressFamily IPv6 -InterfaceName 'v*').IPAddress | Should -Be ([ipaddress]'fd00::2')
        (Get-IpAddress -NetNamespace $ns -InterfaceName 'v*' -AddressFamily IPv4) | Should -HaveCount 3
    }

    It 'reports an interface that does not exist' {
        Get-IpAddress -NetNamespace $ns -InterfaceName nosuch0 -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e | Should -HaveCount 1
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($e[0])" | Should -Match 'nosuch0'
    }
}

AfterAll {
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
