<#
.SYNOPSIS
    Control plane: 1,000 endpoints over 3 hosts, OverlayNet agents side by side with a flannel-like reference.
.DESCRIPTION
    A 3-member etcd on loopback and three host namespaces, each with two VXLAN devices (nolearning): vx1 kept
    by an OverlayNet agent, vxr kept by the reference, which is what flanneld-era tooling does: `etcdctl watch
    --prefix` piped through awk into `ip -batch -` and `bridge -batch -`, one request and one ack per entry.
    Both sides get the same 1,000 endpoints (a third on each host) written in transactions of 64 endpoints, up to 8 in flight
    (OverlayNet through Add-OverlayEndpoint; the reference's keys through the same etcd client), then
    the same 1,000 leaves. Measured: from the last store ack until every host holds exactly its entries
    (a neighbour and an FDB entry for each endpoint on the other hosts). Goal: OverlayNet <= 0.5x the
    reference and under 1 s.

    Also printed: each side's CPU time over its phase (the agents' pwsh processes; the reference's etcdctl,
    awk, ip and bridge), read from /proc.

    Two clocks, same definition. "events": the time of the last host's last change on its device, from
    kernel notifications read in this process (exact to the event). "polled": when a poll every 5 ms (three
    hosts, two dumps each, counted in PowerShell) first sees every host complete; one round of that poll takes
    tens of ms itself, so it mostly measures the poll. Each host's agent runs in a pwsh of its own, as the
    reference's etcdctl, awk, ip and bridge are processes of their own: neither side shares this process's
    threads and garbage collector with the measuring. Round 0 is reported apart (the agents' code still on
    the JIT's first tier); the table gives the median and the range of -Rounds rounds after it. An agent is a
    daemon: in a fresh pwsh its first rounds also pay for the runtime's tier-up (a few thousand methods compiled
    again, 200-350 ms of CPU per phase for the three agents against about 70 ms once done), so the default of
    20 rounds gives a median of mostly warm rounds; -Rounds 5 shows the first ones.
    -Breakdown prints, per round and host, which member the agent watches, how many watch responses came
    before the writer had its last ack, and when the last one came in and its kernel batch was acked.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Count = 1000,
    # Measured rounds after the first (the agents' first round is reported on its own).
    [int] $Rounds = 20,
    # Also print where each agent's time went after the last store ack (watch response in, diff, kernel ack).
    [switch] $Breakdown
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1') -Force

$prefix = 'onb' + [guid]::NewGuid().ToString('N').Substring(0, 6)
$hosts = 0..2 | ForEach-Object { [pscustomobject]@{ Name = "$prefix-h$_"; Vtep = "192.168.8.10$_" } }
$endpoints = for ($i = 0; $i -lt $Count; $i++) {
    [pscustomobject]@{
        NetworkName = 'bench'; HostName = $hosts[$i % 3].Name; Vtep = $hosts[$i % 3].Vtep
        IPAddress = "10.0.$([Math]::Floor($i / 250)).$($i % 250 + 2)"; MacAddress = '02:42:0a:00:{0:x2}:{1:x2}' -f [int][Math]::Floor($i / 256), ($i % 256)
    }
}
$expected = @{}
foreach ($h in $hosts) { $expected[$h.Name] = 2 * @($endpoints | Where-Object HostName -ne $h.Name).Count }

