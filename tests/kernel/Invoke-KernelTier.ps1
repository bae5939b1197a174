#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Runs the Pester tests tagged KernelTier inside a QEMU guest that boots Debian's stock kernel.
.DESCRIPTION
    This machine's kernel lacks link kinds the module supports (vrf, ipip, gre, sit, vti, vlan, dummy, ipvlan).
    The kernel tier boots Debian's linux-image-amd64 (downloaded and extracted into -CacheDir, never installed
    on the host) under QEMU/TCG with a tiny busybox initramfs. The guest sees the host's root read-only over
    9p under a RAM overlay, so every host path (tests, module, Pester, dotnet) is the same inside; one pwsh
    runs Invoke-Pester -TagFilter KernelTier there and writes its results to a writable 9p folder, and the
    guest powers off. Guest console lines are printed here prefixed with "[kernel]".

    Exit codes: 0 all tests passed; 1 tests ran and some failed (ResultPath written);
    2 the tier could not run (missing packages, guest did not boot, no results, timeout): ResultPath is not
    written, and the reason is printed.
.EXAMPLE
    dotnet pwsh tests/kernel/Invoke-KernelTier.ps1 -TestPath tests -ModulePath out/OverlayNet `
        -PesterPath ~/.nuget/packages/pester/5.7.1/tools -ResultPath out/test-results/kernel.json
#>
[CmdletBinding()]
param(
    # Pester test files or folders (host paths) to run inside the guest; only tests tagged KernelTier run.
    [Parameter(Mandatory)] [string[]] $TestPath,
    # The built module folder; the guest imports its .psd1 (if there is one) before the tests.
    [Parameter(Mandatory)] [string] $ModulePath,
    # The Pester module folder (with Pester.psd1).
    [Parameter(Mandatory)] [string] $PesterPath,
    # Where to write {"Passed":n,"Failed":n,"Skipped":n,"Failures":[{"Name":..,"Message":..}]}.
    [Parameter(Mandatory)] [string] $ResultPath,
    # Kernel package and initramfs live here between runs.
    [string] $CacheDir = (Join-Path $HOME '.cache/overlaynet-kernel-tier'),
    # The whole guest run (boot to power-off) must end within this; qemu is killed otherwise.
    [ValidateRange(30, 900)] [int] $TimeoutSeconds = 900,
    [int] $MemoryMB = 4096,
    [int] $Cpus = 2,
    # Run PowerShell's IL as shipped in the guest instead of an ahead-of-time compiled copy (for comparison).
    [switch] $NoReadyToRun
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$script:Started = [System.Diagnostics.Stopwatch]::StartNew()

# Modules the guest loads before the tests (built-in ones are fine too): the module of every link kind the
# library declares (OverlayNet.Netlink.Route.LinkKinds, from each kind's [LinkKind]), plus ip6_vti.
$kinds = [System.Reflection.Assembly]::LoadFrom((Join-Path $ModulePath 'OverlayNet.Netlink.dll')).GetType('OverlayNet.Netlink.Route.LinkKinds', $true)
$GuestModules = (@($kinds::KernelModules) + 'ip6_vti') -join ' '
# Modules the initramfs needs to reach the host's files: virtio PCI, 9p over virtio, overlayfs.
$InitramfsModules = 'virtio_pci', '9pnet_virtio', '9p', 'overlay'
$Packages = 'qemu-system-x86', 'busybox-static', 'cpio', 'kmod'
# PowerShell assemblies compiled ahead of time for the guest (those a Pester run loads).
$ReadyToRunAssemblies = @(
    'System.Management.Automation.dll', 'pwsh.dll', 'Microsoft.PowerShell.ConsoleHost.dll',
    'Microsoft.PowerShell.Commands.Utility.dll', 'Microsoft.PowerShell.Commands.Management.dll',
    'Microsoft.PowerShell.Security.dll', 'Microsoft.PowerShell.MarkdownRender.dll', 'Newtonsoft.Json.dll',
    'Microsoft.ApplicationInsights.dll', 'Microsoft.Extensions.ObjectPool.dll')

function Write-Tier([string] $Text) { Write-Host "[kernel] $Text" }

class KernelTierError : System.Exception {
    KernelTierError([string] $Message) : base($Message) {}
}
function Stop-Tier([string] $Message) { throw [KernelTierError]::new($Message) }

function Invoke-Tool {
    # Runs a native command and returns its exit code and output (stdout and stderr).
    param([string] $What, [string] $File, [string[]] $Arguments, [string] $WorkingDirectory)
    try {
        $psi = [System.Diagnostics.ProcessStartInfo]::new($File)
        foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.RedirectStandardInput = $true
        $psi.UseShellExecute = $false
        $psi.Environment['DEBIAN_FRONTEND'] = 'noninteractive'
        if ($WorkingDirectory) { $psi.WorkingDirectory = $WorkingDirectory }
        $p = [System.Diagnostics.Process]::Start($psi)
        $p.StandardInput.Close()
        $err = $p.StandardError.ReadToEndAsync()
        $out = $p.StandardOutput.ReadToEnd()
        $p.WaitForExit()
        $text = $out + $err.Result
        [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $text }
    }
    catch { Stop-Tier "$What`: cannot run $File ($_)" }
}

