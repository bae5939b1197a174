#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests and demonstrates OverlayNet.
.DESCRIPTION
    build  - publishes the module for linux-x64 into out/OverlayNet (dlls, manifest, format file, help).
    test   - build, then unit tests (xunit), integration tests (Pester, root, in namespaces of their own)
             and the kernel tier (Pester tests tagged KernelTier, inside a QEMU guest). Ends with one line
             "N passed, N failed, N skipped" and a non-zero exit code on any failure.
    demo   - build, then run the overlay lab in examples/Demo.ps1 (namespaces only; removed afterwards).
    bench  - build, then run the benchmarks under bench/ side by side with iproute2.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'bench')]
    [string] $Task = 'build',

    # Pester files or folders to run instead of the whole suite (test task).
    [string[]] $TestPath,

    # Skip xunit (test task), for a quick Pester round.
    [switch] $SkipUnit,

    # Do not boot the QEMU guest; its tests are then not run at all (and are not counted).
    [switch] $SkipKernelTier
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'OverlayNet'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'

function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    Write-Host '==> Building OverlayNet (Release, linux-x64)'
    $publish = Join-Path $out 'publish'
    Invoke-Native 'dotnet publish' {
        dotnet publish (Join-Path $root 'src/OverlayNet/OverlayNet.csproj') -c Release -r linux-x64 --self-contained false -o $publish --nologo -v quiet -clp:ErrorsOnly
    }
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    New-Item -ItemType Directory -Path $moduleOut | Out-Null
    # Every assembly the publish produced ships with the module (the netlink library, the agent with its etcd
    # client, the forwarder, the labs with YamlDotNet), except PowerShell's own, which pwsh provides.
    foreach ($dll in Get-ChildItem $publish -Filter *.dll) {
        if ($dll.Name -match '^(System\.Management\.Automation|Microsoft\.PowerShell\.|Microsoft\.Management\.Infrastructure)') { continue }
        Copy-Item $dll.FullName $moduleOut
    }
    Merge-FormatFiles -Destination (Join-Path $moduleOut 'OverlayNet.Format.ps1xml')
    # The manifest's export list and the MAML help need the compiled cmdlets' metadata, which only a
    # process that loads the module can read: a child pwsh does it, so this one never locks the dll.
    Invoke-Native 'module completion' {
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tools/Complete-Module.ps1') -ModuleDirectory $moduleOut -SourceDirectory (Join-Path $root 'module')
    }
    Write-Host "==> Module ready in $moduleOut"
}

function Merge-FormatFiles([string] $Destination) {
    # One format file per output-type family lives in module/formats; the module ships them as one file.
    $merged = [xml]'<?xml version="1.0" encoding="utf-8"?><Configuration><ViewDefinitions/></Configuration>'
    $target = $merged.Configuration.SelectSingleNode('ViewDefinitions')
    foreach ($file in Get-ChildItem (Join-Path $root 'module/formats') -Filter *.Format.ps1xml | Sort-Object Name) {
        $doc = [xml](Get-Content -Raw $file.FullName)
        foreach ($view in $doc.Configuration.ViewDefinitions.View) {
            [void]$target.AppendChild($merged.ImportNode($view, $true))
        }
    }
    $merged.Save($Destination)
}

function Get-PesterPath {
    Invoke-Native 'restore of test tools' { dotnet restore (Join-Path $root 'tools/tools.csproj') --nologo -v quiet }
    $packages = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $pester = Join-Path $packages.Trim() 'pester/5.7.1/tools'
    if (-not (Test-Path (Join-Path $pester 'Pester.psd1'))) { throw "Pester was not restored to $pester." }
    return $pester
}