$store = $null
$refClient = $null
$refProcesses = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$clients = @{}
$streams = @{}
$agentProcesses = @{}
$traceRoot = Join-Path ([IO.Path]::GetTempPath()) "$prefix-trace"
# One host's agent, in its own pwsh: started, says 'ready', runs until its stdin closes, then (with -Breakdown)
# writes its AgentTrace marks, stops its agent and exits.
$agentScript = Join-Path ([IO.Path]::GetTempPath()) "$prefix-agent.ps1"
Set-Content -Path $agentScript -Value @'
param($ModulePath, $Ns, $Vtep, $Etcd, $TraceFile)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1')
if ($TraceFile) { [OverlayNet.Agent.Agent.AgentTrace]::Sink = [System.Collections.Concurrent.ConcurrentQueue[OverlayNet.Agent.Agent.AgentTrace+Mark]]::new() }
Start-OverlayAgent -NetNamespace $Ns -NetworkName bench -VxlanInterface vx1 -LocalAddress $Vtep -EtcdEndpoint ($Etcd -split ',') -LeaseTtl 60 -AsJob | Out-Null
[Console]::Out.WriteLine('ready')
$null = [Console]::In.ReadToEnd()
if ($TraceFile) { [OverlayNet.Agent.Agent.AgentTrace]::Sink.ToArray() | Export-Csv -Path $TraceFile }
Stop-OverlayAgent
'@
try {
    $store = Start-OverlayStore -Name $prefix -Members 3
    $etcd = $store.Endpoints
    $etcdList = $etcd -join ','
    New-OverlayNetwork -Name bench -Vni 300 -Subnet 10.0.0.0/16 -EtcdEndpoint $etcd | Out-Null
    foreach ($h in $hosts) {
        & ip netns add $h.Name
        & ip -n $h.Name link set lo up
        foreach ($d in @(@{ N = 'vx1'; V = 300 }, @{ N = 'vxr'; V = 301 })) {
            & ip -n $h.Name link add $d.N type vxlan id $d.V dstport 4789 nolearning
            & ip -n $h.Name link set $d.N up
        }
        $clients[$h.Name] = [OverlayNet.Netlink.Route.RtnlClient]::Open("/run/netns/$($h.Name)", $h.Name)
        # Each host's agent runs in a pwsh of its own, as on a real host and as the reference's processes do:
        # neither side shares a process (threads, garbage collector) with this script's measuring.
        $psi = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        # This pwsh may run as `dotnet pwsh.dll` (the repo's dotnet tool): start the next one the same way.
        if ((Split-Path -Leaf ([Environment]::ProcessPath)) -like 'dotnet*') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $agentScript, (Resolve-Path $ModulePath), $h.Name, $h.Vtep, $etcdList, $(if ($Breakdown) { "$traceRoot-$($h.Name).csv" } else { '' }))) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
        $agentProcesses[$h.Name] = [System.Diagnostics.Process]::Start($psi)
        # The reference: etcdctl watch | awk | ip -batch / bridge -batch, one request and ack per entry.
        $awk = @'