function Assert-Tool([string] $What, [string] $File, [string[]] $Arguments, [string] $WorkingDirectory) {
    $r = Invoke-Tool $What $File $Arguments $WorkingDirectory
    if ($r.ExitCode -ne 0) {
        $tail = ($r.Output -split "`n" | Select-Object -Last 15) -join "`n"
        Stop-Tier "$What failed (exit $($r.ExitCode)): $File $($Arguments -join ' ')`n$tail"
    }
    return $r.Output
}

function Enter-CacheLock {
    # FileShare.None is an exclusive flock on Linux; it goes with the process if that dies.
    $path = Join-Path $CacheDir '.lock'
    $until = [DateTime]::UtcNow.AddMinutes(20)
    $said = $false
    while ($true) {
        try { return [System.IO.File]::Open($path, 'OpenOrCreate', 'ReadWrite', 'None') }
        catch [System.IO.IOException] {
            if ([DateTime]::UtcNow -gt $until) { Stop-Tier "the cache $CacheDir stayed locked by another run for 20 minutes" }
            if (-not $said) { Write-Tier 'waiting for another run that is preparing the cache'; $said = $true }
            Start-Sleep -Seconds 2
        }
    }
}

function Install-HostPackages {
    $status = (Invoke-Tool 'dpkg-query' 'dpkg-query' (@('-W', '-f=${Package} ${Status}\n') + $Packages)).Output
    $missing = @($Packages | Where-Object { $status -notmatch "(?m)^$([regex]::Escape($_)) install ok installed" })
    if (-not $missing) { return }
    if ([Environment]::UserName -ne 'root') { Stop-Tier "packages $($missing -join ', ') are missing and installing them needs root." }
    Write-Tier "installing $($missing -join ' ') (apt-get)"
    $install = @('install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300') + $missing
    $r = Invoke-Tool 'apt-get install' 'apt-get' $install
    if ($r.ExitCode -ne 0) {
        # Typically a fresh machine whose package lists are absent or stale.
        Write-Tier 'apt-get install failed; running apt-get update and trying again'
        Assert-Tool 'apt-get update' 'apt-get' @('update', '-q') | Out-Null
        Assert-Tool 'apt-get install' 'apt-get' $install | Out-Null
    }
}

