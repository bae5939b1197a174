<#
.SYNOPSIS
    Watching a burst: Watch-NetlinkEvent side by side with `ip monitor neigh` writing to a file.
.DESCRIPTION
    In a fresh namespace with one VXLAN device, `ip -batch` adds -Count permanent neighbours and deletes them
    again (2 x -Count changes) while both watchers run in the same process tree at the same time:
    Watch-NetlinkEvent -Type Neighbor piped into a counting script block, and `ip -n NS monitor neigh` with
    its output redirected to a file. Both are known to listen before the batch starts (each has reported a
    marker entry), and each is done when it reports a second marker added after the batch.
    Printed per watcher: events delivered (as objects, or as lines of text), events lost (counted against the
    batch; a delete of a permanent entry counts once, though the kernel reports a change to FAILED before it),
    seconds from the batch's start to the end marker and after the batch's end, events per second, and for Watch-NetlinkEvent
    the resyncs and the peak managed memory (GC heap, sampled every 1,000 events). Goal: nothing lost and
    throughput at least that of `ip monitor` writing text. Figures from a loaded 2-core machine are noisy;
    compare the two columns of one run.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Count = 50000
)
$ErrorActionPreference = 'Stop'
$manifest = Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1'
Import-Module $manifest -Force

$ns = 'onb-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
$batch = [IO.Path]::GetTempFileName()
$monitorOut = [IO.Path]::GetTempFileName()
function Get-Ip([int] $i) { '172.{0}.{1}.{2}' -f (16 + (($i -shr 16) -band 15)), (($i -shr 8) -band 255), ($i -band 255) }
function Get-Mac([int] $i) { '02:00:{0:x2}:{1:x2}:{2:x2}:01' -f (($i -shr 16) -band 255), (($i -shr 8) -band 255), ($i -band 255) }
$lines = [System.Collections.Generic.List[string]]::new()
foreach ($i in 1..$Count) { $lines.Add("neigh add $(Get-Ip $i) lladdr $(Get-Mac $i) dev vx0 nud permanent") }
foreach ($i in 1..$Count) { $lines.Add("neigh del $(Get-Ip $i) dev vx0") }
Set-Content $batch $lines
$expected = 2 * $Count