/^PUT$/ { t = "P"; st = 1; next }
/^DELETE$/ { t = "D"; st = 1; next }
st == 1 { key = $0; st = 2; next }
st == 2 {
    st = 0; ip = key; sub(/.*\//, "", ip)
    if (t == "P") {
        split($0, f, " "); if (f[2] == me) next
        mac[ip] = f[1]; dst[ip] = f[3]
        print "neigh replace " ip " lladdr " f[1] " dev vxr nud permanent" | ipc; fflush(ipc)
        print "fdb replace " f[1] " dev vxr dst " f[3] " self permanent" | brc; fflush(brc)
    } else if (ip in mac) {
        print "neigh del " ip " dev vxr" | ipc; fflush(ipc)
        print "fdb del " mac[ip] " dev vxr dst " dst[ip] " self" | brc; fflush(brc)
        delete mac[ip]
    }
}
'@
        $script = "etcdctl --endpoints $etcdList watch --prefix /ref/endpoints/ | awk -W interactive -v me='$($h.Name)' -v ipc='ip -n $($h.Name) -batch -' -v brc='bridge -n $($h.Name) -batch -' '$awk'"
        $psi = [System.Diagnostics.ProcessStartInfo]::new('bash')
        $psi.ArgumentList.Add('-c'); $psi.ArgumentList.Add($script)
        $refProcesses.Add([System.Diagnostics.Process]::Start($psi))
    }
    foreach ($h in $hosts) {
        $line = $agentProcesses[$h.Name].StandardOutput.ReadLineAsync()
        if (-not $line.Wait(120000) -or $line.Result -ne 'ready') { throw "The agent of $($h.Name) did not start: $($line.Result)" }
    }
    # Each host's kernel notifications, time-stamped as they are read: when a host came to hold its entries is
    # the time of the last change on its device, exact to the event, where a poll only sees it some ms later.
    foreach ($h in $hosts) { $streams[$h.Name] = [OverlayNet.Netlink.Events.NetlinkEventStream]::Start('Neighbor, Fdb', "/run/netns/$($h.Name)", $h.Name) }

    function Get-EntryCount([string] $Ns, [string] $Device) {
        $c = $clients[$Ns]
        $index = $c.GetIndex($Device)
        # .Where() rather than the pipeline: a poll round (three hosts, two dumps of up to 1,334 entries) costs
        # a few ms instead of tens, so the polled clock measures the hosts more than itself.
        $c.GetNeighbors($false, $null, $index).Where({ $_.State -eq 'Permanent' }).Count +
            $c.GetFdbEntries($index).Where({ $_.Destination -and $_.State -eq 'Permanent' }).Count
    }
    function Wait-Hosts([string] $Device, [hashtable] $Want, [int] $TimeoutSeconds = 120) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while ($sw.Elapsed.TotalSeconds -lt $TimeoutSeconds) {
            $done = $true
            foreach ($h in $hosts) { if ((Get-EntryCount $h.Name $Device) -ne $Want[$h.Name]) { $done = $false; break } }
            if ($done) { return $sw.Elapsed.TotalSeconds }
            Start-Sleep -Milliseconds 5
        }
        throw "Timed out waiting for $Device."
    }
    function Clear-Events {
        $e = $null
        foreach ($st in $streams.Values) { while ($st.Events.TryRead([ref]$e)) { } }
    }
    # Seconds from the ack until the last host's last change on the device (negative when every host held its
    # entries before the writer even had the store's answer).
    function Get-EventSeconds([string] $Device, [datetime] $Ack) {
        $last = [datetime]::MinValue
        $e = $null
        foreach ($st in $streams.Values) {
            while ($st.Events.TryRead([ref]$e)) { if ($e.InterfaceName -eq $Device -and $e.Time -gt $last) { $last = $e.Time } }
        }
        ($last - $Ack).TotalSeconds
    }
    # The reference's keys go through the same client and transactions as Add-OverlayEndpoint's (64 endpoints
    # each), so both sides' last store ack comes as fast and the clocks measure only the hosts' work.
    $refClient = [OverlayNet.Agent.Store.EtcdStore]::new([string[]]$etcd, $null)
    # Add-OverlayEndpoint keeps up to 8 transactions in flight (EtcdStore.Transactions); so does this.
    function Invoke-RefTxns([scriptblock] $Op) {
        $txns = [System.Collections.Generic.List[Etcdserverpb.TxnRequest]]::new()
        foreach ($chunk in [System.Linq.Enumerable]::Chunk([object[]]$endpoints, 64)) {
            $txn = [Etcdserverpb.TxnRequest]::new()
            foreach ($e in $chunk) { $txn.Success.Add((& $Op $e)) }
            $txns.Add($txn)
        }
        [void]$refClient.Transactions($txns, $null, [Threading.CancellationToken]::None)
    }
    $zero = @{}; foreach ($h in $hosts) { $zero[$h.Name] = 0 }
    Start-Sleep -Seconds 1   # the reference watchers connect

    # CPU time of each side's processes (user + system, from /proc): the three agents' pwsh processes, and the
    # reference's etcdctl, awk, ip and bridge under each bash. Read around each phase: what absorbing the
    # burst cost each side, whatever the clocks say about when it was done.
    function Get-DescendantPids([int] $Parent) {
        foreach ($k in @(& ps -o pid= --ppid $Parent 2>$null)) { $kid = [int]"$k".Trim(); $kid; Get-DescendantPids $kid }
    }
    $refPids = @(foreach ($p in $refProcesses) { Get-DescendantPids $p.Id })
    $clockTicks = [double](& getconf CLK_TCK)
    function Get-CpuMs([int[]] $Pids) {
        $ticks = 0
        foreach ($id in $Pids) {
            try { $f = ((Get-Content "/proc/$id/stat" -Raw -ErrorAction Stop) -split '\) ', 2)[1] -split ' '; $ticks += [long]$f[11] + [long]$f[12] } catch { }
        }
        $ticks * 1000 / $clockTicks
    }
    $agentPids = @($agentProcesses.Values | ForEach-Object Id)

    # Where each agent's time went around the ack (Stopwatch ticks are CLOCK_MONOTONIC: the same in every process).
    function Show-Breakdown([string] $Case, [long] $AckTs, [long] $From, [long] $To) {
        $marks = @(foreach ($h in $hosts) {
            Import-Csv "$traceRoot-$($h.Name).csv" | ForEach-Object {
                [pscustomobject]@{ Timestamp = [long]$_.Timestamp; Host = $_.Host; Step = $_.Step; Revision = [long]$_.Revision; Count = [int]$_.Count }
            }
        }) | Where-Object { $_.Timestamp -ge $From -and $_.Timestamp -lt $To -and ($_.Step -ne 'watch' -or $_.Count -gt 0) }
        $ms = { param($t) [Math]::Round(($t - $AckTs) * 1000.0 / [Diagnostics.Stopwatch]::Frequency, 1) }
        foreach ($h in $hosts) {
            $mine = @($marks | Where-Object Host -eq $h.Name)
            $lastRev = ($mine | Where-Object Step -eq 'watch' | Measure-Object Revision -Maximum).Maximum
            $lastWatch = $mine | Where-Object { $_.Step -eq 'watch' -and $_.Revision -eq $lastRev } | Select-Object -First 1
            # The last response's own steps: diff without a dump, kernel ack of the batch (a later dump is a drift check).
            $acked = $mine | Where-Object { $_.Step -eq 'acked' -and $_.Timestamp -ge $lastWatch.Timestamp } | Select-Object -First 1
            $before = @($mine | Where-Object { $_.Step -eq 'watch' -and $_.Timestamp -lt $AckTs }).Count
            $streamsOpened = @(Import-Csv "$traceRoot-$($h.Name).csv" | Where-Object Step -like 'watching *')
            $member = "$($streamsOpened[-1].Step -replace '^watching ', '') ($($streamsOpened.Count) watch stream(s) opened)"
            Write-Host ("{0} {1} on {2}{3}: {4}/{5} responses before the ack; the last in at {6} ms, kernel ack at {7} ms" -f $Case, $h.Name, $member,
                $(if ($member -eq $leader) { ' (leader)' } else { '' }), $before, @($mine | Where-Object Step -eq 'watch').Count,
                (& $ms $lastWatch.Timestamp), $(if ($acked) { & $ms $acked.Timestamp } else { '-' }))
        }
    }

    # One round: the joins and the leaves, each written by OverlayNet then by the reference, each timed by both
    # clocks. Marks (Stopwatch ticks) of each ack go to -Breakdown.
    function Invoke-Round {
        $r = [ordered]@{}
        Clear-Events
        $r.JoinsFrom = [Diagnostics.Stopwatch]::GetTimestamp()
        $cpu = Get-CpuMs $agentPids
        $sw = [Diagnostics.Stopwatch]::StartNew()
        # The cmdlet writes its output after its last transaction: the first object out marks the last ack.
        $endpoints | Add-OverlayEndpoint -EtcdEndpoint $etcd | ForEach-Object -Begin { $first = $true } -Process {
            if ($first) { $r.JoinAckTs = [Diagnostics.Stopwatch]::GetTimestamp(); $ack = [datetime]::Now; $r.JoinWrite = $sw.Elapsed.TotalSeconds; $first = $false }
        }
        $r.JoinPolled = Wait-Hosts vx1 $expected
        $r.Join = Get-EventSeconds vx1 $ack
        $r.JoinCpu = (Get-CpuMs $agentPids) - $cpu
        $cpu = Get-CpuMs $refPids

        Clear-Events
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Invoke-RefTxns { param($e) [OverlayNet.Agent.Store.Kv]::Put("/ref/endpoints/$($e.IPAddress)", "$($e.MacAddress) $($e.HostName) $($e.Vtep)", 0) }
        $ack = [datetime]::Now
        $r.JoinWriteRef = $sw.Elapsed.TotalSeconds
        $r.JoinRefPolled = Wait-Hosts vxr $expected
        $r.JoinRef = Get-EventSeconds vxr $ack
        $r.JoinRefCpu = (Get-CpuMs $refPids) - $cpu

        Clear-Events
        $r.LeavesFrom = [Diagnostics.Stopwatch]::GetTimestamp()
        $cpu = Get-CpuMs $agentPids
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $endpoints | Remove-OverlayEndpoint -EtcdEndpoint $etcd
        $ack = [datetime]::Now
        $r.LeaveAckTs = [Diagnostics.Stopwatch]::GetTimestamp()
        $r.LeaveWrite = $sw.Elapsed.TotalSeconds
        $r.LeavePolled = Wait-Hosts vx1 $zero
        $r.Leave = Get-EventSeconds vx1 $ack
        $r.LeaveCpu = (Get-CpuMs $agentPids) - $cpu
        $cpu = Get-CpuMs $refPids

        Clear-Events
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Invoke-RefTxns { param($e) [OverlayNet.Agent.Store.Kv]::Delete("/ref/endpoints/$($e.IPAddress)") }
        $ack = [datetime]::Now
        $r.LeaveWriteRef = $sw.Elapsed.TotalSeconds
        $r.LeaveRefPolled = Wait-Hosts vxr $zero
        $r.LeaveRef = Get-EventSeconds vxr $ack
        $r.LeaveRefCpu = (Get-CpuMs $refPids) - $cpu
        $r.End = [Diagnostics.Stopwatch]::GetTimestamp()
        [pscustomobject]$r
    }

    # Round 0 is the first of the agents' lives (code not yet compiled by the JIT's optimising tier, as after a
    # restart); the figures are the medians of the rounds after it, with their range.
    $results = @(for ($i = 0; $i -le $Rounds; $i++) { Invoke-Round })
    $measured = @($results | Select-Object -Skip 1)
    function Get-Median([double[]] $Values) {
        $s = [double[]]($Values | Sort-Object)
        if ($s.Count % 2) { $s[[int][Math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 }
    }
    function New-Row([string] $Case, [string] $Clock, [string] $Ours, [string] $Ref, [string] $Write, [string] $WriteRef, [string] $Cpu) {
        $o = Get-Median ($measured.$Ours); $f = Get-Median ($measured.$Ref)
        $range = { param($n) '{0:N3}-{1:N3}' -f ($measured.$n | Measure-Object -Minimum).Minimum, ($measured.$n | Measure-Object -Maximum).Maximum }
        [pscustomobject]@{
            Case = $Case; Clock = $Clock
            'Writes s' = '{0:N2} / {1:N2}' -f (Get-Median ($measured.$Write)), (Get-Median ($measured.$WriteRef))
            'OverlayNet s' = [Math]::Round($o, 3); 'Range' = & $range $Ours
            'Reference s' = [Math]::Round($f, 3); 'Range ' = & $range $Ref
            Ratio = if ($f -gt 0) { [Math]::Round($o / $f, 2) } else { $null }
            'CPU ms' = '{0:N0} / {1:N0}' -f (Get-Median ($measured."$Cpu")), (Get-Median ($measured."$($Cpu -replace 'Cpu$', 'RefCpu')"))
            'Round 0' = '{0:N3} / {1:N3}' -f $results[0].$Ours, $results[0].$Ref
        }
    }
    $rows = @(
        New-Row "$Count joins" 'events' Join JoinRef JoinWrite JoinWriteRef JoinCpu
        New-Row "$Count joins" 'polled' JoinPolled JoinRefPolled JoinWrite JoinWriteRef JoinCpu
        New-Row "$Count leaves" 'events' Leave LeaveRef LeaveWrite LeaveWriteRef LeaveCpu
        New-Row "$Count leaves" 'polled' LeavePolled LeaveRefPolled LeaveWrite LeaveWriteRef LeaveCpu
    )
    if ($Breakdown) {
        # The agents write their marks when they stop: the last round's.
        foreach ($p in $agentProcesses.Values) { $p.StandardInput.Close() }
        foreach ($p in $agentProcesses.Values) { [void]$p.WaitForExit(30000) }
        $results | Format-Table @{ n = 'Round'; e = { [array]::IndexOf($results, $_) } }, Join, JoinRef, JoinPolled, JoinRefPolled, Leave, LeaveRef, LeavePolled, LeaveRefPolled | Out-String -Width 200 | Write-Host
        $status = & etcdctl --endpoints $etcdList endpoint status -w json 2>$null | ConvertFrom-Json
        $leader = @($status | Where-Object { $_.Status.leader -eq $_.Status.header.member_id })[0].Endpoint
        # Which member each reference watcher (etcdctl) is connected to.
        foreach ($p in $refProcesses) {
            foreach ($k in @(& ps -o pid=,comm= --ppid $p.Id 2>$null)) {
                $kid, $comm = "$k".Trim() -split '\s+'
                if ($comm -ne 'etcdctl') { continue }
                $peers = @(& ss -tnpH state established 2>$null | Where-Object { $_ -match "pid=$kid," } | ForEach-Object { ($_ -split '\s+')[3] } | Sort-Object -Unique)
                Write-Host ("reference watcher (etcdctl {0}) on {1}" -f $kid, (($peers | ForEach-Object { "http://$_$(if ("http://$_" -eq $leader) { ' (leader)' })" }) -join ', '))
            }
        }
        for ($i = 0; $i -lt $results.Count; $i++) {
            Show-Breakdown "round $i joins " $results[$i].JoinAckTs $results[$i].JoinsFrom $results[$i].LeavesFrom
            Show-Breakdown "round $i leaves" $results[$i].LeaveAckTs $results[$i].LeavesFrom $results[$i].End
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $load = (Get-Content /proc/loadavg) -split ' '
    Write-Host "Median of $Rounds rounds after round 0 (OverlayNet / reference); load average $($load[0]) $($load[1]) $($load[2])."
    Write-Host 'From the last store ack until every host holds exactly its entries: "events" is the time of the last'
    Write-Host 'host''s last change on its device (kernel notifications); "polled" is when a poll every 5 ms saw it.'
    Write-Host '"CPU ms": user + system time of the three agents / of the reference''s etcdctl, awk, ip and bridge'
    Write-Host 'processes over each side''s phase (writes and wait), from /proc.'
    Write-Host 'Goal: ratio <= 0.5 and OverlayNet under 1 s.'
    $rows
}
finally {
    foreach ($p in $agentProcesses.Values) {
        # Closing stdin stops the agent; one that does not end in time is killed by pid.
        try { $p.StandardInput.Close() } catch { }
        if (-not $p.WaitForExit(15000)) { $p.Kill() }
    }
    Remove-Item -Path $agentScript, "$traceRoot-*" -ErrorAction SilentlyContinue
    foreach ($p in $refProcesses) {
        # bash exec'd nothing it can pass on: end the pipeline's processes (etcdctl, awk, ip, bridge) by pid.
        $kids = @(& ps -o pid= --ppid $p.Id 2>$null | ForEach-Object { [int]$_.Trim() })
        foreach ($k in $kids) { & kill $k 2>$null }
        if (-not $p.HasExited) { & kill $p.Id 2>$null }
    }
    foreach ($st in $streams.Values) { $st.Dispose() }
    foreach ($c in $clients.Values) { $c.Dispose() }
    if ($refClient) { $refClient.Dispose() }
    if ($store) { Stop-OverlayStore -Name $store.Name }
    foreach ($h in $hosts) { if (Test-Path "/run/netns/$($h.Name)") { & ip netns del $h.Name } }
}
