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
    install   - build, then copy the module (and its Pester helpers, OverlayNet.Testing) into the module folder
                of -Scope (CurrentUser: ~/.local/share/powershell/Modules, AllUsers:
                /usr/local/share/powershell/Modules) as <Name>/<version>/, so `Import-Module OverlayNet` works by
                name in any new pwsh.
    uninstall - remove that version of both modules from -Scope's module folder again.
    package   - build, then write OverlayNet.<version>.nupkg and OverlayNet.Testing.<version>.nupkg into out/
                (PSResourceGet's Compress-PSResource: the same package Publish-PSResource would push).
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 test
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 install; dotnet pwsh -NoProfile -c 'Import-Module OverlayNet'
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'bench', 'install', 'uninstall', 'package')]
    [string] $Task = 'build',

    # Where install/uninstall put the module: the current user's module folder or the machine's.
    [ValidateSet('CurrentUser', 'AllUsers')]
    [string] $Scope = 'CurrentUser',

    # install/package: use the module already in out/ instead of building it first.
    [switch] $NoBuild,

    # package: stamp this version into the packaged manifests instead of module/OverlayNet.psd1's.
    [version] $Version,

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
    # Conceptual help (Get-Help about_OverlayNet) is plain text that PowerShell finds in the module's en-US.
    New-Item -ItemType Directory -Force -Path (Join-Path $moduleOut 'en-US') | Out-Null
    Copy-Item (Join-Path $root 'module/en-US/*.help.txt') (Join-Path $moduleOut 'en-US')
    # The manifest's export list and the MAML help need the compiled cmdlets' metadata, which only a
    # process that loads the module can read: a child pwsh does it, so this one never locks the dll.
    Invoke-Native 'module completion' {
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tools/Complete-Module.ps1') -ModuleDirectory $moduleOut -SourceDirectory (Join-Path $root 'module')
    }
    Copy-TestingModule
    Write-Host "==> Module ready in $moduleOut"
}

function Copy-TestingModule {
    # The Pester helpers are a module of their own (OverlayNet.Testing needs Pester, OverlayNet must not), built
    # next to OverlayNet so that out/ works as a module folder: Import-Module OverlayNet.Testing finds both.
    $testingOut = Join-Path $out 'OverlayNet.Testing'
    if (Test-Path $testingOut) { Remove-Item $testingOut -Recurse -Force }
    Copy-Item (Join-Path $root 'module/OverlayNet.Testing') $testingOut -Recurse
    Set-ManifestVersion (Join-Path $testingOut 'OverlayNet.Testing.psd1') (Get-ModuleVersion)
}

function Get-ModuleVersion {
    [version](Import-PowerShellDataFile (Join-Path $root 'module/OverlayNet.psd1')).ModuleVersion
}

function Set-ManifestVersion([string] $Path, [version] $Value) {
    # Both manifests carry the version as "ModuleVersion = '...'"; OverlayNet.Testing also requires that
    # exact OverlayNet ("RequiredVersion = '...'"), so the two always install and load as a pair.
    $text = Get-Content -Raw $Path
    $text = $text -replace "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$Value'"
    $text = $text -replace "(RequiredVersion\s*=\s*)'[^']*'", "`${1}'$Value'"
    Set-Content -Path $Path -Value $text -Encoding utf8NoBOM -NoNewline
}

$moduleNames = 'OverlayNet', 'OverlayNet.Testing'

function Get-ScopeModulePath([string] $Scope) {
    # The folders pwsh itself puts on PSModulePath for each scope on Linux (and where Install-PSResource
    # -Scope installs): XDG_DATA_HOME (default ~/.local/share) for the user, /usr/local/share for everyone.
    if ($Scope -eq 'AllUsers') { return '/usr/local/share/powershell/Modules' }
    $data = if ($env:XDG_DATA_HOME) { $env:XDG_DATA_HOME } else { Join-Path $HOME '.local/share' }
    return Join-Path $data 'powershell/Modules'
}

function Invoke-Install {
    if (-not $NoBuild) { Invoke-Build }
    $version = Get-ModuleVersion
    $modules = Get-ScopeModulePath $Scope
    foreach ($name in $moduleNames) {
        $source = Join-Path $out $name
        if (-not (Test-Path (Join-Path $source "$name.psd1"))) { throw "$source holds no built module: run build.ps1 build first (or drop -NoBuild)." }
        # <Modules>/<Name>/<version>/: versions install side by side, Import-Module takes the highest.
        $target = Join-Path $modules $name $version
        if (Test-Path $target) { Remove-Item $target -Recurse -Force }
        New-Item -ItemType Directory -Force -Path $target | Out-Null
        Copy-Item (Join-Path $source '*') $target -Recurse
        Write-Host "==> Installed $name $version in $target"
    }
    Write-Host "==> In a new pwsh: Import-Module OverlayNet   (Pester helpers: Import-Module OverlayNet.Testing)"
}

