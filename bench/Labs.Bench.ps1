#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Declarative labs against a bash + iproute2 script: seed 003 and a 20-host x 5-container lab, built and
    torn down from the file (Set-OverlayLab / Remove-OverlayLab) and by the equivalent script, then the
    no-change re-apply.
.DESCRIPTION
    The script is generated from the same desired state the lab converges to (one ip/bridge/nft/sysctl
    command per object, as a hand-written recipe would run them), so both build exactly the same namespaces.
    Each lab gets a unique name; both builds run one after the other in this process and are timed once.
    Prints, per lab: script build + teardown, lab build + teardown, their ratio (goal <= 0.5), and the
    no-change re-apply (goal < 1 s). Everything is removed at the end, even on failure. Root is needed.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Labs.Bench.ps1
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Hosts = 20,
    [int] $Containers = 5
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force
Import-Module (Join-Path $PSScriptRoot '../tests/LabTopologies.psm1') -Force

function ConvertTo-IprouteScript {
    <# One iproute2 (or nft/sysctl) command per desired object, in the order a recipe would run them. #>
    param([Parameter(Mandatory)] $Topology)
    $objects = [OverlayNet.Labs.State.DesiredState]::Build($Topology)
    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add('set -e')
    foreach ($kind in 'Namespace', 'Link', 'Address', 'Sysctl', 'Route', 'Fdb', 'Neighbor', 'Nat') {
        $batch = @($objects | Where-Object { "$($_.Kind)" -eq $kind })
        if ($kind -eq 'Link') { $batch = @($batch | Sort-Object { switch ($_.Item('kind')) { $null { 0 } 'bridge' { 1 } 'veth' { 2 } default { 3 } } }) }
        foreach ($o in $batch) {
            $ns = $o.Namespace; $p = $o.Props
            switch ($kind) {
                'Namespace' { $lines.Add("ip netns add $ns") }
                'Link' {
                    $k = if ($p.ContainsKey('kind')) { $p['kind'] } else { $null }
                    switch ($k) {
                        $null { }
                        'bridge' { $lines.Add("ip -n $ns link add $($o.Name) type bridge") }
                        'veth' {
                            $pns, $pname = $p['peer'] -split '/', 2
                            $mac = if ($p.ContainsKey('peer-mac')) { " address $($p['peer-mac'])" } else { '' }
                            $lines.Add("ip -n $ns link add $($o.Name) type veth peer name $pname netns $pns$mac")
                            $lines.Add("ip -n $pns link set $pname up")
                        }
                        'vxlan' {
                            $opt = "id $($p['vni']) dstport $($p['port']) dev $($p['dev'])"
                            foreach ($a in 'local', 'remote', 'group') { if ($p.ContainsKey($a)) { $opt += " $a $($p[$a])" } }
                            if ($p['learning'] -eq 'false') { $opt += ' nolearning' }
                            if ($p['proxy'] -eq 'true') { $opt += ' proxy' }
                            $lines.Add("ip -n $ns link add $($o.Name) type vxlan $opt")
                        }
                        default { throw "The bench has no iproute2 form for kind $k" }
                    }
                    $master = if ($p.ContainsKey('master')) { " master $($p['master'])" } else { '' }
                    $lines.Add("ip -n $ns link set $($o.Name)$master up")
                }
                'Address' { $lines.Add("ip -n $ns addr add $($p['address']) dev $($o.Name)") }
                'Sysctl' { if ($p['value'] -ne '0') { $lines.Add("ip netns exec $ns sysctl -qw $($o.Name)=$($p['value'])") } }
                'Route' {
                    $dev = if ($p.ContainsKey('dev')) { " dev $($p['dev'])" } else { '' }
                    $onlink = if ($p.ContainsKey('onlink')) { ' onlink' } else { '' }
                    $lines.Add("ip -n $ns route add $($o.Name) via $($p['via'])$dev$onlink")
                }
                'Fdb' { $lines.Add("bridge -n $ns fdb append $($p['mac']) dev $($p['dev']) dst $($p['dst'])") }
                'Neighbor' { $dev, $ip = $o.Name -split ' ', 2; $lines.Add("ip -n $ns neigh add $ip lladdr $($p['lladdr']) dev $dev") }
                'Nat' {
                    $rule = "ip saddr $($p['source'])" + $(if ($p.ContainsKey('exclude')) { " ip daddr != $($p['exclude'])" } else { '' }) + ' masquerade'
                    $lines.Add("ip netns exec $ns nft add table ip overlaynet")
                    $lines.Add("ip netns exec $ns nft add chain ip overlaynet postrouting '{ type nat hook postrouting priority 100; }'")
                    $lines.Add("ip netns exec $ns nft add rule ip overlaynet postrouting $rule")
                }
            }
        }
    }
    $lines -join "`n"
}