function Get-Kernel {
    # Returns @{ Version = '6.1.0-NN-amd64'; Root = <extracted package> }, downloading it on first use.
    $kernels = Join-Path $CacheDir 'kernel'
    $ready = Get-ChildItem $kernels -Directory -ErrorAction SilentlyContinue |
        Where-Object { Test-Path (Join-Path $_.FullName 'ready') } | Sort-Object Name | Select-Object -Last 1
    if ($ready) {
        return [pscustomobject]@{ Version = $ready.Name; Root = $ready.FullName }
    }
    $deps = Invoke-Tool 'apt-cache depends' 'apt-cache' @('depends', '--no-recommends', '--no-suggests', 'linux-image-amd64')
    if ($deps.ExitCode -ne 0 -or $deps.Output -notmatch 'Depends:\s*(linux-image-\S+)') {
        Write-Tier 'linux-image-amd64 is unknown to apt; running apt-get update'
        Assert-Tool 'apt-get update' 'apt-get' @('update', '-q') | Out-Null
        $deps = Invoke-Tool 'apt-cache depends' 'apt-cache' @('depends', '--no-recommends', '--no-suggests', 'linux-image-amd64')
        if ($deps.Output -notmatch 'Depends:\s*(linux-image-\S+)') { Stop-Tier "apt cannot resolve linux-image-amd64:`n$($deps.Output)" }
    }
    $package = $Matches[1]
    $version = $package -replace '^linux-image-', '' -replace '-unsigned$', ''
    $target = Join-Path $kernels $version
    $download = Join-Path $CacheDir 'download'
    Remove-Item $target, $download -Recurse -Force -ErrorAction SilentlyContinue
    New-Item -ItemType Directory -Force -Path $target, $download | Out-Null
    Write-Tier "downloading $package (apt-get download) into $CacheDir"
    Assert-Tool 'apt-get download' 'apt-get' @('download', '-q', '-o', 'APT::Sandbox::User=root', $package) $download | Out-Null
    $deb = Get-ChildItem $download -Filter '*.deb' | Select-Object -First 1
    if (-not $deb) { Stop-Tier "apt-get download left no .deb in $download" }
    Assert-Tool 'dpkg -x' 'dpkg' @('-x', $deb.FullName, $target) | Out-Null
    Remove-Item $download -Recurse -Force
    $vmlinuz = Join-Path $target "boot/vmlinuz-$version"
    if (-not (Test-Path $vmlinuz)) { Stop-Tier "$package has no boot/vmlinuz-$version" }
    # modules.dep for the guest's modprobe (the package's postinst would do this on a real install).
    Assert-Tool 'depmod' 'depmod' @('-b', $target, $version) | Out-Null
    Set-Content -Path (Join-Path $target 'ready') -Value $package
    # Older kernels are of no further use.
    Get-ChildItem $kernels -Directory | Where-Object Name -ne $version | Remove-Item -Recurse -Force
    return [pscustomobject]@{ Version = $version; Root = $target }
}

function Get-ModuleLoadOrder($Kernel, [string[]] $Names) {
    # Resolves modules and their dependencies from modules.dep, dependencies first.
    $modDir = Join-Path $Kernel.Root "lib/modules/$($Kernel.Version)"
    $deps = @{}
    foreach ($line in [System.IO.File]::ReadAllLines((Join-Path $modDir 'modules.dep'))) {
        $file, $rest = $line -split ':\s*', 2
        $key = [System.IO.Path]::GetFileName($file) -replace '\.ko(\.\w+)?$', '' -replace '-', '_'
        $deps[$key] = [pscustomobject]@{ File = $file; Deps = @($rest -split '\s+' | Where-Object { $_ }) }
    }
    $builtin = Get-Content (Join-Path $modDir 'modules.builtin') | ForEach-Object {
        [System.IO.Path]::GetFileName($_) -replace '\.ko$', '' -replace '-', '_'
    }
    $order = [System.Collections.Generic.List[string]]::new()
    $visit = {
        param([string] $file)
        if ($order.Contains($file)) { return }
        $key = [System.IO.Path]::GetFileName($file) -replace '\.ko(\.\w+)?$', '' -replace '-', '_'
        foreach ($d in $deps[$key].Deps) { & $visit $d }
        $order.Add($file)
    }
    foreach ($n in $Names) {
        $key = $n -replace '-', '_'
        if ($deps.ContainsKey($key)) { & $visit $deps[$key].File }
        elseif ($builtin -notcontains $key) { Stop-Tier "kernel $($Kernel.Version) has no module $n" }
    }
    return $order | ForEach-Object { Join-Path $modDir $_ }
}