$monitor = $null
try {
    & ip netns add $ns
    & ip -n $ns link add vx0 type vxlan id 42 dstport 4789 nolearning
    & ip -n $ns link set vx0 up
    $monitor = Start-Process ip -ArgumentList '-n', $ns, 'monitor', 'neigh' -RedirectStandardOutput $monitorOut -PassThru

    # The driver: pokes a start marker until both watchers have reported it, times the batch, adds the end
    # marker, then waits for ip monitor's file to show it.
    $sync = [hashtable]::Synchronized(@{ Ready = $false; Clock = [Diagnostics.Stopwatch]::new(); BatchEnd = 0.0; MonitorEnd = 0.0 })
    $driver = Start-ThreadJob -ArgumentList $ns, $batch, $monitorOut, $sync -ScriptBlock {
        param($Ns, $Batch, $MonitorOut, $Sync)
        function Test-Tail([string] $Text) {
            $f = [IO.File]::Open($MonitorOut, 'Open', 'Read', 'ReadWrite')
            try {
                $f.Seek([Math]::Max(0, $f.Length - 512), 'Begin') | Out-Null
                return ([IO.StreamReader]::new($f)).ReadToEnd().Contains($Text)
            }
            finally { $f.Dispose() }
        }
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        for ($i = 0; -not ($Sync.Ready -and (Test-Tail '10.255.0.1 ')); $i++) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'the watchers never reported the start marker' }
            & ip -n $Ns neigh replace 10.255.0.1 lladdr "02:ff:00:00:00:$('{0:x2}' -f ($i % 256))" dev vx0 nud permanent
            Start-Sleep -Milliseconds 100
        }
        $Sync.Clock.Start()
        & ip -n $Ns -batch $Batch
        $Sync.BatchEnd = $Sync.Clock.Elapsed.TotalSeconds
        & ip -n $Ns neigh add 10.255.0.2 lladdr 02:ff:00:00:00:02 dev vx0 nud permanent
        $deadline = [DateTime]::UtcNow.AddSeconds(300)
        while (-not (Test-Tail '10.255.0.2 ')) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'ip monitor never reported the end marker' }
            Start-Sleep -Milliseconds 5
        }
        $Sync.MonitorEnd = $Sync.Clock.Elapsed.TotalSeconds
    }

    $delivered = 0; $resyncs = 0; $peak = [GC]::GetTotalMemory($false); $ourEnd = 0.0
    do {
        Watch-NetlinkEvent -NetNamespace $ns -Type Neighbor -Timeout 600 | & {
            process {
                if ($_.Action -eq 'Resync') { $script:resyncs++; return }
                $ip = "$($_.Object.IPAddress)"
                if ($ip.StartsWith('10.255.0.')) {
                    if ($ip -eq '10.255.0.2') { $script:ourEnd = $sync.Clock.Elapsed.TotalSeconds; break }
                    $sync.Ready = $true
                    return
                }
                if (($_.Action -eq 'New' -or $_.Action -eq 'Deleted') -and $ip.StartsWith('172.')) {
                    if ((++$script:delivered % 1000) -eq 0) { $script:peak = [Math]::Max($script:peak, [GC]::GetTotalMemory($false)) }
                }
            }
        }
    } while ($false)
    $driver | Wait-Job | Receive-Job
    $driver | Remove-Job
    Stop-Process -Id $monitor.Id
    $monitor.WaitForExit()
    $monitor = $null

    # Counted alike for both: each add (a new PERMANENT entry) and each delete. Deleting a permanent entry is
    # reported twice (a change to FAILED, then the deletion); the FAILED changes are left out of both counts.
    $monitorLines = 0
    foreach ($line in [IO.File]::ReadLines($monitorOut)) {
        if ($line -match '^172\..* PERMANENT' -or $line.StartsWith('Deleted 172.')) { $monitorLines++ }
    }
    $rows = @(
        [pscustomobject]@{ Watcher = 'Watch-NetlinkEvent (objects)'; Delivered = $delivered; Lost = $expected - $delivered
            Seconds = [math]::Round($ourEnd, 2); LagAfterBatch = [math]::Round($ourEnd - $sync.BatchEnd, 2); PerSecond = [int]($delivered / $ourEnd)
            Resyncs = $resyncs; PeakManagedMB = [math]::Round($peak / 1MB, 1) }
        [pscustomobject]@{ Watcher = 'ip monitor neigh > file'; Delivered = $monitorLines; Lost = $expected - $monitorLines
            Seconds = [math]::Round($sync.MonitorEnd, 2); LagAfterBatch = [math]::Round($sync.MonitorEnd - $sync.BatchEnd, 2); PerSecond = [int]($monitorLines / $sync.MonitorEnd)
            Resyncs = $null; PeakManagedMB = $null }
    )
    Write-Host ("ip -batch: {0:n0} neighbour adds + {0:n0} deletes in {1:n2} s ({2:n0} changes/s)" -f $Count, $sync.BatchEnd, ($expected / $sync.BatchEnd))
    $rows | Format-Table -AutoSize | Out-String -Width 120 | Write-Host
    Write-Host ("Throughput ratio Watch-NetlinkEvent / ip monitor (events per second): {0:n2}" -f (($delivered / $ourEnd) / ($monitorLines / $sync.MonitorEnd)))
    Write-Host 'Both watchers keep pace with the batch when LagAfterBatch is near 0: events/s is then the batch''s rate.'
    if ($resyncs) { Write-Host 'After a Resync, Delivered also counts the differences the re-read found, so Lost may be negative.' }
    $rows
}
finally {
    if ($monitor) { Stop-Process -Id $monitor.Id -ErrorAction SilentlyContinue }
    if (Test-Path "/run/netns/$ns") { & ip netns del $ns }
    Remove-Item $batch, $monitorOut -ErrorAction SilentlyContinue
}
