<#
.SYNOPSIS
    The kernel tier's runner inside the QEMU guest (started by guest-init.sh; not meant for the host).
.DESCRIPTION
    Reads the job that Invoke-KernelTier.ps1 wrote (test paths, module and Pester folders: host paths, which
    the guest sees unchanged), imports Pester and the module, runs the Pester tests tagged KernelTier and
    writes {Passed, Failed, Skipped, Failures} as JSON next to the job, where the host picks it up.
#>
param([Parameter(Mandatory)] [string] $JobPath)

$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
function Say([string] $Text) { Write-Host "guest: $Text" }
Say "pwsh $($PSVersionTable.PSVersion) ready"

$job = Get-Content -Raw $JobPath | ConvertFrom-Json
$resultPath = Join-Path (Split-Path $JobPath) 'result.json'
$failures = [System.Collections.Generic.List[object]]::new()
$extraFailed = 0

Import-Module (Join-Path $job.PesterPath 'Pester.psd1') -Force
$env:OVERLAYNET_MODULE = $job.ModulePath
$manifest = Get-ChildItem -Path $job.ModulePath -Filter *.psd1 -File -ErrorAction SilentlyContinue | Select-Object -First 1
if ($manifest) {
    try {
        Import-Module $manifest.FullName -Force -Global
        Say "imported $($manifest.FullName)"
    }
    catch {
        # The tests would fail one by one anyway; say once, plainly, why.
        $extraFailed++
        $failures.Add([pscustomobject]@{ Name = "Import-Module $($manifest.FullName)"; Message = "$_" })
        Say "Import-Module $($manifest.FullName) failed: $_"
    }
}
else {
    Say "no module manifest in $($job.ModulePath): not imported"
}

$config = New-PesterConfiguration
$config.Run.Path = [string[]] $job.TestPath
$config.Run.PassThru = $true
$config.Filter.Tag = 'KernelTier'
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
Say "Invoke-Pester -TagFilter KernelTier on $($job.TestPath -join ', ')"
$result = Invoke-Pester -Configuration $config

foreach ($t in $result.Failed) {
    $failures.Add([pscustomobject]@{ Name = $t.ExpandedPath; Message = "$($t.ErrorRecord)" })
}
# A container that failed to run (syntax error, BeforeAll throwing) counts as a failure too.
$failedBlocks = @($result.FailedBlocks) + @($result.FailedContainers)
foreach ($b in $failedBlocks) {
    $name = if ($b.PSObject.Properties['ExpandedPath']) { $b.ExpandedPath } else { "$($b.Item)" }
    $failures.Add([pscustomobject]@{ Name = $name; Message = "$($b.ErrorRecord)" })
}
# NotRun also holds every test the tag filter left out (the host's tests, when -TestPath is tests/):
# only selected tests that still did not run count as skipped here.
$notRun = @($result.NotRun | Where-Object { $_.ShouldRun }).Count
$summary = [pscustomobject]@{
    Passed   = $result.PassedCount
    Failed   = $result.FailedCount + $failedBlocks.Count + $extraFailed
    Skipped  = $result.SkippedCount + $notRun
    Failures = @($failures)
}
$summary | ConvertTo-Json -Depth 4 | Set-Content -Path $resultPath -Encoding utf8NoBOM
Say ("results written: {0} passed, {1} failed, {2} skipped" -f $summary.Passed, $summary.Failed, $summary.Skipped)
