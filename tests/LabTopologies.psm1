<#
    Topology files for the lab tests and the benchmark: a seed file under a unique lab name, and a grid lab
    (N hosts on a switch, M containers each, one multicast VXLAN) written as YAML; and a namespace's tables as
    iproute2 prints them, to compare a lab with its script.
#>

function Copy-SeedLab {
    <# The seed file examples/labs/<Seed>*.lab.yml with its name replaced by -Name, written to a temp file; returns the path. #>
    param([Parameter(Mandatory)] [string] $Seed, [Parameter(Mandatory)] [string] $Name)
    $src = Get-ChildItem (Join-Path $PSScriptRoot '../examples/labs') -Filter "$Seed-*.lab.yml" | Select-Object -First 1
    if (-not $src) { throw "No seed lab file $Seed-*.lab.yml" }
    $path = Join-Path ([IO.Path]::GetTempPath()) "$Name.lab.yml"
    (Get-Content $src.FullName -Raw) -replace '(?m)^name: \S+', "name: $Name" | Set-Content -Path $path -NoNewline
    return $path
}

function New-GridLabFile {
    <# -Hosts hosts (172.20.0.x/16 on one switch), -Containers per host (10.200.<h>.<c>/16), VXLAN 100 over 239.1.1.100. #>
    param([Parameter(Mandatory)] [string] $Name, [int] $Hosts = 20, [int] $Containers = 5, [string] $Path)
    if (-not $Path) { $Path = Join-Path ([IO.Path]::GetTempPath()) "$Name.lab.yml" }
    $sb = [Text.StringBuilder]::new()
    [void]$sb.AppendLine("name: $Name").AppendLine('underlay: switch').AppendLine('hosts:')
    foreach ($h in 1..$Hosts) { [void]$sb.AppendLine(('  - {{ name: h{0:d2}, underlay: 172.20.0.{0}/16 }}' -f $h)) }
    [void]$sb.AppendLine('overlays:').AppendLine('  - { name: vxlan0, type: vxlan, mode: multicast, group: 239.1.1.100, vni: 100, bridge: br0, subnet: 10.200.0.0/16 }')
    [void]$sb.AppendLine('containers:')
    foreach ($h in 1..$Hosts) {
        foreach ($c in 1..$Containers) { [void]$sb.AppendLine(('  - {{ name: c{0:d2}-{1}, host: h{0:d2}, overlay: vxlan0, address: 10.200.{0}.{1} }}' -f $h, $c)) }
    }
    [void]$sb.AppendLine('checks:').AppendLine(('  - {{ from: c01-1, to: c{0:d2}-{1} }}' -f $Hosts, $Containers))
    Set-Content -Path $Path -Value $sb.ToString() -NoNewline
    return $Path
}

# A namespace's tables as iproute2 prints them, for the named interfaces: addresses, routes (not the kernel's),
# link kinds and masters and VXLAN/tunnel/VLAN settings, the static FDB entries and permanent neighbours of
# its VXLAN devices, and IPv4 forwarding; names and MACs of random devices left out. One `ip -batch` (and one
# `bridge` when there is a VXLAN device) per namespace: process starts dominate in the kernel tier's guest.
function Get-LabTables {
    param([Parameter(Mandatory)] [string] $Ns, [Parameter(Mandatory)] [string[]] $Interfaces)
    $out = [System.Collections.Generic.List[string]]::new()
    $addrs, $routes, $links, $neighs = @("addr show`nroute show`nlink show`nneigh show nud permanent" | & ip -4 -d -j -n $Ns -batch - | ForEach-Object { , @($_ | ConvertFrom-Json) })
    foreach ($a in $addrs) {
        if ($a.ifname -in $Interfaces) { foreach ($i in $a.addr_info) { $out.Add("addr $($a.ifname) $($i.local)/$($i.prefixlen)") } }
    }
    foreach ($r in $routes) {
        if ($r.protocol -ne 'kernel') { $out.Add("route $($r.dst) via $($r.gateway) dev $($r.dev) $($r.flags -join ',')") }
    }
    $vxlans = @()
    foreach ($l in $links) {
        if ($l.ifname -notin $Interfaces) { continue }
        $d = $l.linkinfo.info_data
        $out.Add("link $($l.ifname) $($l.linkinfo.info_kind) master=$($l.master) up=$($l.flags -contains 'UP') id=$($d.id) group=$($d.group) remote=$($d.remote) local=$($d.local) learning=$($d.learning) proxy=$($d.proxy) port=$($d.port) ttl=$($d.ttl) ikey=$($d.ikey) okey=$($d.okey) iflags=$($d.iflags -join ',') oflags=$($d.oflags -join ',') protocol=$($d.protocol) parent=$($l.link) mode=$($d.mode)")
        if ($l.linkinfo.info_kind -eq 'vxlan') { $vxlans += $l.ifname }
    }
    if ($vxlans) {
        foreach ($f in (& bridge -n $Ns -j fdb show | ConvertFrom-Json)) { if ($f.ifname -in $vxlans -and $f.dst -and $f.state) { $out.Add("fdb $($f.ifname) $($f.mac) $($f.dst) $($f.state)") } }
        foreach ($n in $neighs) { if ($n.dev -in $vxlans) { $out.Add("neigh $($n.dev) $($n.dst) $($n.lladdr)") } }
    }
    # Read through the library (a process per namespace is what this function saves): Get-NetSysctl is checked
    # against sysctl(8) in its own tests.
    $out.Add("sysctl ip_forward=$((Get-NetSysctl -NetNamespace $Ns -Name net.ipv4.ip_forward).Value)")
    @($out | Sort-Object)
}

Export-ModuleMember -Function Copy-SeedLab, New-GridLabFile, Get-LabTables
