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
        ## OUTPUTS         optional: what the output objects are (the types come from [OutputType])
        ## NOTES           optional
    Paragraphs are separated by blank lines; lines of one paragraph are joined. A line starting with "- "
    starts a paragraph of its own, so short lists survive.
    Parameters shared by many cmdlets (-NetNamespace, -WhatIf...) are described once in module/help/_common.md.
    Types, positions, pipeline input, wildcard support, enum choices, mandatory flags and the INPUTS
    section come from the compiled cmdlet, so help never disagrees with the code. -WhatIf and -Confirm
    are documented from _common.md like other parameters (Get-Help does not count them as common).
    A parameter described nowhere is reported as a warning.
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

# --- list views --------------------------------------------------------------------------------------
# Format-List would show a type's properties in reflection order: a VXLAN link's Vni... before its Name, and
# plumbing (MasterIndex, Flags) among them. For every type with a table view, a list view is generated: the
# table's columns first, then the rest with the base type's before the kind's own, plumbing last. Generated
# here, from the compiled types, so a new property or a new type needs no list view written by hand.
$formatPath = Join-Path $ModuleDirectory 'OverlayNet.Format.ps1xml'
$format = [xml](Get-Content -Raw $formatPath)
$assemblies = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -like 'OverlayNet*' }
$plumbing = '^(MasterIndex|ParentIndex|DeviceIndex|ViaIndex|BridgeIndex|PeerIndex|LinkNetNsId|Flags|LinkType|SlaveKind)$'
$views = $format.Configuration.ViewDefinitions
foreach ($view in @($views.SelectNodes('View[TableControl]'))) {
    $typeName = $view.SelectSingleNode('ViewSelectedBy/TypeName').InnerText
    $type = $assemblies | ForEach-Object { $_.GetType($typeName) } | Where-Object { $_ } | Select-Object -First 1
    if (-not $type) { continue }
    $first = foreach ($item in $view.SelectNodes('TableControl/TableRowEntries/TableRowEntry/TableColumnItems/TableColumnItem')) {
        $property = $item.SelectSingleNode('PropertyName')
        $script = $item.SelectSingleNode('ScriptBlock')
        if ($property) { $property.InnerText }
        elseif ($script -and $script.InnerText -match '^\s*\$_\.(\w+)\s*$') { $Matches[1] }
    }
    # Base type's properties first (Name, Index... before a kind's Vni), each type's in declaration order.
    $chain = for ($t = $type; $t -and $t -ne [object]; $t = $t.BaseType) { $t }
    [array]::Reverse($chain)
    $all = foreach ($t in $chain) {
        $t.GetProperties([System.Reflection.BindingFlags]'Public,Instance,DeclaredOnly') |
            Where-Object { $_.GetIndexParameters().Length -eq 0 } | ForEach-Object Name
    }
    $all = @($all | Select-Object -Unique)
    $ordered = @($first | Where-Object { $_ -in $all }) + @($all | Where-Object { $_ -notin $first -and $_ -notmatch $plumbing }) +
        @($all | Where-Object { $_ -notin $first -and $_ -match $plumbing })
    $list = $format.CreateElement('View')
    $list.InnerXml = "<Name>$typeName.List</Name><ViewSelectedBy><TypeName>$typeName</TypeName></ViewSelectedBy>" +
        '<ListControl><ListEntries><ListEntry><ListItems>' +
        (($ordered | Select-Object -Unique | ForEach-Object { "<ListItem><PropertyName>$_</PropertyName></ListItem>" }) -join '') +
        '</ListItems></ListEntry></ListEntries></ListControl>'
    [void]$views.AppendChild($list)
}
# Written without indentation: PowerShell walks every node of a format file on Import-Module, and the
# indentation's whitespace nodes cost about 20 ms of a script's first import (bench/Import.Bench.ps1). The
# sources in module/formats stay indented for reading.
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $false; Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create($formatPath, $settings)
try { $format.Save($writer) } finally { $writer.Dispose() }

# --- help --------------------------------------------------------------------------------------------
function Read-HelpSource([string] $Path) {
    $doc = @{ SYNOPSIS = ''; DESCRIPTION = ''; OUTPUTS = ''; NOTES = ''; PARAMETERS = @{}; EXAMPLES = [System.Collections.Generic.List[object]]::new() }
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
        elseif ($section -and $section -in 'SYNOPSIS', 'DESCRIPTION', 'OUTPUTS', 'NOTES') { $doc[$section] = $text }
        [void]$buffer.Clear()
    }
    # HTML comments are for readers of the source only (tools/Test-HelpExamples.ps1 keeps example set-up there).
    $lines = (Get-Content -Raw $Path) -replace '(?s)<!--.*?-->', '' -split '\r?\n'
    $inCode = $false
    foreach ($line in $lines) {
        # Inside a ``` block every line is code: "# ip link add ..." is a comment of the example, not a heading.
        if ($line -match '^\s*```') { $inCode = -not $inCode }
        elseif (-not $inCode) {
            if ($line -match '^## (\w+)') { & $flush; $section = $Matches[1].ToUpperInvariant(); $sub = $null; continue }
            if ($line -match '^### (.+)$' -and $section -in 'PARAMETERS', 'EXAMPLES') { & $flush; $sub = $Matches[1].Trim(); continue }
            if ($line -match '^# ') { continue }
        }
        [void]$buffer.AppendLine($line)
    }
    & $flush
    return $doc
}

