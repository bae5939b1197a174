# Installing OverlayNet as PowerShell users do: build.ps1 install/uninstall into a scope's module folder, and
# build.ps1 package's nupkgs published to a local PSResourceGet repository, installed with Install-PSResource
# and imported by name in a fresh pwsh that has no build tree around, then a second version beside the first.
# Nothing lands in the real user's folders: every step runs with HOME and XDG_DATA_HOME in a scratch folder
# (pwsh takes the user's module folder from XDG_DATA_HOME, Install-PSResource -Scope CurrentUser from HOME,
# PSResourceGet its repository list from XDG_DATA_HOME), removed at the end.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $built = (Get-Module OverlayNet).ModuleBase
    $out = Split-Path $built
    $cmdletCount = @(Get-Command -Module OverlayNet -CommandType Cmdlet).Count
    $version = [version](Import-PowerShellDataFile (Join-Path $built 'OverlayNet.psd1')).ModuleVersion
    $next = [version]::new($version.Major, $version.Minor, $version.Build + 1)

    # What the real user has installed now: the file checks at its end that this is unchanged.
    $realUserModules = Join-Path ([Environment]::GetFolderPath('UserProfile')) '.local/share/powershell/Modules'
    $realBefore = @(Get-ChildItem "$realUserModules/OverlayNet*/*" -Directory -ErrorAction Ignore | ForEach-Object FullName)

    # A new pwsh like this one: `dotnet pwsh.dll` under the dotnet tool (build.ps1), or the pwsh executable.
    $pwshStart = if ((Split-Path -Leaf ([Environment]::ProcessPath)) -like 'dotnet*') { @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll')) } else { @([Environment]::ProcessPath) }
    $scratch = Join-Path ([IO.Path]::GetTempPath()) (New-TestName 'ontpkg')
    $home_ = Join-Path $scratch 'home'
    $data = Join-Path $home_ '.local/share'
    $userModules = Join-Path $data 'powershell/Modules'
    # PSResourceGet falls back to the working directory when the data folder does not exist yet.
    New-Item -ItemType Directory -Force -Path $data, (Join-Path $scratch 'work') | Out-Null

    function Use-ScratchUser([scriptblock] $Script) {
        <# Runs $Script with the scratch folder as the user's home, data folder and module path (pwsh's own kept). #>
        $saved = $env:HOME, $env:XDG_DATA_HOME, $env:PSModulePath
        try {
            $env:HOME = $home_
            $env:XDG_DATA_HOME = $data
            $env:PSModulePath = $userModules + [IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')
            & $Script
        }
        finally { $env:HOME, $env:XDG_DATA_HOME, $env:PSModulePath = $saved }
    }

    function Invoke-FreshPwsh([string] $Script, [string[]] $ArgumentList) {
        <# A new pwsh in the scratch folder (no repository files around), as a user; returns its JSON output. #>
        $file = Join-Path $scratch "step-$([guid]::NewGuid().ToString('N').Substring(0, 6)).ps1"
        # Stop on the first error, after the script's param() block (which must come first).
        $head, $body = if ($Script -match '^param\(') { ($Script -split '\r?\n', 2) } else { '', $Script }
        Set-Content -Path $file -Value "$head`n`$ErrorActionPreference = 'Stop'`n$body"
        $text = Use-ScratchUser {
            Push-Location (Join-Path $scratch 'work')
            try { & $pwshStart[0] @($pwshStart | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file @ArgumentList 2>&1 | Out-String }
            finally { Pop-Location }
        }
        if ($LASTEXITCODE -ne 0) { throw "pwsh $file failed ($LASTEXITCODE): $text" }
        return $text | ConvertFrom-Json
    }

    function Invoke-BuildTask([string] $Task, [hashtable] $Parameters = @{}) {
        # build.ps1 in this process (a pwsh start saved); -NoBuild: the module under test is built already.
        Use-ScratchUser { & (Join-Path $root 'build.ps1') $Task @Parameters -NoBuild *> $null }
    }
}

Describe 'build.ps1 install and uninstall' {
    It 'installs a versioned copy that a new pwsh imports by name, with help, and uninstalls it' {
        Invoke-BuildTask install
        Join-Path $userModules "OverlayNet/$version/OverlayNet.psd1" | Should -Exist
        Join-Path $userModules "OverlayNet/$version/en-US/about_OverlayNet.help.txt" | Should -Exist
        Join-Path $userModules "OverlayNet.Testing/$version/OverlayNet.Testing.psd1" | Should -Exist

        $r = Invoke-FreshPwsh @'
Import-Module OverlayNet
[pscustomobject]@{
    ModuleBase = (Get-Module OverlayNet).ModuleBase
    Cmdlets    = @(Get-Command -Module OverlayNet).Count
    About      = (Get-Help about_OverlayNet | Out-String) -match 'FDB AND NEIGHBOUR TABLES'
    Recipes    = (Get-Help about_OverlayNet_Recipes | Out-String) -match 'bridge fdb append 00:00:00:00:00:00 dev vxlan0'
    Testing    = @(Get-Module -ListAvailable OverlayNet.Testing).Count
} | ConvertTo-Json
'@
        $r.ModuleBase | Should -Be (Join-Path $userModules "OverlayNet/$version")
        $r.Cmdlets | Should -Be $cmdletCount
        $r.About | Should -BeTrue
        $r.Recipes | Should -BeTrue
        $r.Testing | Should -Be 1

        Invoke-BuildTask uninstall
        Join-Path $userModules 'OverlayNet' | Should -Not -Exist
        Join-Path $userModules 'OverlayNet.Testing' | Should -Not -Exist
    }
}

Describe 'build.ps1 package, a local PSResourceGet repository and Install-PSResource' {
    BeforeAll {
        Invoke-BuildTask package
        Invoke-BuildTask package @{ Version = $next }
        $repo = Join-Path $scratch 'repo'
        New-Item -ItemType Directory -Path $repo | Out-Null
        $repoName = New-TestName 'ontrepo'
        Add-Type -AssemblyName System.IO.Compression.FileSystem

        function Read-NupkgEntry([string] $Path, [string] $Entry) {
            $zip = [IO.Compression.ZipFile]::OpenRead($Path)
            try { $reader = [IO.StreamReader]::new($zip.GetEntry($Entry).Open()); try { $reader.ReadToEnd() } finally { $reader.Dispose() } }
            finally { $zip.Dispose() }
        }
    }

    It 'writes one nupkg per module and version, with the manifest''s metadata in the nuspec' {
        foreach ($v in $version, $next) {
            Join-Path $out "OverlayNet.$v.nupkg" | Should -Exist
            Join-Path $out "OverlayNet.Testing.$v.nupkg" | Should -Exist
        }
        $nuspec = [xml](Read-NupkgEntry (Join-Path $out "OverlayNet.$version.nupkg") 'OverlayNet.nuspec')
        $meta = $nuspec.package.metadata
        $meta.id | Should -Be 'OverlayNet'
        $meta.version | Should -Be "$version"
        $tags = $meta.tags -split ' '
        foreach ($t in 'Linux', 'netlink', 'vxlan', 'overlay', 'PSEdition_Core') { $tags | Should -Contain $t }
        $meta.projectUrl | Should -Match '^https://'
        $meta.licenseUrl | Should -Match '^https://.*/LICENSE$'
        $meta.releaseNotes | Should -Match "^$([regex]::Escape("$version"))"
        $meta.description | Should -Match 'Overlay networks on Linux'
        $manifest = Read-NupkgEntry (Join-Path $out "OverlayNet.$version.nupkg") 'OverlayNet.psd1'
        $manifest | Should -Match "CompatiblePSEditions\s*=\s*@\('Core'\)"
        $manifest | Should -Match "PowerShellVersion\s*=\s*'7\.4'"
        Read-NupkgEntry (Join-Path $out "OverlayNet.$next.nupkg") 'OverlayNet.psd1' | Should -Match "ModuleVersion\s*=\s*'$([regex]::Escape("$next"))'"
        $testing = ([xml](Read-NupkgEntry (Join-Path $out "OverlayNet.Testing.$version.nupkg") 'OverlayNet.Testing.nuspec')).package.metadata
        $testing.dependencies.dependency.id | Should -Be 'OverlayNet'
        $testing.dependencies.dependency.version | Should -Be "[$version]"
    }

    It 'publishes both versions to a local repository and installs OverlayNet.Testing with the OverlayNet it needs' {
        $r = Invoke-FreshPwsh -ArgumentList $repoName, $repo, $out, "$version", "$next" @'
param($RepoName, $Repo, $Out, $Version, $Next)
Register-PSResourceRepository -Name $RepoName -Uri $Repo -Trusted
foreach ($v in $Version, $Next) {
    foreach ($name in 'OverlayNet', 'OverlayNet.Testing') {
        Publish-PSResource -NupkgPath (Join-Path $Out "$name.$v.nupkg") -Repository $RepoName
    }
}
Install-PSResource -Name OverlayNet.Testing -Version $Version -Repository $RepoName -Scope CurrentUser -TrustRepository
@(Get-InstalledPSResource | ForEach-Object { "$($_.Name) $($_.Version)" }) | ConvertTo-Json
'@
        @($r | Sort-Object) | Should -Be @("OverlayNet $version", "OverlayNet.Testing $version")
        Join-Path $userModules "OverlayNet/$version/OverlayNet.dll" | Should -Exist
    }

    It 'imports the installed module by name in a fresh pwsh and runs a lab from it' {
        $hostA, $hostB = (New-TestName 'ontpa'), (New-TestName 'ontpb')
        $r = Invoke-FreshPwsh -ArgumentList $hostA, $hostB @'
param($A, $B)
Import-Module OverlayNet
try {
    New-NetNamespace -Name $A, $B | Out-Null
    New-VethLink -Name eth0 -PeerName eth0 -NetNamespace $A -PeerNetNamespace $B -Up | Out-Null
    Enable-IpLink -Name eth0 -NetNamespace $B
    Add-IpAddress -InterfaceName eth0 -IPAddress 10.0.0.1/24 -NetNamespace $A | Out-Null
    Add-IpAddress -InterfaceName eth0 -IPAddress 10.0.0.2/24 -NetNamespace $B | Out-Null
    $replies = @(Test-IpConnectivity -Destination 10.0.0.2 -NetNamespace $A -Count 3 -TimeoutMs 2000 | Where-Object Status -eq Success)
    [pscustomobject]@{
        ModuleBase = (Get-Module OverlayNet).ModuleBase
        Version    = "$((Get-Module OverlayNet).Version)"
        Cmdlets    = @(Get-Command -Module OverlayNet).Count
        Replies    = $replies.Count
        Location   = "$PWD"
    } | ConvertTo-Json
}
finally { Remove-NetNamespace -Name $A, $B -ErrorAction SilentlyContinue }
'@
        try {
            $r.ModuleBase | Should -Be (Join-Path $userModules "OverlayNet/$version")
            $r.Version | Should -Be "$version"
            $r.Cmdlets | Should -Be $cmdletCount
            $r.Replies | Should -BeGreaterThan 0
            $r.Location | Should -Not -BeLike "$root*"
            "/run/netns/$hostA" | Should -Not -Exist
        }
        finally { Remove-TestNamespace $hostA, $hostB }
    }

    It 'installs a second version beside the first; Import-Module takes the newer, the older stays importable' {
        Invoke-FreshPwsh -ArgumentList $repoName, "$next" @'
param($RepoName, $Next)
Install-PSResource -Name OverlayNet -Version $Next -Repository $RepoName -Scope CurrentUser -TrustRepository
'null'
'@ | Out-Null
        $r = Invoke-FreshPwsh -ArgumentList "$version" @'
param($Version)
$available = @(Get-Module -ListAvailable OverlayNet | ForEach-Object { "$($_.Version)" })
Import-Module OverlayNet
$loaded = "$((Get-Module OverlayNet).Version)"
[pscustomobject]@{ Available = $available; Loaded = $loaded; Base = (Get-Module OverlayNet).ModuleBase } | ConvertTo-Json
'@
        @($r.Available | Sort-Object) | Should -Be @("$version", "$next")
        $r.Loaded | Should -Be "$next"
        $r.Base | Should -Be (Join-Path $userModules "OverlayNet/$next")
        $older = Invoke-FreshPwsh -ArgumentList "$version" @'
param($Version)
Import-Module OverlayNet -RequiredVersion $Version
"$((Get-Module OverlayNet).Version)" | ConvertTo-Json
'@
        $older | Should -Be "$version"
    }
}

AfterAll {
    if ($scratch -and (Test-Path $scratch)) { Remove-Item $scratch -Recurse -Force }
    @(Get-ChildItem "$realUserModules/OverlayNet*/*" -Directory -ErrorAction Ignore | ForEach-Object FullName) |
        Should -Be $realBefore -Because 'the real user''s module folder must be left as it was'
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