function Measure-Lab([string] $Label, [string] $Path) {
    $t = Import-OverlayTopology -Path $Path
    $build = Join-Path ([IO.Path]::GetTempPath()) "$($t.Name).build.sh"
    $teardown = Join-Path ([IO.Path]::GetTempPath()) "$($t.Name).teardown.sh"
    ConvertTo-IprouteScript $t | Set-Content $build
    (@($t.Namespaces()) | ForEach-Object { "ip netns del $_" }) -join "`n" | Set-Content $teardown
    try {
        $scriptBuild = (Measure-Command { & bash $build; if ($LASTEXITCODE) { throw "$build failed" } }).TotalSeconds
        $scriptDown = (Measure-Command { & bash $teardown; if ($LASTEXITCODE) { throw "$teardown failed" } }).TotalSeconds
        $steps = 0
        $labBuild = (Measure-Command { $steps = @(Set-OverlayLab -Path $Path -ProgressAction SilentlyContinue).Count }).TotalSeconds
        $again = 0
        $reapply = (Measure-Command { $again = @(Set-OverlayLab -Path $Path -ProgressAction SilentlyContinue).Count }).TotalSeconds
        if ($again -ne 0) { throw "The re-apply of $Label made $again change(s)." }
        $labDown = (Measure-Command { Remove-OverlayLab -Name $t.Name }).TotalSeconds
        [pscustomobject]@{
            Lab              = $Label
            Objects          = $steps
            'Script build s' = [math]::Round($scriptBuild, 2)
            'Script down s'  = [math]::Round($scriptDown, 2)
            'Lab build s'    = [math]::Round($labBuild, 2)
            'Lab down s'     = [math]::Round($labDown, 2)
            'Lab/script'     = [math]::Round(($labBuild + $labDown) / ($scriptBuild + $scriptDown), 2)
            'Re-apply s'     = [math]::Round($reapply, 3)
        }
    }
    finally {
        Remove-OverlayLab -Name $t.Name -ErrorAction SilentlyContinue
        foreach ($ns in $t.Namespaces()) { if (Test-Path "/run/netns/$ns") { & ip netns del $ns } }
        Remove-Item $build, $teardown -ErrorAction SilentlyContinue
    }
}

$tag = [guid]::NewGuid().ToString('N').Substring(0, 6)
$seed = Copy-SeedLab -Seed 003 -Name "bench003-$tag"
$grid = New-GridLabFile -Name "benchgrid-$tag" -Hosts $Hosts -Containers $Containers
try {
    # Warm-up on a tiny lab, so the first figures do not carry the JIT of every code path.
    $warm = New-GridLabFile -Name "benchwarm-$tag" -Hosts 1 -Containers 1
    Set-OverlayLab -Path $warm -ProgressAction SilentlyContinue | Out-Null
    Remove-OverlayLab -Name "benchwarm-$tag"
    @(
        Measure-Lab 'seed 003' $seed
        Measure-Lab "$Hosts hosts x $Containers containers" $grid
    ) | Format-Table -AutoSize | Out-String -Width 160
}
finally {
    Remove-OverlayLab -Name "benchwarm-$tag" -ErrorAction SilentlyContinue
    Remove-Item $seed, $grid, $warm -ErrorAction SilentlyContinue
}
