<#
    Differential checks: read what iproute2 and OverlayNet left in two namespaces back through iproute2
    and reduce it to the fields that matter, as compact JSON, so `Should -Be` shows exactly what differs.
    Indexes, random MACs and counters are left out.
#>

function ConvertTo-LinkFacts($l, [switch] $WithAddress) {
    $facts = [ordered]@{
        ifname         = $l.ifname
        kind           = $l.linkinfo.info_kind
        slave_kind     = $l.linkinfo.info_slave_kind
        link_type      = $l.link_type
        mtu            = $l.mtu
        operstate      = $l.operstate
        flags          = (@($l.flags) | Sort-Object) -join ','
        master         = $l.master
        promiscuity    = $l.promiscuity
        ifalias        = $l.ifalias
        txqlen         = $l.txqlen
        # A veth's peer: its name when in the same namespace, or that it lives elsewhere.
        link           = $l.link
        peer_elsewhere = $null -ne $l.link_netnsid
    }
    if ($WithAddress) { $facts.address = $l.address }
    if ($l.linkinfo.info_kind -eq 'bridge') {
        foreach ($k in 'stp_state', 'vlan_filtering', 'ageing_time', 'forward_delay') { $facts[$k] = $l.linkinfo.info_data.$k }
    }
    return ($facts | ConvertTo-Json -Compress)
}

function ConvertTo-AddressFacts($addrInfo) {
    $facts = foreach ($a in $addrInfo | Where-Object { -not ($_.family -eq 'inet6' -and $_.local -like 'fe80:*') }) {
        [ordered]@{
            family        = $a.family
            local         = $a.local
            prefixlen     = $a.prefixlen
            address       = $a.address
            broadcast     = $a.broadcast
            scope         = $a.scope
            label         = $a.label
            secondary     = [bool]$a.secondary
            noprefixroute = [bool]$a.noprefixroute
        }
    }
    return (ConvertTo-Json -Compress -InputObject @($facts))
}

function Invoke-IpJson([string] $Namespace, [string[]] $Arguments) {
    $text = & ip -n $Namespace -j @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { return $null }
    return @("$text" | ConvertFrom-Json)
}

function Get-LinkFacts {
    param([Parameter(Mandatory)] [string] $Namespace, [Parameter(Mandatory)] [string] $Name, [switch] $WithAddress)
    $l = Invoke-IpJson $Namespace '-d', 'link', 'show', 'dev', $Name
    if (-not $l) { return "missing: $Name" }
    return ConvertTo-LinkFacts $l[0] -WithAddress:$WithAddress
}

function Get-NamespaceFacts {
    <# Every link (with its MAC) and every address of a namespace, in two iproute2 calls. #>
    param([Parameter(Mandatory)] [string] $Namespace)
    $links = Invoke-IpJson $Namespace '-d', 'link', 'show'
    $addrs = Invoke-IpJson $Namespace 'addr', 'show'
    $lines = foreach ($l in $links | Sort-Object ifname) {
        ConvertTo-LinkFacts $l -WithAddress
        ConvertTo-AddressFacts ($addrs | Where-Object ifname -eq $l.ifname).addr_info
    }
    return ($lines -join "`n")
}

function Get-AddressFacts {
    <# Addresses on a link as `ip -j addr show` gives them, without link-local IPv6 and lifetimes. #>
    param([Parameter(Mandatory)] [string] $Namespace, [Parameter(Mandatory)] [string] $Name)
    $a = Invoke-IpJson $Namespace 'addr', 'show', 'dev', $Name
    if (-not $a) { return "missing: $Name" }
    return ConvertTo-AddressFacts $a[0].addr_info
}

function Get-LinkNames {
    <# Names of every link in a namespace, sorted: to show that nothing was left behind. #>
    param([Parameter(Mandatory)] [string] $Namespace)
    $text = & ip -n $Namespace -j link show 2>&1
    if ($LASTEXITCODE -ne 0) { throw "ip -n $Namespace link show failed: $text" }
    return @(("$text" | ConvertFrom-Json).ifname | Sort-Object)
}

Export-ModuleMember -Function Get-LinkFacts, Get-AddressFacts, Get-NamespaceFacts, Get-LinkNames