$common = Read-HelpSource (Join-Path $SourceDirectory 'help/_common.md')
# -Verbose, -ErrorAction... are PowerShell's own and Get-Help lists them as <CommonParameters>; -WhatIf and
# -Confirm are not among them, so they are documented like any other parameter (text from _common.md).
$commonParameters = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name
$mamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$cmdNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$devNs = 'http://schemas.microsoft.com/maml/dev/2004/10'

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$helpDir = Join-Path $ModuleDirectory 'en-US'
New-Item -ItemType Directory -Force -Path $helpDir | Out-Null
$w = [System.Xml.XmlWriter]::Create((Join-Path $helpDir 'OverlayNet.dll-Help.xml'), $settings)

function Split-Paras([string] $Text) {
    # Blank lines separate paragraphs; a "- " line (a list item) starts one of its own.
    foreach ($p in ($Text -split '\r?\n\s*\r?\n|\r?\n(?=\s*- )')) {
        $joined = ($p -replace '\r?\n\s*', ' ').Trim()
        if ($joined) { $joined }
    }
}

function Write-Paras([string] $Element, [string] $Text) {
    $w.WriteStartElement('maml', $Element, $mamlNs)
    foreach ($p in Split-Paras $Text) { $w.WriteElementString('maml', 'para', $mamlNs, $p) }
    $w.WriteEndElement()
}

$script:undescribed = [System.Collections.Generic.HashSet[string]]::new()
function Get-ParameterText($src, [string] $Name) {
    if ($src.PARAMETERS.ContainsKey($Name)) { return $src.PARAMETERS[$Name] }
    if ($common.PARAMETERS.ContainsKey($Name)) { return $common.PARAMETERS[$Name] }
    if ($script:undescribed.Add("$($cmd.Name) -$Name")) {
        Write-Warning "Help for $($cmd.Name) does not describe -$Name (module/help/$($cmd.Name).md or _common.md)."
    }
    return ''
}

function Get-TypeLabel([type] $Type) {
    # What a user types: Int32 rather than Nullable`1, String[] for arrays.
    $inner = [Nullable]::GetUnderlyingType($Type)
    if ($inner) { return $inner.Name }
    return $Type.Name
}

function Get-PipelineProperty($cmd, [string] $Name) {
    # [PipelineProperty] parameters are bound from piped objects (their properties, or a bare string for
    # ByValue) by the module itself, not by PowerShell; the help describes them the same way.
    $prop = $cmd.ImplementingType.GetProperty($Name)
    if ($prop) { $prop.GetCustomAttributes($true) | Where-Object { $_.GetType().Name -eq 'PipelinePropertyAttribute' } }
}