function Get-Initramfs($Kernel) {
    $init = Join-Path $PSScriptRoot 'guest-init.sh'
    $busybox = '/bin/busybox'
    $modules = @(Get-ModuleLoadOrder $Kernel $InitramfsModules)
    $stamp = (@($Kernel.Version, (Get-FileHash $init).Hash, (Get-FileHash $busybox).Hash) + $modules) -join "`n"
    $hash = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($stamp))).Substring(0, 16)
    $image = Join-Path $CacheDir "initramfs-$hash.cpio"
    if (Test-Path $image) { return $image }

    Write-Tier "building the initramfs ($($modules.Count) modules, busybox)"
    $stage = Join-Path $CacheDir 'initramfs-stage'
    Remove-Item $stage -Recurse -Force -ErrorAction SilentlyContinue
    foreach ($d in 'bin', 'dev', 'proc', 'sys', 'tmp', 'modules') { New-Item -ItemType Directory -Force (Join-Path $stage $d) | Out-Null }
    Copy-Item $busybox (Join-Path $stage 'bin/busybox')
    Copy-Item $init (Join-Path $stage 'init')
    $names = foreach ($m in $modules) {
        $name = [System.IO.Path]::GetFileName($m)
        Copy-Item $m (Join-Path $stage "modules/$name")
        $name
    }
    Set-Content -Path (Join-Path $stage 'modules/order') -Value $names
    Assert-Tool 'chmod' 'chmod' @('0755', (Join-Path $stage 'init'), (Join-Path $stage 'bin/busybox')) | Out-Null
    # The kernel opens /dev/console for init's stdio before anything is mounted.
    Assert-Tool 'mknod' 'mknod' @('-m', '600', (Join-Path $stage 'dev/console'), 'c', '5', '1') | Out-Null
    Get-ChildItem $CacheDir -Filter 'initramfs-*.cpio' | Remove-Item -Force
    $partial = "$image.partial"
    $find = Assert-Tool 'find' 'find' @('.', '-mindepth', '1') $stage
    $listFile = Join-Path $CacheDir 'initramfs-files'
    Set-Content -Path $listFile -Value ($find.Trim() -split "`n" | Sort-Object)
    Assert-Tool 'cpio' 'sh' @('-c', 'cpio --quiet -o -H newc -R 0:0 < "$1" > "$2"', 'sh', $listFile, $partial) $stage | Out-Null
    Move-Item $partial $image -Force
    Remove-Item $stage, $listFile -Recurse -Force
    return $image
}

function Quote-Sh([string] $Value) { "'" + ($Value -replace "'", "'\''") + "'" }

function Get-PwshDll {
    # The guest runs the same PowerShell as this process: 'dotnet <PSHOME>/pwsh.dll'.
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path $dll) { return $dll }
    $candidates = Get-ChildItem (Join-Path $HOME '.nuget/packages/powershell') -Recurse -Filter pwsh.dll -ErrorAction SilentlyContinue |
        Sort-Object FullName -Descending
    if ($candidates) { return $candidates[0].FullName }
    Stop-Tier "cannot find pwsh.dll (not in $PSHOME nor in ~/.nuget/packages/powershell)"
}

