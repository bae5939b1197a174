<#
.SYNOPSIS
    Second half of the build: reads the compiled cmdlets and writes the module manifest (with an explicit
    export list) and the MAML help (from module/help/*.md) into the built module folder.
.DESCRIPTION
    Help sources are markdown files, one per cmdlet, in this shape:
        # Verb-Noun
        ## SYNOPSIS        one paragraph
        ## DESCRIPTION     paragraphs
        ## PARAMETERS      ### -Name sections, one per parameter
        ## EXAMPLES        ### title sections, each a ```powershell block followed by remarks
        ## NOTES           optional
    Parameters shared by many cmdlets (-NetNamespace, -WhatIf...) are described once in module/help/_common.md.
    Types, positions, pipeline input and mandatory flags come from the compiled cmdlet, so help never
    disagrees with the code.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleDirectory,
    [Parameter(Mandatory)] [string] $SourceDirectory
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

Import-Module (Join-Path $ModuleDirectory 'OverlayNet.dll') -Force
$commands = Get-Command -Module OverlayNet -CommandType Cmdlet | Sort-Object Name

# --- manifest --------------------------------------------------------------------------------------
$template = Get-Content -Raw (Join-Path $SourceDirectory 'OverlayNet.psd1')
$list = ($commands | ForEach-Object { "'$($_.Name)'" }) -join ",`n        "
$manifest = $template.Replace('<#CMDLETS#>', "`n        $list`n    ")
Set-Content -Path (Join-Path $ModuleDirectory 'OverlayNet.psd1') -Value $manifest -Encoding utf8NoBOM

# --- help --------------------------------------------------------------------------------------------
function Read-HelpSource([string] $Path) {
    $doc = @{ SYNOPSIS = ''; DESCRIPTION = ''; NOTES = ''; PARAMETERS = @{}; EXAMPLES = [System.Collections.Generic.List[object]]::new() }
    if (-not (Test-Path $Path)) { return $doc }
    $section = $null; $sub = $null; $buffer = [System.Text.StringBuilder]::new()
    $flush = {
        $text = $buffer.ToString().Trim()
        if ($section -eq 'PARAMETERS' -and $sub) { $doc.PARAMETERS[$sub.TrimStart('-')] = $text }
        elseif ($section -eq 'EXAMPLES' -and $sub) {
            $code = ''; $remarks = $text
            if ($text -match '(?s)```(?:powershell)?\r?\n(.*?)```(.*)$') { $code = $Matches[1].TrimEnd(); $remarks = $Matches[2].Trim() }
            $doc.EXAMPLES.Add([pscustomobject]@{ Title = $sub; Code = $code; Remarks = $remarks })
        }
        elseif ($section -and $section -in 'SYNOPSIS', 'DESCRIPTION', 'NOTES') { $doc[$section] = $text }
        [void]$buffer.Clear()
    }
    foreach ($line in Get-Content $Path) {
        if ($line -match '^## (\w+)') { & $flush; $section = $Matches[1].ToUpperInvariant(); $sub = $null; continue }
        if ($line -match '^### (.+)$' -and $section -in 'PARAMETERS', 'EXAMPLES') { & $flush; $sub = $Matches[1].Trim(); continue }
        if ($line -match '^# ') { continue }
        [void]$buffer.AppendLine($line)
    }
    & $flush
    return $doc
}

$common = Read-HelpSource (Join-Path $SourceDirectory 'help/_common.md')
$commonParameters = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name + 'WhatIf', 'Confirm'
$mamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$cmdNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$devNs = 'http://schemas.microsoft.com/maml/dev/2004/10'

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$helpDir = Join-Path $ModuleDirectory 'en-US'
New-Item -ItemType Directory -Force -Path $helpDir | Out-Null
$w = [System.Xml.XmlWriter]::Create((Join-Path $helpDir 'OverlayNet.dll-Help.xml'), $settings)

function Write-Paras([string] $Element, [string] $Text) {
    $w.WriteStartElement('maml', $Element, $mamlNs)
    foreach ($p in ($Text -split '\r?\n\s*\r?\n')) { $w.WriteElementString('maml', 'para', $mamlNs, ($p -replace '\r?\n', ' ').Trim()) }
    $w.WriteEndElement()
}

function Write-Parameter($cmd, $param, $set, [string] $Text) {
    $attr = $set.Parameters | Where-Object Name -eq $param.Name
    $pipe = @()
    if ($attr.ValueFromPipeline) { $pipe += 'ByValue' }
    if ($attr.ValueFromPipelineByPropertyName) { $pipe += 'ByPropertyName' }
    $w.WriteStartElement('command', 'parameter', $cmdNs)
    $w.WriteAttributeString('required', $attr.IsMandatory.ToString().ToLowerInvariant())
    $w.WriteAttributeString('position', $(if ($attr.Position -ge 0) { "$($attr.Position)" } else { 'named' }))
    $w.WriteAttributeString('pipelineInput', $(if ($pipe) { "True ($($pipe -join ', '))" } else { 'False' }))
    $w.WriteAttributeString('globbing', 'false')
    $w.WriteAttributeString('aliases', $(if ($param.Aliases.Count) { $param.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $mamlNs, $param.Name)
    Write-Paras 'description' $Text
    $w.WriteStartElement('command', 'parameterValue', $cmdNs)
    $w.WriteAttributeString('required', ($param.ParameterType -ne [switch]).ToString().ToLowerInvariant())
    $w.WriteString($param.ParameterType.Name)
    $w.WriteEndElement()
    $w.WriteStartElement('dev', 'type', $devNs)
    $w.WriteElementString('maml', 'name', $mamlNs, $param.ParameterType.FullName)
    $w.WriteEndElement()
    $w.WriteEndElement()
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
foreach ($cmd in $commands) {
    $src = Read-HelpSource (Join-Path $SourceDirectory "help/$($cmd.Name).md")
    $w.WriteStartElement('command', 'command', $cmdNs)
    $w.WriteAttributeString('xmlns', 'maml', $null, $mamlNs)
    $w.WriteAttributeString('xmlns', 'dev', $null, $devNs)
    $w.WriteStartElement('command', 'details', $cmdNs)
    $w.WriteElementString('command', 'name', $cmdNs, $cmd.Name)
    $w.WriteElementString('command', 'verb', $cmdNs, $cmd.Verb)
    $w.WriteElementString('command', 'noun', $cmdNs, $cmd.Noun)
    Write-Paras 'description' $src.SYNOPSIS
    $w.WriteEndElement()
    Write-Paras 'description' $src.DESCRIPTION

    $own = { param($p) $p.Name -notin $commonParameters }
    $w.WriteStartElement('command', 'syntax', $cmdNs)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $cmdNs)
        $w.WriteElementString('maml', 'name', $mamlNs, $cmd.Name)
        foreach ($p in $set.Parameters | Where-Object { & $own $_ }) {
            $text = if ($src.PARAMETERS.ContainsKey($p.Name)) { $src.PARAMETERS[$p.Name] } else { $common.PARAMETERS[$p.Name] }
            Write-Parameter $cmd $cmd.Parameters[$p.Name] $set $text
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $cmdNs)
    foreach ($p in $cmd.Parameters.Values | Where-Object { & $own $_ } | Sort-Object Name) {
        $set = $cmd.ParameterSets | Where-Object { $_.Parameters.Name -contains $p.Name } | Select-Object -First 1
        $text = if ($src.PARAMETERS.ContainsKey($p.Name)) { $src.PARAMETERS[$p.Name] } else { $common.PARAMETERS[$p.Name] }
        Write-Parameter $cmd $p $set $text
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'returnValues', $cmdNs)
    foreach ($t in $cmd.OutputType) {
        $w.WriteStartElement('command', 'returnValue', $cmdNs)
        $w.WriteStartElement('dev', 'type', $devNs)
        $w.WriteElementString('maml', 'name', $mamlNs, $t.Name)
        $w.WriteEndElement(); $w.WriteEndElement()
    }
    $w.WriteEndElement()

    if ($src.NOTES) {
        $w.WriteStartElement('maml', 'alertSet', $mamlNs)
        $w.WriteStartElement('maml', 'alert', $mamlNs)
        Write-Paras 'description' $src.NOTES
        $w.WriteEndElement(); $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'examples', $cmdNs)
    $i = 0
    foreach ($ex in $src.EXAMPLES) {
        $i++
        $w.WriteStartElement('command', 'example', $cmdNs)
        $w.WriteElementString('maml', 'title', $mamlNs, "-------------------------- Example ${i}: $($ex.Title) --------------------------")
        $w.WriteElementString('dev', 'code', $devNs, $ex.Code)
        $w.WriteStartElement('dev', 'remarks', $devNs)
        foreach ($p in ($ex.Remarks -split '\r?\n\s*\r?\n')) { $w.WriteElementString('maml', 'para', $mamlNs, ($p -replace '\r?\n', ' ').Trim()) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Close()
