<#
    What iproute2 sends for each tunnel mode and option, next to the same request made through the library.
    The kernel here has no ipip/gre/sit/vti, but iproute2 still sends its RTM_NEWLINK before the kernel
    refuses it, so strace can catch the bytes. fixtures/ip-tunnel-requests.json keeps them (captured with
    iproute2 6.1 by Update-IpTunnelRequestFixture) so the comparison runs where strace is missing.
#>

$script:FixturePath = Join-Path $PSScriptRoot 'fixtures/ip-tunnel-requests.json'

# Each case: the arguments of `ip link add t1 type ...` and the same tunnel as IpTunnelLinkSpec properties.
# Keys stay text so they go through the same parser as the cmdlets' -Key/-InputKey/-OutputKey.
# iproute2 reads tos/tclass in hex, so 0x10 there is 16 here.
$script:Cases = @(
    @{ Name = 'gre-seed001'; Ip = 'type gre remote 172.16.0.5 local 172.16.0.3 ttl 255 ikey 0x111111 okey 0x222222 csum seq'
       Spec = @{ Mode = 'Gre'; Remote = '172.16.0.5'; Local = '172.16.0.3'; Ttl = 255; InputKey = '0x111111'; OutputKey = '0x222222'; InputChecksum = $true; OutputChecksum = $true; InputSequence = $true; OutputSequence = $true } }
    @{ Name = 'gre-dotted-key'; Ip = 'type gre remote 10.0.0.2 key 0.17.17.17 icsum oseq nopmtudisc'
       Spec = @{ Mode = 'Gre'; Remote = '10.0.0.2'; InputKey = '0.17.17.17'; OutputKey = '0.17.17.17'; InputChecksum = $true; OutputSequence = $true; PMtuDiscovery = $false } }
    @{ Name = 'gre-dev-tos'; Ip = 'type gre local 10.0.0.1 dev lo tos 0x10 ocsum iseq'
       Spec = @{ Mode = 'Gre'; Local = '10.0.0.1'; DeviceIndex = 1; Tos = 16; OutputChecksum = $true; InputSequence = $true } }
    @{ Name = 'gre-multicast'; Ip = 'type gre remote 239.1.1.1 local 10.0.0.1'
       Spec = @{ Mode = 'Gre'; Remote = '239.1.1.1'; Local = '10.0.0.1' } }
    @{ Name = 'gretap'; Ip = 'type gretap remote 10.0.0.2 local 10.0.0.1 key 42 ttl 64'
       Spec = @{ Mode = 'GreTap'; Remote = '10.0.0.2'; Local = '10.0.0.1'; InputKey = '42'; OutputKey = '42'; Ttl = 64 } }
    @{ Name = 'ipip-seed000'; Ip = 'type ipip mode ipip remote 192.168.3.3 local 192.168.3.2'
       Spec = @{ Mode = 'IpIp'; Remote = '192.168.3.3'; Local = '192.168.3.2' } }
    @{ Name = 'ipip-ttl-tos-dev'; Ip = 'type ipip mode ipip remote 1.2.3.4 ttl 64 tos 0x10 dev lo'
       Spec = @{ Mode = 'IpIp'; Remote = '1.2.3.4'; Ttl = 64; Tos = 16; DeviceIndex = 1 } }
    @{ Name = 'ipip-nopmtudisc'; Ip = 'type ipip mode ipip remote 1.2.3.4 nopmtudisc'
       Spec = @{ Mode = 'IpIp'; Remote = '1.2.3.4'; PMtuDiscovery = $false } }
    @{ Name = 'sit'; Ip = 'type sit mode ip6ip remote 192.168.3.3 local 192.168.3.2 ttl 64'
       Spec = @{ Mode = 'Sit'; Remote = '192.168.3.3'; Local = '192.168.3.2'; Ttl = 64 } }
    @{ Name = 'isatap'; Ip = 'type sit mode ip6ip local 10.0.0.1 isatap'
       Spec = @{ Mode = 'Isatap'; Local = '10.0.0.1' } }
    @{ Name = 'vti-keys'; Ip = 'type vti remote 10.0.0.2 local 10.0.0.1 ikey 1 okey 2'
       Spec = @{ Mode = 'Vti'; Remote = '10.0.0.2'; Local = '10.0.0.1'; InputKey = '1'; OutputKey = '2' } }
    @{ Name = 'vti-key-dev'; Ip = 'type vti local 10.0.0.1 key 0x10 dev lo'
       Spec = @{ Mode = 'Vti'; Local = '10.0.0.1'; InputKey = '0x10'; OutputKey = '0x10'; DeviceIndex = 1 } }
    @{ Name = 'ip6ip6'; Ip = 'type ip6tnl mode ip6ip6 remote 2001:db8::2 local 2001:db8::1'
       Spec = @{ Mode = 'Ip6Ip6'; Remote = '2001:db8::2'; Local = '2001:db8::1' } }
    @{ Name = 'ip6ip6-hoplimit-tclass-dev'; Ip = 'type ip6tnl mode ip6ip6 remote 2001:db8::2 hoplimit 10 tclass 0x20 dev lo'
       Spec = @{ Mode = 'Ip6Ip6'; Remote = '2001:db8::2'; Ttl = 10; Tos = 32; DeviceIndex = 1 } }
    @{ Name = 'ip6gre'; Ip = 'type ip6gre remote 2001:db8::2 local 2001:db8::1 ikey 7 okey 8 csum seq'
       Spec = @{ Mode = 'Ip6Gre'; Remote = '2001:db8::2'; Local = '2001:db8::1'; InputKey = '7'; OutputKey = '8'; InputChecksum = $true; OutputChecksum = $true; InputSequence = $true; OutputSequence = $true } }
    @{ Name = 'ip6gretap'; Ip = 'type ip6gretap remote 2001:db8::2 local 2001:db8::1 key 0x111111 hoplimit 255'
       Spec = @{ Mode = 'Ip6GreTap'; Remote = '2001:db8::2'; Local = '2001:db8::1'; InputKey = '0x111111'; OutputKey = '0x111111'; Ttl = 255 } }
)