function Invoke-Uninstall {
    $version = Get-ModuleVersion
    $modules = Get-ScopeModulePath $Scope
    foreach ($name in $moduleNames) {
        $target = Join-Path $modules $name $version
        if (-not (Test-Path $target)) { Write-Host "==> $name $version is not installed in $modules"; continue }
        Remove-Item $target -Recurse -Force
        # Other versions stay; the <Name> folder goes with the last one.
        $parent = Join-Path $modules $name
        if (-not (Get-ChildItem $parent -Force)) { Remove-Item $parent -Force }
        Write-Host "==> Removed $name $version from $modules"
    }
}

function Invoke-Package {
    if (-not $NoBuild) { Invoke-Build }
    $packageVersion = if ($Version) { $Version } else { Get-ModuleVersion }
    # Stage copies so -Version never changes the built module; the staging folder is on PSModulePath while
    # packing, so the manifest check of OverlayNet.Testing finds the OverlayNet it requires.
    $staging = Join-Path $out 'package'
    if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }
    New-Item -ItemType Directory -Path $staging | Out-Null
    $savedPath = $env:PSModulePath
    try {
        $env:PSModulePath = $staging + [IO.Path]::PathSeparator + $savedPath
        foreach ($name in $moduleNames) {
            $copy = Join-Path $staging $name
            Copy-Item (Join-Path $out $name) $copy -Recurse
            Set-ManifestVersion (Join-Path $copy "$name.psd1") $packageVersion
            $nupkg = Join-Path $out "$name.$packageVersion.nupkg"
            if (Test-Path $nupkg) { Remove-Item $nupkg -Force }
            Compress-PSResource -Path $copy -DestinationPath $out
            if (-not (Test-Path $nupkg)) { throw "Compress-PSResource did not write $nupkg." }
            Write-Host "==> Packaged $nupkg"
        }
    }
    finally {
        $env:PSModulePath = $savedPath
        Remove-Item $staging -Recurse -Force -ErrorAction SilentlyContinue
    }
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
    $failures = @($trx.TestRun.Results.UnitTestResult | Where-Object { $_.outcome -eq 'Failed' } | ForEach-Object {
            [pscustomobject]@{ Name = $_.testName; Message = "$($_.Output.ErrorInfo.Message)" } })
    [pscustomobject]@{
        Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout; Skipped = [int]$c.notExecuted
        Failures = $failures
    }
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results | Out-Null
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    # Every failure is named again just above the last line, so a log cut to its tail (a CI report) still says
    # which test failed and why.
    $failureRecap = [System.Collections.Generic.List[string]]::new()
    function Add-Counts($c, [string] $Tier) {
        Write-Host ("==> {0}: {1} passed, {2} failed, {3} skipped" -f $Tier, $c.Passed, $c.Failed, $c.Skipped)
        $totals.Passed += $c.Passed; $totals.Failed += $c.Failed; $totals.Skipped += $c.Skipped
        foreach ($f in @($c.Failures)) {
            if (-not $f) { continue }
            $message = ("$($f.Message)" -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 3) -join ' | '
            if ($message.Length -gt 400) { $message = $message.Substring(0, 400) + '…' }
            $failureRecap.Add("[$Tier] $($f.Name): $message")
        }
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
    # examples/tests are users' lab tests (Import-Module OverlayNet by name, OverlayNet.Testing's helpers).
    $paths = if ($TestPath) { $TestPath } else { @((Join-Path $root 'tests/integration'), (Join-Path $root 'examples/tests')) }
    Write-Host '==> Integration tests (Pester, in namespaces of their own)'
    $pesterJson = Join-Path $results 'pester.json'
    # out/ holds OverlayNet and OverlayNet.Testing side by side: first on PSModulePath, Import-Module by name
    # finds the built ones (before any installed copy), as it would find installed ones on a user's machine.
    $savedModulePath = $env:PSModulePath
    $env:PSModulePath = $out + [IO.Path]::PathSeparator + $env:PSModulePath
    try {
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests/Invoke-PesterRun.ps1') `
            -PesterPath $pester -ModulePath $moduleOut -TestPath ($paths -join [IO.Path]::PathSeparator) -ResultPath $pesterJson -ExcludeTag KernelTier
    }
    finally { $env:PSModulePath = $savedModulePath }
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

    if ($failureRecap.Count) {
        Write-Host ''
        Write-Host '==> Failed:'
        foreach ($line in $failureRecap) { Write-Host "  $line" }
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
    'install' { Invoke-Install }
    'uninstall' { Invoke-Uninstall }
    'package' { Invoke-Package }
    'bench' {
        Invoke-Build
        foreach ($b in Get-ChildItem (Join-Path $root 'bench') -Filter *.ps1 | Sort-Object Name) {
            dotnet pwsh -NoProfile -NonInteractive -File $b.FullName -ModulePath $moduleOut
        }
    }
}
