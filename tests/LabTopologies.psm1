<#
    Topology files for the lab tests and the benchmark: a seed file under a unique lab name, and a grid lab
    (N hosts on a switch, M containers each, one multicast VXLAN) written as YAML.
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

Export-ModuleMember -Function Copy-SeedLab, New-GridLabFile