function Get-GuestPwsh {
    <# The pwsh.dll the guest runs. PowerShell's NuGet tool ships IL only, and under TCG the JIT dominates
       (pwsh alone took minutes): so once per PowerShell/runtime pair the assemblies PowerShell and Pester
       use are compiled ahead of time with crossgen2 (NuGet: Microsoft.NETCore.App.Crossgen2) into a copy
       of $PSHOME in the cache. If that cannot be done, the guest runs the IL as shipped (slower). #>
    $dll = Get-PwshDll
    if ($NoReadyToRun) { return $dll }
    $toolHome = Split-Path $dll
    $runtimeDir = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory().TrimEnd('/')
    $runtimeVersion = Split-Path -Leaf $runtimeDir
    $stamp = "$toolHome|$runtimeDir|$($ReadyToRunAssemblies -join ',')"
    $hash = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($stamp))).Substring(0, 16)
    $r2rRoot = Join-Path $CacheDir 'pwsh-r2r'
    $target = Join-Path $r2rRoot $hash
    if (Test-Path (Join-Path $target 'ready')) { return (Join-Path $target 'pwsh.dll') }
    $partial = "$target.partial"
    try {
        # Copies for another PowerShell or runtime, unless a concurrent run may still be using one.
        Get-ChildItem $r2rRoot -Directory -ErrorAction SilentlyContinue |
            Where-Object { $_.Name -like '*.partial' -or $_.LastWriteTimeUtc -lt [DateTime]::UtcNow.AddHours(-2) } |
            Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
        $crossgen = Get-Crossgen $runtimeVersion
        Write-Tier "compiling PowerShell ahead of time for the guest (crossgen2 $runtimeVersion, $($ReadyToRunAssemblies.Count) assemblies)"
        New-Item -ItemType Directory -Force -Path $r2rRoot | Out-Null
        Copy-Item $toolHome $partial -Recurse
        $refs = @('-r', "$runtimeDir/*.dll", '-r', "$toolHome/*.dll")
        foreach ($d in Get-ChildItem (Join-Path $toolHome 'runtimes/unix/lib') -Directory -ErrorAction SilentlyContinue) { $refs += '-r', "$($d.FullName)/*.dll" }
        foreach ($name in $ReadyToRunAssemblies) {
            $source = Join-Path $toolHome $name
            if (-not (Test-Path $source)) { continue }
            Assert-Tool "crossgen2 $name" $crossgen (@($source, '-o', (Join-Path $partial $name), '--targetos', 'linux', '--targetarch', 'x64', '-O') + $refs) | Out-Null
        }
        Set-Content (Join-Path $partial 'ready') -Value $stamp
        Move-Item $partial $target
        Remove-Item (Join-Path $CacheDir 'nuget'), (Join-Path $CacheDir 'crossgen-restore') -Recurse -Force -ErrorAction SilentlyContinue
        return (Join-Path $target 'pwsh.dll')
    }
    catch {
        Write-Tier "WARNING: ahead-of-time compilation failed, the guest runs PowerShell's IL (much slower): $($_.Exception.Message)"
        Remove-Item $partial -Recurse -Force -ErrorAction SilentlyContinue
        return $dll
    }
}

function Get-Crossgen([string] $RuntimeVersion) {
    # A throwaway project whose restore downloads the crossgen2 package into the cache (nothing is built).
    $project = Join-Path $CacheDir 'crossgen-restore'
    $packages = Join-Path $CacheDir 'nuget'
    New-Item -ItemType Directory -Force -Path $project | Out-Null
    Set-Content (Join-Path $project 'crossgen-restore.csproj') -Value @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net$(([version]$RuntimeVersion).ToString(2))</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Microsoft.NETCore.App.Crossgen2.linux-x64" Version="[$RuntimeVersion]" /></ItemGroup>
</Project>
"@
    Assert-Tool 'restore of crossgen2' (Get-DotnetHost) @('restore', (Join-Path $project 'crossgen-restore.csproj'), '--packages', $packages, '--nologo', '-v', 'q') | Out-Null
    $tool = Join-Path $packages "microsoft.netcore.app.crossgen2.linux-x64/$RuntimeVersion/tools/crossgen2"
    if (-not (Test-Path $tool)) { Stop-Tier "crossgen2 not found at $tool after restore" }
    return $tool
}

function Get-DotnetHost {
    $self = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ([System.IO.Path]::GetFileName($self) -eq 'dotnet') { return $self }
    $cmd = Get-Command dotnet -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $cmd) { Stop-Tier 'cannot find dotnet' }
    return (Resolve-Path (& readlink -f $cmd.Source)).Path
}

