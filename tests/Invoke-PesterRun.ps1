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

$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
if ($Tag) { $config.Filter.Tag = $Tag }
if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag }
$result = Invoke-Pester -Configuration $config

$failures = @($result.Failed | ForEach-Object { [pscustomobject]@{ Name = $_.ExpandedPath; Message = "$($_.ErrorRecord)" } })
# A container that failed to run (syntax error, BeforeAll throwing) counts as a failure too.
$failedBlocks = @($result.FailedBlocks) + @($result.FailedContainers)
$summary = [pscustomobject]@{
    Passed   = $result.PassedCount
    Failed   = $result.FailedCount + $failedBlocks.Count
    # NotRun are the tests a tag filter left out (the kernel tier runs them and counts them itself).
    Skipped  = $result.SkippedCount
    Failures = $failures
}
$summary | ConvertTo-Json -Depth 4 | Set-Content -Path $ResultPath -Encoding utf8NoBOM
