<#
.SYNOPSIS
    Runs the examples of module/help/*.md against the built module and prints what each outputs.
.DESCRIPTION
    Each example runs in throw-away namespaces (see tests/HelpExamples.psm1), so this is safe on a
    developer's machine. Output is shown as 100-column tables, to check the help and the table views by
    eye. Ends with "N passed, N failed, N skipped"; exits 1 on any failure. The same examples run as Pester
    tests in tests/integration/HelpExamples.Tests.ps1.
.EXAMPLE
    dotnet pwsh -c './tools/Test-HelpExamples.ps1 -Name New-VethLink, Get-IpAddress'
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [string] $HelpDirectory = (Join-Path $PSScriptRoot '../module/help'),
    # Only the help files of these cmdlets (wildcards allowed).
    [string[]] $Name = '*'
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force
Import-Module (Join-Path $PSScriptRoot '../tests/HelpExamples.psm1') -Force

$passed = 0; $failed = 0; $skipped = 0
foreach ($ex in Get-HelpExample -HelpDirectory $HelpDirectory -Name $Name) {
    $label = "$($ex.Command): $($ex.Title)"
    if ($ex.Skip) { Write-Host "SKIP  $label ($($ex.Skip))"; $skipped++; continue }
    Write-Host "----  $label"
    $result = Invoke-HelpExample $ex
    $result.Output | Out-String -Width 100 | Write-Host
    if ($result.Errors) {
        $result.Errors | ForEach-Object { Write-Host "      error: $_" }
        Write-Host "FAIL  $label"
        $failed++
    }
    else {
        Write-Host "PASS  $label"
        $passed++
    }
}
Write-Host ("{0} passed, {1} failed, {2} skipped" -f $passed, $failed, $skipped)
if ($failed) { exit 1 }