function Start-Guest($Kernel, [string] $Initramfs, [string] $RunDir) {
    $qemuArgs = @(
        '-name', 'overlaynet-kernel-tier',
        '-machine', 'q35', '-accel', 'tcg', '-cpu', $(if ($env:OVERLAYNET_KERNEL_TIER_CPU) { $env:OVERLAYNET_KERNEL_TIER_CPU } else { 'max' }),
        '-m', "$MemoryMB", '-smp', "$Cpus",
        '-nodefaults', '-no-user-config', '-display', 'none', '-vga', 'none', '-nic', 'none',
        '-no-reboot',
        '-chardev', "file,id=console,path=$(Join-Path $RunDir 'console.log')",
        '-serial', 'chardev:console',
        '-kernel', (Join-Path $Kernel.Root "boot/vmlinuz-$($Kernel.Version)"),
        '-initrd', $Initramfs,
        '-append', 'console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init',
        '-virtfs', 'local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap',
        '-virtfs', "local,path=$RunDir,mount_tag=results,security_model=none"
    )
    $psi = [System.Diagnostics.ProcessStartInfo]::new('qemu-system-x86_64')
    foreach ($a in $qemuArgs) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    return [pscustomobject]@{ Process = $p; Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync() }
}

function Read-NewConsoleLines([string] $Path, [ref] $Offset, [ref] $Partial) {
    if (-not (Test-Path $Path)) { return }
    $fs = [System.IO.File]::Open($Path, 'Open', 'Read', 'ReadWrite')
    try {
        if ($fs.Length -le $Offset.Value) { return }
        [void]$fs.Seek($Offset.Value, 'Begin')
        $buffer = [byte[]]::new($fs.Length - $Offset.Value)
        $n = $fs.Read($buffer, 0, $buffer.Length)
        $Offset.Value += $n
        $text = $Partial.Value + [Text.Encoding]::UTF8.GetString($buffer, 0, $n)
        $lines = $text -split "`n"
        $Partial.Value = $lines[-1]
        foreach ($line in ($lines | Select-Object -SkipLast 1)) {
            # Serial console: CRLF, and perhaps colour from a program that ignored NO_COLOR.
            $clean = ($line -replace "`e\[[0-9;?]*[A-Za-z]", '').TrimEnd("`r")
            # Host time since qemu started: the guest's own clock runs unevenly under emulation.
            Write-Tier ('{0,6:n1}s {1}' -f $script:GuestClock.Elapsed.TotalSeconds, $clean)
            $script:ConsoleTail.Enqueue($clean)
            while ($script:ConsoleTail.Count -gt 40) { [void]$script:ConsoleTail.Dequeue() }
            if ($clean -match 'pwsh .* ready' -and -not $script:PwshReadyAt) { $script:PwshReadyAt = $script:GuestClock.Elapsed }
        }
    }
    finally { $fs.Dispose() }
}

function Convert-Result([string] $Path) {
    try { $r = Get-Content -Raw $Path | ConvertFrom-Json }
    catch { Stop-Tier "the guest's result file $Path is not JSON: $_" }
    foreach ($k in 'Passed', 'Failed', 'Skipped') {
        if ($null -eq $r.PSObject.Properties[$k]) { Stop-Tier "the guest's result file lacks '$k'" }
    }
    $failures = @(if ($r.PSObject.Properties['Failures'] -and $r.Failures) {
            $r.Failures | ForEach-Object { [pscustomobject]@{ Name = "$($_.Name)"; Message = "$($_.Message)" } }
        })
    [pscustomobject]@{ Passed = [int]$r.Passed; Failed = [int]$r.Failed; Skipped = [int]$r.Skipped; Failures = $failures }
}

