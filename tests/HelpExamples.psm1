<#
    Reads the examples of module/help/*.md and runs them in throw-away namespaces. Used by
    tests/integration/HelpExamples.Tests.ps1 and by tools/Test-HelpExamples.ps1 (which prints the output).

    Every example runs inside a fresh namespace that stands for "the host" (through Invoke-NetNamespace), so
    what an example creates without -NetNamespace lands there, never in the caller's namespace. Namespace
    names the examples use (ns0, ns1, nginx...) are replaced by unique names for the run. An example may
    carry, after its code, HTML comments that the MAML build drops:
        <!-- setup: PowerShell run first, in the same place ($HostNamespace names "the host") -->
        <!-- skip: why this example cannot run here -->
    Every namespace made for a run is removed afterwards, even on failure.
#>

# Namespace names used in examples; each is made unique per run ('ns*' keeps wildcard examples in bounds).
$script:NamespaceWords = 'ns*', 'ns0', 'ns1', 'ns2', 'nginx', 'node1', 'node2', '1-cc6f2cb10d', '1-afea471bd0'

function Get-HelpExample {
    param([Parameter(Mandatory)] [string] $HelpDirectory, [string[]] $Name = '*')
    foreach ($file in Get-ChildItem $HelpDirectory -Filter '*.md' | Where-Object BaseName -ne '_common' | Sort-Object Name) {
        if (-not ($Name | Where-Object { $file.BaseName -like $_ })) { continue }
        $examples = ((Get-Content -Raw $file.FullName) -split '(?m)^## EXAMPLES\s*$', 2)[1]
        if (-not $examples) { continue }
        foreach ($section in ($examples -split '(?m)^### ') | Select-Object -Skip 1) {
            [pscustomobject]@{
                Command = $file.BaseName
                Title   = ($section -split '\r?\n', 2)[0].Trim()
                Code    = if ($section -match '(?s)```powershell\r?\n(.*?)```') { $Matches[1] } else { '' }
                Setup   = if ($section -match '(?s)<!--\s*setup:(.*?)-->') { $Matches[1].Trim() } else { '' }
                Skip    = if ($section -match '(?s)<!--\s*skip:(.*?)-->') { $Matches[1].Trim() } else { '' }
            }
        }
    }
}

function Invoke-HelpExample {
    <# Runs one example; returns its output (errors excluded) and its errors. Needs OverlayNet imported. #>
    param([Parameter(Mandatory)] $Example)
    $run = 'dx' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $hostNs = "$run-host"
    $rename = {
        param([string] $Text)
        foreach ($word in $script:NamespaceWords) {
            $Text = $Text -replace "(?<![\w-])$([regex]::Escape($word))(?![\w-])", "$run-$word"
        }
        $Text
    }
    $script = "param(`$HostNamespace)`n" + (& $rename $Example.Setup) + "`n" + (& $rename $Example.Code)
    $errors = @()
    $output = @()
    try {
        & ip netns add $hostNs
        & ip -n $hostNs link set lo up
        $all = Invoke-NetNamespace -Name $hostNs -ScriptBlock ([scriptblock]::Create($script)) -ArgumentList $hostNs 2>&1
        $output = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
        $errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
    }
    catch {
        $errors += $_
    }
    finally {
        # The host and whatever the example created under the renamed names.
        Get-ChildItem /run/netns -Filter "$run-*" -ErrorAction SilentlyContinue | ForEach-Object { & ip netns del $_.Name }
    }
    [pscustomobject]@{ Output = $output; Errors = $errors }
}

Export-ModuleMember -Function Get-HelpExample, Invoke-HelpExample
