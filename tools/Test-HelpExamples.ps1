<#
.SYNOPSIS
    Runs the examples of module/help/*.md against the built module, each in throw-away namespaces.
.DESCRIPTION
    Every example runs inside a fresh namespace that stands for "the host" (through Invoke-NetNamespace),
    so what an example creates without -NetNamespace lands there and never in the caller's namespace.
    Namespace names the examples use (ns0, ns1, nginx...) are replaced by unique names for the run.
    An example may carry, after its code, an HTML comment that the MAML build drops:
        <!-- setup: PowerShell run before the example, in the same place ($HostNamespace names "the host") -->
        <!-- skip: why this example cannot run here -->
    Every namespace made for a run is removed afterwards, even on failure. Prints each example's output as
    a 100-column table and ends with "N passed, N failed, N skipped"; exits 1 on any failure.
.EXAMPLE
    dotnet pwsh tools/Test-HelpExamples.ps1 -ModulePath out/OverlayNet -Name New-VethLink
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [string] $HelpDirectory = (Join-Path $PSScriptRoot '../module/help'),
    # Only the help files of these cmdlets (wildcards allowed).
    [string[]] $Name = '*'
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force

# Namespace names used in examples; each is made unique per example run.
$namespaceWords = 'ns*', 'ns0', 'ns1', 'ns2', 'nginx', 'node1', 'node2', '1-cc6f2cb10d', '1-afea471bd0'

function Get-HelpExample([string] $Path) {
    $text = Get-Content -Raw $Path
    $examples = ($text -split '(?m)^## EXAMPLES\s*$', 2)[1]
    if (-not $examples) { return }
    foreach ($section in ($examples -split '(?m)^### ') | Select-Object -Skip 1) {
        $title = ($section -split '\r?\n', 2)[0].Trim()
        $code = if ($section -match '(?s)```powershell\r?\n(.*?)```') { $Matches[1] } else { '' }
        [pscustomobject]@{
            Title = $title
            Code  = $code
            Setup = if ($section -match '(?s)<!--\s*setup:(.*?)-->') { $Matches[1].Trim() } else { '' }
            Skip  = if ($section -match '(?s)<!--\s*skip:(.*?)-->') { $Matches[1].Trim() } else { '' }
        }
    }
}

function Rename-Namespaces([string] $Text, [hashtable] $Map) {
    foreach ($k in $Map.Keys) { $Text = $Text -replace "(?<![\w-])$([regex]::Escape($k))(?![\w-])", $Map[$k] }
    return $Text
}

$passed = 0; $failed = 0; $skipped = 0
foreach ($file in Get-ChildItem $HelpDirectory -Filter '*.md' | Where-Object { $_.BaseName -ne '_common' } | Sort-Object Name) {
    if (-not ($Name | Where-Object { $file.BaseName -like $_ })) { continue }
    foreach ($ex in Get-HelpExample $file.FullName) {
        $label = "$($file.BaseName): $($ex.Title)"
        if ($ex.Skip) { Write-Host "SKIP  $label ($($ex.Skip))"; $skipped++; continue }
        $run = 'dx' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $hostNs = "$run-host"
        $map = @{}
        foreach ($word in $namespaceWords) { $map[$word] = "$run-$word" }
        $script = "param(`$HostNamespace)`n" + (Rename-Namespaces "$($ex.Setup)`n" $map) + "`n" + (Rename-Namespaces $ex.Code $map)
        Write-Host "----  $label"
        $errors = $null
        try {
            & ip netns add $hostNs
            & ip -n $hostNs link set lo up
            $out = Invoke-NetNamespace -Name $hostNs -ScriptBlock ([scriptblock]::Create($script)) -ArgumentList $hostNs -ErrorVariable errors 2>&1
            $out | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] } | Out-String -Width 100 | Write-Host
        }
        catch {
            $errors = @($_)
        }
        finally {
            # Every namespace of this run: the host and whatever the example created under the mapped names.
            Get-ChildItem /run/netns -Filter "$run-*" -ErrorAction SilentlyContinue | ForEach-Object { & ip netns del $_.Name }
        }
        if ($errors) {
            $errors | ForEach-Object { Write-Host "      error: $_" }
            Write-Host "FAIL  $label"
            $failed++
        }
        else {
            Write-Host "PASS  $label"
            $passed++
        }
    }
}
Write-Host ("{0} passed, {1} failed, {2} skipped" -f $passed, $failed, $skipped)
if ($failed) { exit 1 }
