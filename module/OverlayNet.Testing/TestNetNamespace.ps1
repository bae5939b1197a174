<#
    Throw-away network namespaces for Pester tests.

    Ownership: a namespace belongs to the Pester test that made it (called in It / BeforeEach) or else to the
    block (called in BeforeAll), and is removed right after that test's AfterEach or that block's AfterAll.
    Pester 5 has no public hook for "this block ended", so the module adds a small plugin to the running
    Invoke-Pester's plugin list (the mechanism Pester's own Mock cleanup uses); its teardown steps run after
    every test and block, failed or not. The list of namespaces lives on that plugin object, not in this
    module's script scope, so `Import-Module OverlayNet.Testing -Force` in another file cannot orphan them.

    Interrupts: Ctrl+C skips Pester's teardowns, and a killed process runs nothing. So every namespace is also
    recorded in /run/overlaynet/testing/<name> with the pid and start time of its process: the next
    New-TestNetNamespace (in any process) removes namespaces whose process is gone, and in the same process
    those of an earlier Invoke-Pester run that never reached its end. A pwsh that exits removes its own.
#>

$script:RecordDirectory = '/run/overlaynet/testing'
# Namespaces made outside Invoke-Pester: removed by Remove-TestNetNamespace or when pwsh exits.
$script:Unowned = [System.Collections.Generic.List[string]]::new()
$script:PluginName = 'OverlayNet.Testing'

function Get-ProcessStartTime([int] $ProcessId) {
    # Field 22 of /proc/PID/stat (after the parenthesised command name, which may hold spaces): it tells a
    # reused pid from the process that wrote the record.
    $stat = Get-Content -Raw "/proc/$ProcessId/stat" -ErrorAction Ignore
    if (-not $stat) { return $null }
    return ($stat.Substring($stat.LastIndexOf(')') + 2) -split ' ')[19]
}

function Get-PesterRunState {
    # The state of the Invoke-Pester that is running this code, or $null outside Pester. Pester keeps it in
    # a variable of its own call frames; a script block run in Pester's module scope sees them.
    $pester = Get-Module Pester
    if (-not $pester) { return $null }
    return & $pester { if (Test-Path variable:state) { $state } }
}

function Remove-RecordedNamespace([string] $Name) {
    if (Test-Path "/run/netns/$Name") {
        Remove-NetNamespace -Name $Name -Confirm:$false -ErrorAction SilentlyContinue
        if (Test-Path "/run/netns/$Name") { Write-Warning "Could not remove test namespace $Name." }
    }
    Remove-Item (Join-Path $script:RecordDirectory $Name) -Force -ErrorAction Ignore
}

function Get-TestNetNamespacePlugin($State) {
    <# Our plugin in this run's plugin list, added on first use. Its steps remove what the test/block owned. #>
    $plugin = @($State.Plugin) | Where-Object { $_ -and $_.PSObject.Properties['Name'] -and $_.Name -eq $script:PluginName } | Select-Object -First 1
    if ($plugin) { return $plugin }

    $owned = [System.Collections.Generic.List[object]]::new()   # { Name; Owner (a Pester test or block) }
    $remove = ${function:Remove-RecordedNamespace}
    $removeOwnedBy = {
        param($Owner)
        foreach ($entry in @($owned)) {
            # $null owner: the container ended, so everything the run still holds goes.
            if ($null -eq $Owner -or [object]::ReferenceEquals($entry.Owner, $Owner)) {
                & $remove $entry.Name
                [void]$owned.Remove($entry)
            }
        }
    }.GetNewClosure()
    $plugin = [pscustomobject]@{
        PSTypeName           = 'Plugin'
        Name                 = $script:PluginName
        Owned                = $owned
        RunId                = [guid]::NewGuid().ToString('N')
        EachTestTeardownEnd  = { param($Context) & $removeOwnedBy $Context.Test }.GetNewClosure()
        EachBlockTeardownEnd = { param($Context) & $removeOwnedBy $Context.Block }.GetNewClosure()
        ContainerRunEnd      = { param($Context) & $removeOwnedBy $null }.GetNewClosure()
    }
    $State.Plugin = @($State.Plugin) + $plugin
    return $plugin
}

function Remove-OrphanedTestNetNamespace([string] $CurrentRunId) {
    <# Namespaces whose process is gone, or (same process) whose Invoke-Pester run was interrupted. #>
    if (-not (Test-Path $script:RecordDirectory)) { return }
    foreach ($file in Get-ChildItem $script:RecordDirectory -File) {
        $record = try { Get-Content -Raw $file.FullName | ConvertFrom-Json } catch { $null }
        if (-not $record) { continue }
        $alive = (Get-ProcessStartTime $record.ProcessId) -eq $record.StartTime
        $interruptedRun = $alive -and $record.ProcessId -eq $PID -and $record.RunId -and $record.RunId -ne $CurrentRunId
        if (-not $alive -or $interruptedRun) { Remove-RecordedNamespace $file.Name }
    }
}

