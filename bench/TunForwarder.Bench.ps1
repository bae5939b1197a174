<#
.SYNOPSIS
    TCP throughput between seed 001's two containers: over Start-TunForwarder (flannel's UDP backend) and over
    the same lab built on kernel VXLAN (flannel's VXLAN backend), side by side, in one run: the forwarder with
    its TUN offloads (the default: TCP super-packets cut in user space, UDP GSO/GRO) and with -NoOffload (one
    packet per TUN read/write, as flanneld).
.DESCRIPTION
    examples/FlannelLab.psm1 builds the lab twice (two hosts on a veth underlay, a container behind a veth on
    each). iperf3 (Debian's; installed when missing) runs a server in container 2 and a client in container 1
    for -Seconds. Printed for each: Gbit/s received, full-size TCP segments per second (bytes / MSS), TCP
    retransmits, forwarder drops, where else packets were lost (the TUN device's transmit drops, UDP receive
    buffer overflows; both hosts), and CPU seconds per GB moved: both iperf3 processes (iperf3's own CPU
    figures) plus, for UDP, the forwarder's threads in this process (/proc/self/task). Softirq work done
    outside those tasks (ksoftirqd) is not counted, for either backend. Retransmits are split into spurious ones
    (the receiver reported the segment as a duplicate, D-SACK: reordering, not loss) and the rest. The offload
    lab runs with flannel0's default 500-packet queue; the -NoOffload lab runs with 500 (as flanneld leaves it)
    and with 5000. Goal: UDP at least 0.5x VXLAN, zero loss.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Seconds = 10
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

function Measure-Backend([string] $Backend, [int] $TunTxQueueLength = 0, [switch] $NoOffload, [int] $Duration = $Seconds) {
    $prefix = 'tfb-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $lab = $null
    $server = $null
    try {
        $lab = New-FlannelLab -Prefix $prefix -Backend $Backend -TunTxQueueLength $TunTxQueueLength -NoOffload:$NoOffload
        $c1, $c2 = $lab.Hosts
        if (-not (Test-LabPath -NetNamespace $c1.Container -Destination $c2.Ip)) { throw "$Backend lab: no ping across." }
        $log = [IO.Path]::GetTempFileName()
        $server = Start-Process -FilePath ip -ArgumentList 'netns', 'exec', $c2.Container, 'iperf3', '-s', '-1', '-p', '5201' `
            -RedirectStandardOutput $log -PassThru
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not "$(& ss -N $c2.Container -ltnH 'sport = :5201')") {
            if ([DateTime]::UtcNow -gt $deadline) { throw "$Backend lab: the iperf3 server did not start." }
            Start-Sleep -Milliseconds 100
        }
        $cpu0 = Get-ForwarderCpuSeconds
        $loss0 = Get-UnderlayLoss $lab
        $dsack0 = Get-TcpExtCounter $c1.Container TCPDSACKRecvSegs
        $text = & ip netns exec $c1.Container iperf3 -c $c2.Ip -p 5201 -t $Duration -J 2>$null
        if ($LASTEXITCODE -ne 0) { throw "$Backend lab: iperf3 failed: $text" }
        $json = $text | Out-String | ConvertFrom-Json
        $forwarderCpu = Get-ForwarderCpuSeconds - $cpu0
        $loss1 = Get-UnderlayLoss $lab
        $spurious = (Get-TcpExtCounter $c1.Container TCPDSACKRecvSegs) - $dsack0
        $end = $json.end
        $duration = $end.sum_received.seconds
        $bytes = $end.sum_received.bytes
        $iperfCpu = ($end.cpu_utilization_percent.host_total + $end.cpu_utilization_percent.remote_total) / 100 * $duration
        $drops = 0
        if ($Backend -eq 'Udp') {
            foreach ($h in $lab.Hosts) {
                $d = (Get-TunForwarder -NetNamespace $h.Host -TunName flannel0).Drops
                $drops += $d.NoRoute + $d.Oversize + $d.Malformed + $d.UnknownPeer + $d.SendError
            }
        }
        $name = if ($Backend -eq 'Udp') { if ($NoOffload) { 'Udp -NoOffload' } else { 'Udp offloads' } } else { $Backend }
        [pscustomobject]@{
            Backend       = if ($TunTxQueueLength) { "$name (txqueuelen $TunTxQueueLength)" } else { $name }
            GbitPerSecond = [math]::Round($end.sum_received.bits_per_second / 1e9, 3)
            # Full-size TCP segments per second (bytes / MSS): the containers' veths count GSO super-packets,
            # so their packet counters undercount what crosses the overlay.
            SegmentsPerSec = [math]::Round($bytes / ($lab.Mtu - 52) / $duration)
            Retransmits   = $end.sum_sent.retransmits
            Spurious      = $spurious
            Drops         = $drops
            TunTxDropped  = $loss1.TunTxDropped - $loss0.TunTxDropped
            UdpRcvbufErr  = $loss1.UdpRcvbufErrors - $loss0.UdpRcvbufErrors
            CpuSecPerGB   = [math]::Round(($iperfCpu + $forwarderCpu) / ($bytes / 1e9), 2)
            ForwarderCpuS = [math]::Round($forwarderCpu, 2)
        }
    }
    finally {
        if ($server -and -not $server.HasExited) { Stop-Process -Id $server.Id -ErrorAction SilentlyContinue }
        if ($log) { Remove-Item $log -ErrorAction SilentlyContinue }
        Remove-FlannelLab -Lab $lab
    }
}

# A short unprinted run first: building the first lab leaves seconds of background JIT work (the runtime tiering
# up PowerShell's and the module's code) that would otherwise take CPU from whichever backend is measured first.
$null = Measure-Backend Udp -Duration 3
$udp = Measure-Backend Udp
$plain = Measure-Backend Udp -NoOffload
# The same with a longer flannel0 queue: absorbs the forwarder's scheduling gaps on a busy machine.
$plainLongQueue = Measure-Backend Udp -NoOffload -TunTxQueueLength 5000
$vxlan = Measure-Backend Vxlan
$udp, $plain, $plainLongQueue, $vxlan | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
foreach ($u in $udp, $plain, $plainLongQueue) {
    '{0} / kernel VXLAN throughput: {1:N2}x (goal >= 0.5x); forwarder drops {2}, TUN queue drops {3}, TCP retransmits {4} ({5} spurious)' -f `
        $u.Backend, ($u.GbitPerSecond / $vxlan.GbitPerSecond), $u.Drops, $u.TunTxDropped, $u.Retransmits, $u.Spurious
}
