<#
.SYNOPSIS
    Import-Module OverlayNet in fresh pwsh processes, side by side with two modules that do nothing: what part
    of the time is OverlayNet's and what part is PowerShell's own first-use work.
.DESCRIPTION
    Each round starts one fresh `pwsh -NoProfile -NonInteractive` per case, in turn, and times one
    Import-Module in it (Stopwatch around the call; wall time and the process's CPU time). Three sessions:

    - "script": nothing ran before the import, as in `pwsh -File script.ps1` whose first line imports the
      module. The first Import-Module of a process also pays for PowerShell's module machinery being compiled
      and, for a module with a format file, for PowerShell loading its own built-in format tables.
    - "script, telemetry off": the same with POWERSHELL_TELEMETRY_OPTOUT=1, whose first Import-Module does not
      start PowerShell's telemetry client.
    - "interactive": PSReadLine is imported first (untimed), as pwsh does at startup before the first prompt;
      this is what a user typing `Import-Module OverlayNet` at the prompt waits for.

    The reference modules, made in a temporary folder: an empty script module (a manifest and an empty .psm1),
    and the same with a format file of one table view. OverlayNet minus the second is what OverlayNet's own
    assemblies, cmdlets, manifest and 70 views cost. Goal (issue 11): Import-Module at most 150 ms.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Rounds = 8
)
$ErrorActionPreference = 'Stop'
$manifest = Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1'
$pwshDll = Join-Path $PSHOME 'pwsh.dll'

$temp = Join-Path ([IO.Path]::GetTempPath()) ("onimport-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    # The reference modules.
    $empty = Join-Path $temp 'Empty'
    $withView = Join-Path $temp 'OneView'
    New-Item -ItemType Directory -Path $empty, $withView | Out-Null
    Set-Content (Join-Path $empty 'Empty.psd1') "@{ ModuleVersion = '1.0'; RootModule = 'Empty.psm1'; FunctionsToExport = @() }"
    Set-Content (Join-Path $empty 'Empty.psm1') ''
    Set-Content (Join-Path $withView 'OneView.psd1') "@{ ModuleVersion = '1.0'; RootModule = 'OneView.psm1'; FunctionsToExport = @(); FormatsToProcess = @('OneView.Format.ps1xml') }"
    Set-Content (Join-Path $withView 'OneView.psm1') ''
    Set-Content (Join-Path $withView 'OneView.Format.ps1xml') @'
<?xml version="1.0" encoding="utf-8"?>
<Configuration><ViewDefinitions><View><Name>OneView.Item</Name><ViewSelectedBy><TypeName>OneView.Item</TypeName></ViewSelectedBy>
<TableControl><TableHeaders><TableColumnHeader /></TableHeaders><TableRowEntries><TableRowEntry><TableColumnItems>
<TableColumnItem><PropertyName>Name</PropertyName></TableColumnItem></TableColumnItems></TableRowEntry></TableRowEntries></TableControl></View></ViewDefinitions></Configuration>
'@
    $modules = [ordered]@{
        'OverlayNet'              = $manifest
        'empty script module'     = Join-Path $empty 'Empty.psd1'
        'one-view script module'  = Join-Path $withView 'OneView.psd1'
    }

    function Measure-Import([string] $Path, [string] $Session) {
        $before = if ($Session -eq 'interactive') { 'Import-Module PSReadLine; ' } else { '' }
        $script = $before + "`$p = [Diagnostics.Process]::GetCurrentProcess(); `$cpu = `$p.TotalProcessorTime; " +
            "`$s = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$Path'; `$ms = `$s.Elapsed.TotalMilliseconds; `$p.Refresh(); " +
            "'RESULT {0:F1} {1:F1}' -f `$ms, (`$p.TotalProcessorTime - `$cpu).TotalMilliseconds"
        $saved = $env:POWERSHELL_TELEMETRY_OPTOUT
        if ($Session -like '*telemetry off*') { $env:POWERSHELL_TELEMETRY_OPTOUT = '1' }
        try { $out = & dotnet $pwshDll -NoProfile -NonInteractive -Command $script 2>&1 }
        finally { $env:POWERSHELL_TELEMETRY_OPTOUT = $saved }
        $line = @($out | Where-Object { "$_" -like 'RESULT *' })[-1]
        if (-not $line) { throw "The fresh process gave no result: $($out -join "`n")" }
        $parts = "$line".Split(' ')
        [pscustomobject]@{ Wall = [double]::Parse($parts[1], [cultureinfo]::InvariantCulture); Cpu = [double]::Parse($parts[2], [cultureinfo]::InvariantCulture) }
    }

    # PowerShell's telemetry (on unless POWERSHELL_TELEMETRY_OPTOUT is set) starts its client on the first
    # Import-Module of a process: the second session shows that share.
    $sessions = 'script', 'script, telemetry off', 'interactive'
    $samples = @{}
    for ($r = 0; $r -lt $Rounds; $r++) {
        Write-Progress -Activity 'Import-Module in fresh processes' -Status "round $($r + 1) of $Rounds" -PercentComplete ($r * 100 / $Rounds)
        foreach ($session in $sessions) {
            foreach ($name in $modules.Keys) {
                $key = "$session|$name"
                if (-not $samples[$key]) { $samples[$key] = [System.Collections.Generic.List[object]]::new() }
                $samples[$key].Add((Measure-Import $modules[$name] $session))
            }
        }
    }
    Write-Progress -Activity 'Import-Module in fresh processes' -Completed

    function Get-Median([double[]] $Values) {
        $s = [double[]]($Values | Sort-Object)
        if ($s.Count % 2) { $s[[int][Math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 }
    }
    $rows = foreach ($session in $sessions) {
        foreach ($name in $modules.Keys) {
            $s = $samples["$session|$name"]
            [pscustomobject]@{
                Session    = $session
                Module     = $name
                'Wall ms'  = [int](Get-Median $s.Wall)
                'Range'    = '{0:N0}-{1:N0}' -f ($s.Wall | Measure-Object -Minimum).Minimum, ($s.Wall | Measure-Object -Maximum).Maximum
                'CPU ms'   = [int](Get-Median $s.Cpu)
            }
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 160 | Write-Host
    foreach ($session in $sessions) {
        $ours = ($rows | Where-Object { $_.Session -eq $session -and $_.Module -eq 'OverlayNet' }).'Wall ms'
        $base = ($rows | Where-Object { $_.Session -eq $session -and $_.Module -eq 'one-view script module' }).'Wall ms'
        Write-Host ("{0,-22} OverlayNet {1} ms (goal 150 ms): {2} ms more than a module with one view" -f $session, $ours, ($ours - $base))
    }
    $load = (Get-Content /proc/loadavg) -split ' '
    Write-Host "Median of $Rounds fresh processes per case, interleaved; load average $($load[0]) $($load[1]) $($load[2])."
    $rows
}
finally {
    Remove-Item $temp -Recurse -Force -ErrorAction SilentlyContinue
}