function New-TestNetNamespace {
    <#
    .SYNOPSIS
        Creates network namespaces with unique names for a test, removed again when the Pester test or block
        that made them ends.
    .DESCRIPTION
        Each namespace is a fresh "host" with its loopback up. Call it in BeforeAll for namespaces the whole
        Describe/Context shares (removed after its AfterAll), or in BeforeEach/It for one test's (removed after
        its AfterEach). Outside Invoke-Pester they live until Remove-TestNetNamespace or the end of the session.
        Namespaces left by an interrupted or killed run are removed by the next call, in any process.
    .PARAMETER Count
        How many namespaces to create (1 to 64).
    .PARAMETER Prefix
        The start of each name; a random suffix follows ("ont-1f3a9c2e").
    .EXAMPLE
        BeforeAll { $hostA, $hostB = New-TestNetNamespace -Count 2 }
    .OUTPUTS
        System.String: the namespace names, for -NetNamespace.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [ValidateRange(1, 64)]
        [int] $Count = 1,
        [ValidatePattern('^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$')]
        [string] $Prefix = 'ont'
    )
    $state = Get-PesterRunState
    $plugin = if ($state) { Get-TestNetNamespacePlugin $state }
    Remove-OrphanedTestNetNamespace -CurrentRunId $(if ($plugin) { $plugin.RunId })
    # A namespace made in It or BeforeEach belongs to the test; in BeforeAll, to the block.
    $owner = if ($state) { if ($state.CurrentTest) { $state.CurrentTest } else { $state.CurrentBlock } }

    New-Item -ItemType Directory -Force -Path $script:RecordDirectory | Out-Null
    $record = @{ ProcessId = $PID; StartTime = (Get-ProcessStartTime $PID); RunId = $(if ($plugin) { $plugin.RunId }) } | ConvertTo-Json -Compress
    for ($i = 0; $i -lt $Count; $i++) {
        $name = '{0}-{1}' -f $Prefix, [guid]::NewGuid().ToString('N').Substring(0, 8)
        # Recorded before it exists, so a kill in between still leaves a trace for the sweep.
        Set-Content -Path (Join-Path $script:RecordDirectory $name) -Value $record
        try {
            New-NetNamespace -Name $name -ErrorAction Stop | Out-Null
            Enable-IpLink -NetNamespace $name -InterfaceName lo -ErrorAction Stop
        }
        catch {
            Remove-RecordedNamespace $name
            throw
        }
        if ($plugin) { $plugin.Owned.Add([pscustomobject]@{ Name = $name; Owner = $owner }) }
        else { $script:Unowned.Add($name) }
        $name
    }
}

function Remove-TestNetNamespace {
    <#
    .SYNOPSIS
        Removes namespaces made by New-TestNetNamespace now, rather than when their block ends.
    .PARAMETER Name
        The namespaces to remove; omitted: every one this session made outside Pester.
    .EXAMPLE
        $ns = New-TestNetNamespace; try { ... } finally { Remove-TestNetNamespace $ns }
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param([Parameter(Position = 0, ValueFromPipeline)] [string[]] $Name)
    process {
        $targets = if ($Name) { $Name } else { @($script:Unowned) }
        foreach ($n in $targets) {
            if (-not (Test-Path (Join-Path $script:RecordDirectory $n))) {
                Write-Error -Message "'$n' was not made by New-TestNetNamespace." -ErrorId 'NotATestNetNamespace' -Category InvalidArgument -TargetObject $n
                continue
            }
            Remove-RecordedNamespace $n
            [void]$script:Unowned.Remove($n)
        }
    }
}

# A pwsh that exits normally removes what it made outside Pester (inside Pester, the run's teardown did).
# The action runs in a module of its own, so it gets the list and the remover as message data.
$exiting = Register-EngineEvent -SourceIdentifier PowerShell.Exiting -MessageData @{
    Unowned = $script:Unowned
    Remove  = ${function:Remove-RecordedNamespace}
} -Action {
    foreach ($n in @($Event.MessageData.Unowned)) { & $Event.MessageData.Remove $n }
}
# Import-Module -Force makes a new instance with its own subscription; the old one goes with its module.
$ExecutionContext.SessionState.Module.OnRemove = { Unregister-Event -SubscriptionId $exiting.Id -ErrorAction Ignore }.GetNewClosure()
