#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Listing 1,000 links: OverlayNet (Get-IpLink) side by side with iproute2 (ip -j link show | ConvertFrom-Json).
.DESCRIPTION
    Creates a fresh network namespace holding 500 veth pairs (1,000 links plus lo; dummy is not in every
    kernel), made in one `ip -batch` run, and prints in one table:
      - module import time: Measure-Command { Import-Module ... } inside a fresh `dotnet pwsh` (median of
        several processes);
      - listing every link as objects, median of 5 warm runs in this process, for both tools.
    The namespace is deleted at the end, even on failure. Root is needed (ip netns add).
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Links.Bench.ps1 -ModulePath out/OverlayNet
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Pairs = 500,
    [int] $Runs = 5,
    [int] $ImportRuns = 5
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$manifest = (Resolve-Path (Join-Path $ModulePath 'OverlayNet.psd1')).Path

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $n = $sorted.Count
    if ($n % 2) { return $sorted[($n - 1) / 2] }
    return ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2
}

function Measure-Median([scriptblock] $Work, [int] $Count, [switch] $WarmUp) {
    if ($WarmUp) { $null = & $Work }
    $times = foreach ($i in 1..$Count) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $null = & $Work
        $sw.Elapsed.TotalMilliseconds
    }
    return Get-Median $times
}

function Invoke-Checked([string] $What, [scriptblock] $Command) {
    $output = & $Command 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$What failed ($LASTEXITCODE): $output" }
}

$ns = 'onbench-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
$batch = [IO.Path]::GetTempFileName()
try {
    Invoke-Checked "ip netns add $ns" { ip netns add $ns }
    # One process creates every pair: 1,000 separate `ip link add` runs would take longer than the benchmark.
    Set-Content -Path $batch -Value (1..$Pairs | ForEach-Object { "link add bva$_ type veth peer name bvb$_" })
    $sw = [Diagnostics.Stopwatch]::StartNew()
    Invoke-Checked 'ip -batch' { ip -n $ns -batch $batch }
    Write-Host ("Created {0} links in namespace {1} in {2:N0} ms (ip -batch)." -f (2 * $Pairs), $ns, $sw.Elapsed.TotalMilliseconds)

    # Module import: timed inside a fresh process each time (a difference of two whole process runs drowns in
    # their noise), so it is the cost a script pays once, start-up excluded. `dotnet pwsh` finds the
    # repository's local tool from the current directory.
    Push-Location $PSScriptRoot
    try {
        $importCommand = "[Console]::Out.Write((Measure-Command { Import-Module '$manifest' }).TotalMilliseconds)"
        $samples = foreach ($i in 1..$ImportRuns) { [double](dotnet pwsh -NoProfile -NonInteractive -c $importCommand) }
        $import = ($samples | Sort-Object)[[int][math]::Floor($samples.Count / 2)]
    }
    finally {
        Pop-Location
    }

    # Listing: both in this process, warm (first run not counted), objects materialised.
    Import-Module $manifest -Force
    $ourCount = @(Get-IpLink -NetNamespace $ns).Count
    $ipCount = @(ip -j -n $ns link show | ConvertFrom-Json).Count
    if ($ourCount -ne $ipCount -or $ourCount -lt 2 * $Pairs) { throw "Link counts differ: Get-IpLink $ourCount, ip $ipCount." }
    $ours = Measure-Median -Count $Runs -WarmUp { @(Get-IpLink -NetNamespace $ns) }
    $theirs = Measure-Median -Count $Runs -WarmUp { @(ip -j -n $ns link show | ConvertFrom-Json) }
    $ipText = Measure-Median -Count $Runs -WarmUp { ip -j -n $ns link show }

    Write-Host ''
    Write-Host ("Listing {0} links (median of {1} warm runs), module import (median of {2} fresh processes)" -f $ourCount, $Runs, $ImportRuns)
    [pscustomobject]@{ Measurement = 'List links as objects (ms)'; OverlayNet = [math]::Round($ours, 1); iproute2 = [math]::Round($theirs, 1); Note = 'Get-IpLink -NetNamespace vs ip -j -n link show | ConvertFrom-Json' },
    [pscustomobject]@{ Measurement = 'ip -j alone, text only (ms)'; OverlayNet = $null; iproute2 = [math]::Round($ipText, 1); Note = 'process + JSON text, no objects' },
    [pscustomobject]@{ Measurement = 'Module import (ms)'; OverlayNet = [math]::Round($import, 1); iproute2 = $null; Note = 'Measure-Command { Import-Module } in a fresh pwsh (median)' } |
        Format-Table -AutoSize | Out-String -Width 200 | Write-Host
}
finally {
    Remove-Item $batch -ErrorAction SilentlyContinue
    if (Test-Path "/run/netns/$ns") { ip netns del $ns }
}