function Write-Parameter($cmd, $param, $set, [string] $Text, [switch] $InSyntax) {
    $attr = $set.Parameters | Where-Object Name -eq $param.Name
    $pipe = @()
    $own = Get-PipelineProperty $cmd $param.Name
    if ($attr.ValueFromPipeline -or ($own -and $own.ByValue)) { $pipe += 'ByValue' }
    if ($attr.ValueFromPipelineByPropertyName -or $own) { $pipe += 'ByPropertyName' }
    $isSwitch = $param.SwitchParameter
    $valueType = [Nullable]::GetUnderlyingType($param.ParameterType) ?? $param.ParameterType
    $wildcards = [bool]($param.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $w.WriteStartElement('command', 'parameter', $cmdNs)
    $required = $attr.IsMandatory -or ($own -and $own.Required)
    $w.WriteAttributeString('required', $required.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', $param.ParameterType.IsArray.ToString().ToLowerInvariant())
    $w.WriteAttributeString('position', $(if ($attr.Position -ge 0) { "$($attr.Position)" } else { 'named' }))
    $w.WriteAttributeString('pipelineInput', $(if ($pipe) { "True ($($pipe -join ', '))" } else { 'False' }))
    $w.WriteAttributeString('globbing', $wildcards.ToString().ToLowerInvariant())
    $w.WriteAttributeString('aliases', $(if ($param.Aliases.Count) { $param.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $mamlNs, $param.Name)
    Write-Paras 'description' $Text
    if ($InSyntax -and $valueType.IsEnum) {
        # Get-Help shows the choices in the syntax line: -Scope {Global | Site | Link | Host | Nowhere}
        $w.WriteStartElement('command', 'parameterValueGroup', $cmdNs)
        foreach ($v in [Enum]::GetNames($valueType)) {
            $w.WriteStartElement('command', 'parameterValue', $cmdNs)
            $w.WriteAttributeString('required', 'false')
            $w.WriteAttributeString('variableLength', 'false')
            $w.WriteString($v)
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    elseif (-not ($InSyntax -and $isSwitch)) {
        # A switch takes no value: the syntax line shows [-PassThru], the parameter list [-PassThru <SwitchParameter>].
        $w.WriteStartElement('command', 'parameterValue', $cmdNs)
        $w.WriteAttributeString('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $w.WriteAttributeString('variableLength', $param.ParameterType.IsArray.ToString().ToLowerInvariant())
        $w.WriteString((Get-TypeLabel $param.ParameterType))
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $devNs)
    $w.WriteElementString('maml', 'name', $mamlNs, $valueType.FullName)
    $w.WriteEndElement()
    if ($isSwitch) { $w.WriteElementString('dev', 'defaultValue', $devNs, 'False') }
    $w.WriteEndElement()
}

function Write-TypeList([string] $ListElement, [string] $ItemElement, $Items) {
    # Items: objects with Name and Description.
    $w.WriteStartElement('command', $ListElement, $cmdNs)
    foreach ($item in $Items) {
        $w.WriteStartElement('command', $ItemElement, $cmdNs)
        $w.WriteStartElement('dev', 'type', $devNs)
        $w.WriteElementString('maml', 'name', $mamlNs, $item.Name)
        $w.WriteEndElement()
        Write-Paras 'description' $item.Description
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
}

function Get-InputTypes($cmd, $own) {
    $params = $cmd.Parameters.Values | Where-Object { & $own $_ }
    $byValue = $params | Where-Object { ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.ValueFromPipeline }) -or ((Get-PipelineProperty $cmd $_.Name) | Where-Object ByValue) }
    foreach ($p in $byValue) {
        $type = [Nullable]::GetUnderlyingType($p.ParameterType) ?? $p.ParameterType
        [pscustomobject]@{ Name = $type.FullName; Description = "Bound to -$($p.Name)." }
    }
    $byName = @($params | Where-Object { ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.ValueFromPipelineByPropertyName }) -or (Get-PipelineProperty $cmd $_.Name) } |
        Sort-Object Name | ForEach-Object { $_.Name })
    if ($byName) {
        [pscustomobject]@{
            Name        = 'System.Management.Automation.PSObject'
            Description = "Any object with properties named like these parameters (or their aliases), bound by property name: $($byName -join ', ')."
        }
    }
    if (-not $byValue -and -not $byName) { [pscustomobject]@{ Name = 'None'; Description = 'This cmdlet takes no pipeline input.' } }
}

function Get-OutputTypes($cmd, [string] $Text) {
    $types = @($cmd.OutputType | Where-Object { $_.Type -ne [void] })
    if (-not $types) { return [pscustomobject]@{ Name = 'None'; Description = $(if ($Text) { $Text } else { 'This cmdlet outputs nothing.' }) } }
    foreach ($t in $types) { [pscustomobject]@{ Name = $t.Name; Description = $Text } }
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
foreach ($cmd in $commands) {
    $srcPath = Join-Path $SourceDirectory "help/$($cmd.Name).md"
    if (-not (Test-Path $srcPath)) { Write-Warning "No help source for $($cmd.Name): $srcPath." }
    $src = Read-HelpSource $srcPath
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
        # As PowerShell prints syntax: positional parameters in position order, then mandatory ones, then the rest.
        $ordered = $set.Parameters | Where-Object { & $own $_ } |
            Sort-Object -Stable @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -not $_.IsMandatory } }
        foreach ($p in $ordered) {
            Write-Parameter $cmd $cmd.Parameters[$p.Name] $set (Get-ParameterText $src $p.Name) -InSyntax
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $cmdNs)
    foreach ($p in $cmd.Parameters.Values | Where-Object { & $own $_ } | Sort-Object Name) {
        $set = $cmd.ParameterSets | Where-Object { $_.Parameters.Name -contains $p.Name } | Select-Object -First 1
        Write-Parameter $cmd $p $set (Get-ParameterText $src $p.Name)
    }
    $w.WriteEndElement()

    Write-TypeList 'inputTypes' 'inputType' (Get-InputTypes $cmd $own)
    Write-TypeList 'returnValues' 'returnValue' (Get-OutputTypes $cmd $src.OUTPUTS)

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
        foreach ($p in Split-Paras $ex.Remarks) { $w.WriteElementString('maml', 'para', $mamlNs, $p) }
        $w.WriteElementString('maml', 'para', $mamlNs, '') # a blank line before the next example's title
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Close()