function Get-IpTunnelRequestCase { $script:Cases }

function Get-IpTunnelRequestFixture {
    $table = @{}
    (Get-Content -Raw $script:FixturePath | ConvertFrom-Json).PSObject.Properties | ForEach-Object { $table[$_.Name] = $_.Value }
    $table
}

function Get-IprouteRequest {
    <# Runs `ip -n NS link add t1 <Ip>` under strace and returns the RTM_NEWLINK it sent, as hex. #>
    param([Parameter(Mandatory)] [string] $Namespace, [Parameter(Mandatory)] [string] $Ip)
    $argv = @('-f', '-qq', '-e', 'trace=sendmsg', '-e', 'write=all', 'ip', '-n', $Namespace, 'link', 'add', 't1') + ($Ip -split ' ')
    $lines = & strace @argv 2>&1 | ForEach-Object { "$_" }
    # strace dumps each sent buffer as " | 00000  90 00 00 00 ...  ascii |" lines after "* N bytes in buffer".
    $buffers = [System.Collections.Generic.List[string]]::new()
    $current = $null
    foreach ($line in $lines) {
        if ($line -match '^\s*\* \d+ bytes in buffer') { if ($current) { $buffers.Add($current) }; $current = ''; continue }
        if ($null -ne $current -and $line -match '^\s*\| [0-9a-f]{5}  (.{48})') { $current += ($Matches[1] -replace '\s', '') }
    }
    if ($current) { $buffers.Add($current) }
    $newlink = $buffers | Where-Object { $_.Substring(8, 4) -eq '1000' } | Select-Object -First 1
    if (-not $newlink) { throw "strace saw no RTM_NEWLINK from: ip link add t1 $Ip`n$($lines -join "`n")" }
    $newlink
}

function ConvertTo-RequestSpec {
    <# The case's spec as the library's IpTunnelLinkSpec. #>
    param([Parameter(Mandatory)] [hashtable] $Spec)
    $s = [OverlayNet.Netlink.Route.Tunnels.IpTunnelLinkSpec]::new('t1', [OverlayNet.IpTunnelMode]$Spec.Mode)
    foreach ($k in $Spec.Keys) {
        switch ($k) {
            'Mode' { }
            { $_ -in 'Local', 'Remote' } { $s.$k = [ipaddress]$Spec[$k] }
            { $_ -in 'InputKey', 'OutputKey' } { $s.$k = [OverlayNet.Netlink.Route.Tunnels.TunnelKey]::Parse($Spec[$k], $k) }
            default { $s.$k = $Spec[$k] }
        }
    }
    $s
}

function ConvertTo-NormalizedRequest {
    <#
        A request as text, one attribute a line, without what may differ and mean nothing: the sequence
        number and port id, NLA_F_NESTED on IFLA_LINKINFO / IFLA_INFO_DATA (iproute2 leaves it off), and
        the NUL after IFLA_IFNAME / IFLA_INFO_KIND (iproute2 sends the kind without one). The kernel takes
        both forms of each. Everything else, attribute order and every payload byte, must match.
    #>
    param([Parameter(Mandatory)] [byte[]] $Bytes)
    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add(('type {0} flags 0x{1:x} ifinfomsg {2}' -f [BitConverter]::ToUInt16($Bytes, 4),
        [BitConverter]::ToUInt16($Bytes, 6), [Convert]::ToHexString($Bytes, 16, 16)))
    $walk = {
        param([int] $start, [int] $end, [string] $path)
        $o = $start
        while ($o + 4 -le $end) {
            $len = [BitConverter]::ToUInt16($Bytes, $o)
            if ($len -lt 4) { break }
            $type = [BitConverter]::ToUInt16($Bytes, $o + 2) -band 0x7fff
            $here = "$path/$type"
            if ($here -in '/18', '/18/2') {
                $lines.Add("$here {")
                & $walk ($o + 4) ($o + $len) $here
                $lines.Add('}')
            }
            else {
                $payload = [byte[]]$Bytes[($o + 4)..($o + $len - 1)]
                if ($len -eq 4) { $payload = [byte[]]@() }
                if ($here -in '/3', '/18/1') { $payload = [byte[]]($payload | Where-Object { $_ -ne 0 }) }
                $lines.Add("$here = $([Convert]::ToHexString($payload))")
            }
            $o += ($len + 3) -band -bnot 3
        }
    }
    & $walk 32 ([BitConverter]::ToUInt32($Bytes, 0)) ''
    $lines -join "`n"
}

function ConvertFrom-HexString([string] $Hex) { [Convert]::FromHexString($Hex) }

function Update-IpTunnelRequestFixture {
    <# Captures every case from iproute2 again (needs strace and root) and rewrites the fixture file. #>
    $ns = 'ont-capture-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    & ip netns add $ns
    try {
        $out = [ordered]@{}
        foreach ($c in $script:Cases) { $out[$c.Name] = Get-IprouteRequest -Namespace $ns -Ip $c.Ip }
        $out | ConvertTo-Json | Set-Content -Path $script:FixturePath -Encoding utf8NoBOM
    }
    finally { & ip netns del $ns }
}

Export-ModuleMember -Function Get-IpTunnelRequestCase, Get-IpTunnelRequestFixture, Get-IprouteRequest, ConvertTo-RequestSpec, ConvertTo-NormalizedRequest, ConvertFrom-HexString, Update-IpTunnelRequestFixture
