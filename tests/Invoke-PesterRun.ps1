<#
.SYNOPSIS
    Runs Pester on the given paths with the built module and writes {Passed, Failed, Skipped, Failures} JSON.
    Used by build.ps1 on the host and by the kernel tier inside its guest.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string[]] $TestPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string[]] $Tag,
    [string[]] $ExcludeTag
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PesterPath 'Pester.psd1') -Force
# Tests import the module from here (see tests/TestHelpers.psm1).
$env:OVERLAYNET_MODULE = $ModulePath

# A child pwsh started with -File gets an array as separate words, and a second path would bind to the next
# positional parameter (-Tag, filtering every test out): callers join paths with the path separator instead
# (or commas, as `build.ps1 test -TestPath a,b` typed in bash passes them).
$paths = @($TestPath | ForEach-Object { $_ -split "[,$([IO.Path]::PathSeparator)]" } | Where-Object { $_ })

$config = New-PesterConfiguration
$config.Run.Path = $paths
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
if ($Tag) { $config.Filter.Tag = $Tag }
if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag }
$result = Invoke-Pester -Configuration $config

$failures = @($result.Failed | ForEach-Object { [pscustomobject]@{ Name = $_.ExpandedPath; Message = "$($_.ErrorRecord)" } })
# A container that failed to run (syntax error, BeforeAll throwing) counts as a failure too.
$failedBlocks = @($result.FailedBlocks) + @($result.FailedContainers)
foreach ($b in $failedBlocks) {
    $name = if ($b.PSObject.Properties['ExpandedPath']) { $b.ExpandedPath } else { "$($b.Item)" }
    $failures += [pscustomobject]@{ Name = $name; Message = "$($b.ErrorRecord)" }
}
# A run in which nothing ran (a filter or path gone wrong) is a failure, never a silent green.
$noneRan = if ($result.PassedCount + $result.FailedCount + $result.SkippedCount -eq 0) { 1 } else { 0 }
if ($noneRan) { Write-Host "No test ran from: $($paths -join ', ')" }
$summary = [pscustomobject]@{
    Passed   = $result.PassedCount
    Failed   = $result.FailedCount + $failedBlocks.Count + $noneRan
    # NotRun are the tests a tag filter left out (the kernel tier runs them and counts them itself).
    Skipped  = $result.SkippedCount
    Failures = $failures
}
$summary | ConvertTo-Json -Depth 4 | Set-Content -Path $ResultPath -Encoding utf8NoBOM
