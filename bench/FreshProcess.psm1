<#
    The first run of a bulk pipeline in a fresh pwsh process, as a user meets it: a new process imports the
    module (timed too) and runs the script block once. What users run comes in: input objects that carry
    their own NetNamespace, as Get-X -NetNamespace and Import-Csv produce them.
#>

function Invoke-FreshRun {
    <# Runs $Setup (untimed) then $Measure (timed) in a new pwsh; returns ImportSeconds and RunSeconds. #>
    param([string] $ModulePath, [string] $Setup, [string] $Measure)
    $manifest = Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1'
    $script = @"
`$ErrorActionPreference = 'Stop'
`$import = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$manifest'; `$import.Stop()
$Setup
[GC]::Collect()
`$run = [Diagnostics.Stopwatch]::StartNew()
$Measure
`$run.Stop()
'RESULT {0} {1}' -f `$import.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture), `$run.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture)
"@
    $out = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1
    $line = @($out | Where-Object { "$_" -like 'RESULT *' })[-1]
    if (-not $line) { throw "The fresh process gave no result: $($out -join "`n")" }
    $parts = "$line".Split(' ')
    [pscustomobject]@{ ImportSeconds = [double]::Parse($parts[1], [cultureinfo]::InvariantCulture); RunSeconds = [double]::Parse($parts[2], [cultureinfo]::InvariantCulture) }
}

Export-ModuleMember -Function Invoke-FreshRun
