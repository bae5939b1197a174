<#
.SYNOPSIS
    TCP throughput between seed 001's two containers: over Start-TunForwarder (flannel's UDP backend) and over
    the same lab built on kernel VXLAN (flannel's VXLAN backend), side by side, in one run: the forwarder with
    its TUN offloads (the default: TCP super-packets cut in user space, UDP GSO/GRO) and with -NoOffload (one
    packet per TUN read/write, as flanneld).
.DESCRIPTION
    examples/FlannelLab.psm1 builds the lab for each backend (two hosts on a veth underlay, a container behind a
    veth on each). iperf3 (Debian's; installed when missing) runs a server in container 2 and a client in
    container 1 for -Seconds. The forwarder with offloads and kernel VXLAN, whose ratio is the goal, are measured
    in -Rounds interleaved rounds on labs built once (each round one run of each, the order alternating), after a
    short unprinted run of each and once the runtime has stopped compiling (Wait-JitIdle); the round-by-round
    figures are printed, the table shows each backend's median run and the ratio is the median of the rounds'
    ratios. The -NoOffload labs are measured once. Printed for each: Gbit/s received, full-size TCP segments
    per second (bytes / MSS), TCP retransmits, forwarder drops, where else packets were lost (the TUN device's
    transmit drops, UDP receive buffer overflows; both hosts), and CPU seconds per GB moved: both iperf3
    processes (iperf3's own CPU figures) plus, for UDP, the forwarder's threads in this process
    (/proc/self/task). Softirq work done outside those tasks (ksoftirqd) is not counted, for either backend.
    Retransmits are split into spurious ones (the receiver reported the segment as a duplicate, D-SACK:
    reordering, not loss) and the rest. The offload lab runs with flannel0's default 500-packet queue; the
    -NoOffload lab runs with 500 (as flanneld leaves it) and with 5000. Goal: UDP at least 0.5x VXLAN, zero
    loss.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Seconds = 10,
    # Interleaved rounds of the offload forwarder and kernel VXLAN (the 2-core VM's runs vary by 10-20%).
    [int] $Rounds = 3
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1') -Force
Import-Module (Join-Path $PSScriptRoot '../examples/FlannelLab.psm1') -Force

if (-not (Get-Command iperf3 -ErrorAction SilentlyContinue)) {
    & apt-get install -y iperf3 | Out-Null
}

function Get-ForwarderCpuSeconds {
    <# utime + stime of this process's forwarder threads (named tunfwd*), in seconds. #>
    $ticks = 0
    foreach ($t in Get-ChildItem /proc/self/task) {
        try {
            if ((Get-Content (Join-Path $t.FullName comm) -ErrorAction Stop) -notlike 'tunfwd*') { continue }
            $fields = ((Get-Content (Join-Path $t.FullName stat) -Raw -ErrorAction Stop) -split '\) ', 2)[1] -split ' '
            $ticks += [long]$fields[11] + [long]$fields[12]     # utime, stime (fields 14 and 15 of stat)
        }
        catch { }
    }
    $ticks / 100.0                                            # USER_HZ
}

function Wait-JitIdle {
    <#
        Waits until the runtime has compiled no method for a second (at most 60 s). Building a lab runs a lot of
        PowerShell for the first time, and the runtime re-compiles the hot part of it on a background thread
        for many seconds afterwards (17 s after the first lab on the 2-core VM, about a tenth of a core). That
        work belongs to this script, not to either backend, so no backend is measured while it runs.
    #>
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $last = -1L; $same = 0
    while ($clock.Elapsed.TotalSeconds -lt 60) {
        $count = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
        if ($count -ne $last) { $last = $count; $same = 0 }
        elseif (++$same -ge 4) { return }
        Start-Sleep -Milliseconds 250
    }
    Write-Warning "The runtime was still compiling after 60 s; measuring anyway."
}

function Get-UnderlayLoss($Lab) {
    <#
        Where a UDP-backend packet can be lost outside the forwarder's own counters, summed over both hosts: the
        TUN device's transmit drops (its queue to the forwarder full) and UDP receive-buffer overflows.
    #>
    $tun = 0; $rcvbuf = 0
    foreach ($h in $Lab.Hosts) {
        if ($Lab.Backend -eq 'Udp') { $tun += (& ip -n $h.Host -s -j link show flannel0 | ConvertFrom-Json)[0].stats64.tx.dropped }
        $udp = @(& ip netns exec $h.Host cat /proc/net/snmp | Where-Object { $_ -like 'Udp:*' })
        $names = $udp[0] -split '\s+'; $values = $udp[1] -split '\s+'
        $rcvbuf += [long]$values[[array]::IndexOf($names, 'RcvbufErrors')]
    }
    [pscustomobject]@{ TunTxDropped = $tun; UdpRcvbufErrors = $rcvbuf }
}

function Get-TcpExtCounter([string] $NetNamespace, [string] $Name) {
    <# One TcpExt counter of a namespace (/proc/net/netstat), as nstat shows it. #>
    $lines = @(& ip netns exec $NetNamespace cat /proc/net/netstat | Where-Object { $_ -like 'TcpExt:*' })
    $names = $lines[0] -split '\s+'; $values = $lines[1] -split '\s+'
    $i = [array]::IndexOf($names, $Name)
    if ($i -lt 0) { 0 } else { [long]$values[$i] }
}

function Open-BenchLab([string] $Backend, [int] $TunTxQueueLength = 0, [switch] $NoOffload) {
    <# Builds a lab and starts the iperf3 server in its second container (it serves every run on that lab). #>
    $name = if ($Backend -eq 'Udp') { if ($NoOffload) { 'Udp -NoOffload' } else { 'Udp offloads' } } else { $Backend }
    if ($TunTxQueueLength) { $name += " (txqueuelen $TunTxQueueLength)" }
    $bench = [pscustomobject]@{ Name = $name; Backend = $Backend; Lab = $null; Server = $null }
    $script:openLabs.Add($bench)
    $bench.Lab = New-FlannelLab -Prefix ('tfb-' + [guid]::NewGuid().ToString('N').Substring(0, 6)) -Backend $Backend `
        -TunTxQueueLength $TunTxQueueLength -NoOffload:$NoOffload
    $c1, $c2 = $bench.Lab.Hosts
    if (-not (Test-LabPath -NetNamespace $c1.Container -Destination $c2.Ip)) { throw "$name lab: no ping across." }
    $bench.Server = Start-Process -FilePath ip -ArgumentList 'netns', 'exec', $c2.Container, 'iperf3', '-s', '-p', '5201' `
        -RedirectStandardOutput /dev/null -PassThru
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (-not "$(& ss -N $c2.Container -ltnH 'sport = :5201')") {
        if ([DateTime]::UtcNow -gt $deadline) { throw "$name lab: the iperf3 server did not start." }
        Start-Sleep -Milliseconds 100
    }
    $bench
}

function Close-BenchLab($Bench) {
    if ($Bench.Server -and -not $Bench.Server.HasExited) {
        Stop-Process -Id $Bench.Server.Id -ErrorAction SilentlyContinue
        $Bench.Server.WaitForExit(5000) | Out-Null
    }
    Remove-FlannelLab -Lab $Bench.Lab
    $script:openLabs.Remove($Bench) | Out-Null
}

function Get-ForwarderDrops($Lab) {
    <# Every drop the two forwarders counted, all reasons. #>
    $drops = 0
    if ($Lab.Backend -eq 'Udp') {
        foreach ($h in $Lab.Hosts) {
            $d = (Get-TunForwarder -NetNamespace $h.Host -TunName flannel0).Drops
            $drops += $d.NoRoute + $d.Oversize + $d.Malformed + $d.UnknownPeer + $d.SendError
        }
    }
    $drops
}

function Measure-BenchLab($Bench, [int] $Duration = $Seconds) {
    <# One iperf3 run on an open lab: what it moved, what it lost and the CPU it took. #>
    $lab = $Bench.Lab
    $c1, $c2 = $lab.Hosts
    $cpu0 = Get-ForwarderCpuSeconds
    $loss0 = Get-UnderlayLoss $lab
    $drops0 = Get-ForwarderDrops $lab
    $dsack0 = Get-TcpExtCounter $c1.Container TCPDSACKRecvSegs
    Wait-JitIdle                                    # last: the lines above may have started a new wave of it
    $text = & ip netns exec $c1.Container iperf3 -c $c2.Ip -p 5201 -t $Duration -J 2>$null
    if ($LASTEXITCODE -ne 0) { throw "$($Bench.Name) lab: iperf3 failed: $text" }
    $json = $text | Out-String | ConvertFrom-Json
    # Only the forwarders of this lab run during its measurement: the other labs' threads sleep in poll().
    $forwarderCpu = if ($lab.Backend -eq 'Udp') { (Get-ForwarderCpuSeconds) - $cpu0 } else { 0 }
    $loss1 = Get-UnderlayLoss $lab
    $spurious = (Get-TcpExtCounter $c1.Container TCPDSACKRecvSegs) - $dsack0
    $end = $json.end
    $duration = $end.sum_received.seconds
    $bytes = $end.sum_received.bytes
    $iperfCpu = ($end.cpu_utilization_percent.host_total + $end.cpu_utilization_percent.remote_total) / 100 * $duration
    [pscustomobject]@{
        Backend       = $Bench.Name
        GbitPerSecond = [math]::Round($end.sum_received.bits_per_second / 1e9, 3)
        # Full-size TCP segments per second (bytes / MSS): the containers' veths count GSO super-packets,
        # so their packet counters undercount what crosses the overlay.
        SegmentsPerSec = [math]::Round($bytes / ($lab.Mtu - 52) / $duration)
        Retransmits   = $end.sum_sent.retransmits
        Spurious      = $spurious
        Drops         = (Get-ForwarderDrops $lab) - $drops0
        TunTxDropped  = $loss1.TunTxDropped - $loss0.TunTxDropped
        UdpRcvbufErr  = $loss1.UdpRcvbufErrors - $loss0.UdpRcvbufErrors
        CpuSecPerGB   = [math]::Round(($iperfCpu + $forwarderCpu) / ($bytes / 1e9), 2)
        ForwarderCpuS = [math]::Round($forwarderCpu, 2)
    }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count % 2) { $sorted[($sorted.Count - 1) / 2] } else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
}

function Select-MedianRun([object[]] $Runs) {
    <# The run with the median throughput (the lower middle one of an even count). #>
    @($Runs | Sort-Object GbitPerSecond)[[math]::Floor(($Runs.Count - 1) / 2)]
}

$openLabs = [System.Collections.Generic.List[object]]::new()
try {
    $udpLab = Open-BenchLab Udp
    $vxlanLab = Open-BenchLab Vxlan
    # Short unprinted runs first: the first packets take the forwarder's and the kernel's cold paths, and the
    # runtime re-compiles the forwarder's methods after their first calls.
    $null = Measure-BenchLab $udpLab -Duration 3
    $null = Measure-BenchLab $vxlanLab -Duration 3
    $results = for ($r = 1; $r -le $Rounds; $r++) {
        $order = if ($r % 2) { $udpLab, $vxlanLab } else { $vxlanLab, $udpLab }
        $runs = @{}
        foreach ($b in $order) { $runs[$b.Backend] = Measure-BenchLab $b }
        [pscustomobject]@{
            Round = $r; Order = ($order.Backend -join ', ')
            UdpGbit = $runs.Udp.GbitPerSecond; VxlanGbit = $runs.Vxlan.GbitPerSecond
            Ratio = [math]::Round($runs.Udp.GbitPerSecond / $runs.Vxlan.GbitPerSecond, 3)
            UdpCpuPerGB = $runs.Udp.CpuSecPerGB; VxlanCpuPerGB = $runs.Vxlan.CpuSecPerGB
            UdpRun = $runs.Udp; VxlanRun = $runs.Vxlan
        }
    }
    Close-BenchLab $udpLab
    Close-BenchLab $vxlanLab

    $plainLab = Open-BenchLab Udp -NoOffload
    $plain = Measure-BenchLab $plainLab
    Close-BenchLab $plainLab
    # The same with a longer flannel0 queue: absorbs the forwarder's scheduling gaps on a busy machine.
    $longLab = Open-BenchLab Udp -NoOffload -TunTxQueueLength 5000
    $plainLongQueue = Measure-BenchLab $longLab
    Close-BenchLab $longLab
}
finally {
    foreach ($b in @($openLabs)) { Close-BenchLab $b }
}

$results | Format-Table Round, Order, UdpGbit, VxlanGbit, Ratio, UdpCpuPerGB, VxlanCpuPerGB -AutoSize | Out-String -Width 200 | Out-Host
$udp = Select-MedianRun $results.UdpRun
$vxlan = Select-MedianRun $results.VxlanRun
$udp, $plain, $plainLongQueue, $vxlan | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
$ratio = Get-Median $results.Ratio
$zero = ($results.UdpRun | Measure-Object -Property Drops, TunTxDropped, UdpRcvbufErr -Sum | Measure-Object -Property Sum -Sum).Sum
('Udp offloads / kernel VXLAN throughput: {0:N2}x, median of {1} rounds ({2}; goal >= 0.5x); over all rounds: ' +
    'forwarder drops, TUN queue drops and UDP buffer overflows {3}, TCP retransmits {4} ({5} spurious)') -f `
    $ratio, $results.Count, (($results.Ratio | ForEach-Object { '{0:N2}' -f $_ }) -join ' / '), $zero,
    ($results.UdpRun.Retransmits | Measure-Object -Sum).Sum, ($results.UdpRun.Spurious | Measure-Object -Sum).Sum
foreach ($u in $plain, $plainLongQueue) {
    '{0} / kernel VXLAN (median run) throughput: {1:N2}x (goal >= 0.5x); forwarder drops {2}, TUN queue drops {3}, TCP retransmits {4} ({5} spurious)' -f `
        $u.Backend, ($u.GbitPerSecond / $vxlan.GbitPerSecond), $u.Drops, $u.TunTxDropped, $u.Retransmits, $u.Spurious
}