function Install-TestPackages {
    # Reference tools the differential tests compare against (iproute2 is on every Debian machine; nft is not).
    # etcd members back the control-plane tests (issue 13); iperf3 measures the forwarder (bench).
    $needed = [ordered]@{ nft = 'nftables'; ip = 'iproute2'; setpriv = 'util-linux'; etcd = 'etcd-server'; etcdctl = 'etcd-client'; iperf3 = 'iperf3' }
    $missing = @($needed.Keys | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) } | ForEach-Object { $needed[$_] })
    if (-not $missing) { return }
    Write-Host "==> Installing test tools: $($missing -join ', ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get install -y --no-install-recommends @missing *> $null
    if ($LASTEXITCODE -ne 0) {
        # A fresh machine may have no package lists yet.
        Invoke-Native 'apt-get update' { apt-get update -qq }
        Invoke-Native "apt-get install $missing" { apt-get install -y -qq --no-install-recommends @missing }
    }
}

function Read-TrxCounts([string] $Path) {
    $trx = [xml](Get-Content -Raw $Path)
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout; Skipped = [int]$c.notExecuted }
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results | Out-Null
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    function Add-Counts($c, [string] $Tier) {
        Write-Host ("==> {0}: {1} passed, {2} failed, {3} skipped" -f $Tier, $c.Passed, $c.Failed, $c.Skipped)
        $totals.Passed += $c.Passed; $totals.Failed += $c.Failed; $totals.Skipped += $c.Skipped
    }

    if (-not $SkipUnit -and -not $TestPath) {
        Write-Host '==> Unit tests (xunit)'
        dotnet test (Join-Path $root 'tests/unit/OverlayNet.Netlink.Tests.csproj') --nologo -v quiet `
            --logger 'trx;LogFileName=unit.trx' --logger 'console;verbosity=minimal' --results-directory $results
        $trxPath = Join-Path $results 'unit.trx'
        if (Test-Path $trxPath) { Add-Counts (Read-TrxCounts $trxPath) 'unit' }
        else { Write-Host 'Unit tests did not produce results.'; $totals.Failed += 1 }
    }

    Install-TestPackages
    $pester = Get-PesterPath
    $paths = if ($TestPath) { $TestPath } else { @(Join-Path $root 'tests/integration') }
    Write-Host '==> Integration tests (Pester, in namespaces of their own)'
    $pesterJson = Join-Path $results 'pester.json'
    dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests/Invoke-PesterRun.ps1') `
        -PesterPath $pester -ModulePath $moduleOut -TestPath $paths -ResultPath $pesterJson -ExcludeTag KernelTier
    if (Test-Path $pesterJson) { Add-Counts (Get-Content -Raw $pesterJson | ConvertFrom-Json) 'integration' }
    else { Write-Host 'Pester did not produce results.'; $totals.Failed += 1 }

    $kernelScript = Join-Path $root 'tests/kernel/Invoke-KernelTier.ps1'
    if (-not $SkipKernelTier -and -not $TestPath -and (Test-Path $kernelScript)) {
        Write-Host '==> Kernel tier (QEMU guest with Debian''s kernel)'
        $kernelJson = Join-Path $results 'kernel.json'
        dotnet pwsh -NoProfile -NonInteractive -File $kernelScript -TestPath (Join-Path $root 'tests') `
            -ModulePath $moduleOut -PesterPath $pester -ResultPath $kernelJson
        if (Test-Path $kernelJson) { Add-Counts (Get-Content -Raw $kernelJson | ConvertFrom-Json) 'kernel tier' }
        else { Write-Host 'The kernel tier produced no results (see the [kernel] lines above).'; $totals.Failed += 1 }
    }

    Write-Host ''
    Write-Host ("{0} passed, {1} failed, {2} skipped" -f $totals.Passed, $totals.Failed, $totals.Skipped)
    if ($totals.Failed -gt 0) { exit 1 }
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'demo' {
        Invoke-Build
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'examples/Demo.ps1') -ModulePath $moduleOut
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
    'bench' {
        Invoke-Build
        foreach ($b in Get-ChildItem (Join-Path $root 'bench') -Filter *.ps1 | Sort-Object Name) {
            dotnet pwsh -NoProfile -NonInteractive -File $b.FullName -ModulePath $moduleOut
        }
    }
}