# ---------------------------------------------------------------------------------------------------------
$guest = $null
$runDir = $null
$script:ConsoleTail = [System.Collections.Generic.Queue[string]]::new()
$script:PwshReadyAt = $null
$script:GuestClock = [System.Diagnostics.Stopwatch]::new()
try {
    if (-not $IsLinux) { Stop-Tier 'the kernel tier needs Linux.' }
    $ResultPath = [System.IO.Path]::GetFullPath($ResultPath)
    Remove-Item $ResultPath -Force -ErrorAction SilentlyContinue
    # 'pwsh -File' hands a list over as one string: a,b.
    $TestPath = @($TestPath | ForEach-Object { if (Test-Path -LiteralPath $_) { $_ } else { $_ -split ',' } } | Where-Object { $_ } | ForEach-Object {
            if (-not (Test-Path $_)) { Stop-Tier "test path $_ does not exist" }
            (Resolve-Path $_).Path
        })
    # Discovery is slow under emulation: folders are narrowed here to the test files that mention the tag.
    $testFiles = @(foreach ($p in $TestPath) {
            if (Test-Path $p -PathType Leaf) { $p; continue }
            Get-ChildItem $p -Recurse -File -Filter '*.Tests.ps1' | Where-Object { Select-String -Path $_.FullName -Pattern 'KernelTier' -SimpleMatch -Quiet } |
                ForEach-Object FullName
        }) | Sort-Object -Unique
    if (-not $testFiles) {
        Write-Tier "no test file under $($TestPath -join ', ') mentions KernelTier: nothing to run, the guest is not booted"
        New-Item -ItemType Directory -Force -Path (Split-Path $ResultPath) | Out-Null
        [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; Failures = @() } | ConvertTo-Json | Set-Content -Path $ResultPath -Encoding utf8NoBOM
        exit 0
    }
    if (-not (Test-Path $ModulePath -PathType Container)) { Stop-Tier "module folder $ModulePath does not exist" }
    $ModulePath = (Resolve-Path $ModulePath).Path
    if (-not (Test-Path (Join-Path $PesterPath 'Pester.psd1'))) { Stop-Tier "no Pester.psd1 in $PesterPath" }
    $PesterPath = (Resolve-Path $PesterPath).Path
    New-Item -ItemType Directory -Force -Path $CacheDir | Out-Null
    $CacheDir = (Resolve-Path $CacheDir).Path

    # Concurrent runs (other work trees) share the cache: one at a time prepares it.
    $lock = Enter-CacheLock
    try {
        Install-HostPackages
        $kernel = Get-Kernel
        $initramfs = Get-Initramfs $kernel
        $pwshDll = Get-GuestPwsh
    }
    finally { $lock.Dispose() }
    Write-Tier ("kernel {0}, initramfs ready after {1:n1} s" -f $kernel.Version, $script:Started.Elapsed.TotalSeconds)

    # One folder per run, the guest's only writable window onto the host.
    $runs = Join-Path $CacheDir 'runs'
    New-Item -ItemType Directory -Force -Path $runs | Out-Null
    # Leftovers of runs whose host process died (their qemu is gone with the deadline).
    Get-ChildItem $runs -Directory | Where-Object LastWriteTimeUtc -lt ([DateTime]::UtcNow.AddHours(-2)) |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    $runDir = Join-Path $runs ("{0}-{1}" -f $PID, [guid]::NewGuid().ToString('N').Substring(0, 6))
    New-Item -ItemType Directory -Path $runDir | Out-Null
    $dotnet = Get-DotnetHost
    Write-Tier "test files: $($testFiles -join ', ')"
    [pscustomobject]@{ TestPath = $testFiles; ModulePath = $ModulePath; PesterPath = $PesterPath } |
        ConvertTo-Json | Set-Content (Join-Path $runDir 'job.json')
    $jobEnv = [ordered]@{
        KT_DOTNET      = $dotnet
        KT_DOTNET_ROOT = (Split-Path $dotnet)
        KT_PWSH_DLL    = $pwshDll
        KT_RUNNER      = (Join-Path $PSScriptRoot 'Invoke-GuestPester.ps1')
        KT_MODULES     = (Join-Path $kernel.Root 'lib/modules')
        KT_MODPROBE    = $GuestModules
        KT_EXTRA_ENV   = "$env:OVERLAYNET_KERNEL_TIER_ENV"
        KT_DEADLINE    = "$($TimeoutSeconds + 60)"
    }
    Set-Content (Join-Path $runDir 'job.env') -Value ($jobEnv.GetEnumerator() | ForEach-Object { "$($_.Key)=$(Quote-Sh $_.Value)" })

    Write-Tier "booting the guest (QEMU/TCG, $MemoryMB MiB, $Cpus CPUs; deadline $TimeoutSeconds s)"
    $script:GuestClock.Start()
    try { $guest = Start-Guest $kernel $initramfs $runDir }
    catch { Stop-Tier "cannot start qemu-system-x86_64: $_" }
    Write-Tier "qemu pid $($guest.Process.Id)"

    $console = Join-Path $runDir 'console.log'
    $offset = 0L; $partial = ''
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $doneAt = $null
    while (-not $guest.Process.HasExited) {
        Read-NewConsoleLines $console ([ref]$offset) ([ref]$partial)
        if ([DateTime]::UtcNow -gt $deadline) {
            $guest.Process.Kill()
            [void]$guest.Process.WaitForExit(10000)
            Stop-Tier "the guest did not finish within $TimeoutSeconds s; qemu (pid $($guest.Process.Id)) was killed"
        }
        # The guest powers off right after pwsh; a hung power-off must not cost the rest of the deadline.
        if (-not $doneAt -and (Test-Path (Join-Path $runDir 'pwsh-exit'))) { $doneAt = [DateTime]::UtcNow }
        if ($doneAt -and [DateTime]::UtcNow -gt $doneAt.AddSeconds(30)) {
            Write-Tier 'the guest did not power off 30 s after pwsh ended; killing qemu'
            $guest.Process.Kill()
            [void]$guest.Process.WaitForExit(10000)
        }
        [void]$guest.Process.WaitForExit(200)
    }
    $guest.Process.WaitForExit()
    $script:GuestClock.Stop()
    Read-NewConsoleLines $console ([ref]$offset) ([ref]$partial)
    if ($partial) { Write-Tier $partial; $script:ConsoleTail.Enqueue($partial) }
    $qemuErr = $guest.Stderr.Result.Trim()
    if ($qemuErr) { $qemuErr -split "`n" | ForEach-Object { Write-Tier "qemu: $_" } }

    $fatal = Join-Path $runDir 'fatal'
    if (Test-Path $fatal) { Stop-Tier "the guest stopped early: $((Get-Content -Raw $fatal).Trim())" }
    if ($offset -eq 0) { Stop-Tier "the guest printed nothing; qemu exited with $($guest.Process.ExitCode)" }
    $resultFile = Join-Path $runDir 'result.json'
    if (-not (Test-Path $resultFile)) {
        $exit = Join-Path $runDir 'pwsh-exit'
        $why = if (Test-Path $exit) { "pwsh in the guest exited with $((Get-Content -Raw $exit).Trim()) without writing results" }
        else { "the guest ended (qemu exit $($guest.Process.ExitCode)) before pwsh finished" }
        Stop-Tier "$why. Last console lines:`n  $($script:ConsoleTail -join "`n  ")"
    }
    $result = Convert-Result $resultFile
    $dir = Split-Path $ResultPath
    if ($dir) { New-Item -ItemType Directory -Force -Path $dir | Out-Null }
    $result | ConvertTo-Json -Depth 4 | Set-Content -Path $ResultPath -Encoding utf8NoBOM
    $ready = if ($script:PwshReadyAt) { '{0:n1} s' -f $script:PwshReadyAt.TotalSeconds } else { '?' }
    Write-Tier ("done: {0} passed, {1} failed, {2} skipped; guest {3:n1} s (pwsh ready after {4}), total {5:n1} s" -f
        $result.Passed, $result.Failed, $result.Skipped, $script:GuestClock.Elapsed.TotalSeconds, $ready, $script:Started.Elapsed.TotalSeconds)
    foreach ($f in $result.Failures) { Write-Tier "FAILED $($f.Name): $($f.Message)" }
    Remove-Item $runDir -Recurse -Force -ErrorAction SilentlyContinue
    exit ([int]($result.Failed -gt 0))
}
catch {
    $message = if ($_.Exception -is [KernelTierError]) { $_.Exception.Message } else { "$_`n$($_.ScriptStackTrace)" }
    Write-Tier "ERROR: the kernel tier could not run: $message"
    if ($runDir) { Write-Tier "guest files kept in $runDir" }
    exit 2
}
finally {
    if ($guest -and -not $guest.Process.HasExited) {
        $guest.Process.Kill()
        [void]$guest.Process.WaitForExit(10000)
    }
}
