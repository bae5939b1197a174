# Start-TunForwarder and friends (issue 14) on seed 001's UDP overlay: examples/FlannelLab.psm1 builds two hosts
# with a container each and a forwarder on each host's flannel0. IPv6 is off in the lab, so the only packets in
# the overlay are the ones these tests send, and drop counters can be checked exactly. The overlay tests run
# twice: with the TUN offloads (the default: TCP super-packets, UDP GSO/GRO) and with -NoOffload.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    Import-Module (Join-Path $PSScriptRoot '../../examples/FlannelLab.psm1') -Force
    $script:modulePath = Split-Path (Get-Module OverlayNet).Path

    function Get-Forwarder([string] $NetNamespace) { Get-TunForwarder -NetNamespace $NetNamespace -TunName flannel0 }

    function Send-Datagram {
        <# One UDP datagram from inside a namespace (optionally from a given source address, with DF set). #>
        param([string] $NetNamespace, [string] $Destination, [int] $Port = 9, [int] $Size = 16, [switch] $DontFragment)
        Invoke-NetNamespace -Name $NetNamespace -ArgumentList $Destination, $Port, $Size, $DontFragment.IsPresent -ScriptBlock {
            param($Destination, $Port, $Size, $DontFragment)
            $udp = [System.Net.Sockets.UdpClient]::new([System.Net.Sockets.AddressFamily]::InterNetwork)
            try {
                $udp.DontFragment = $DontFragment
                [void]$udp.Send([byte[]]::new($Size), $Size, $Destination, $Port)
            }
            finally { $udp.Dispose() }
        }
    }

    function Get-ResourceSummary {
        <# What a forwarder holds in this process: TUN queue files, sockets, eventfds, and threads named tunfwd*. #>
        $targets = foreach ($fd in Get-ChildItem /proc/self/fd -ErrorAction SilentlyContinue) {
            try { (Get-Item -LiteralPath $fd.FullName -ErrorAction Stop).LinkTarget } catch { }
        }
        $threads = foreach ($t in Get-ChildItem /proc/self/task -ErrorAction SilentlyContinue) {
            try { (Get-Content -LiteralPath (Join-Path $t.FullName comm) -ErrorAction Stop) } catch { }
        }
        [pscustomobject]@{
            Tun     = @($targets | Where-Object { $_ -eq '/dev/net/tun' }).Count
            Sockets = @($targets | Where-Object { $_ -like 'socket:*' }).Count
            EventFd = @($targets | Where-Object { $_ -like '*eventfd*' }).Count
            Threads = @($threads | Where-Object { $_ -like 'tunfwd*' }).Count
        }
    }

    function Invoke-TcpTransfer {
        <#
            Sends -Megabytes of random bytes over TCP from container 1 to container 2 of $lab; returns the SHA-256
            of what was sent and of what arrived. -EachMegabyte runs after each megabyte is written (given its index).
        #>
        param([int] $Megabytes, [int] $Port = 5201, [scriptblock] $EachMegabyte = {})
        $listener = Invoke-NetNamespace -Name $h2.Container -ArgumentList $Port -ScriptBlock {
            param($Port)
            $l = [System.Net.Sockets.TcpListener]::new([ipaddress]::Any, $Port); $l.Start(); $l }
        $client = Invoke-NetNamespace -Name $h1.Container -ScriptBlock {
            [System.Net.Sockets.TcpClient]::new([System.Net.Sockets.AddressFamily]::InterNetwork) }
        $server = $null
        try {
            # Sockets keep the namespace they were made in, so this thread can use them.
            $accept = $listener.AcceptTcpClientAsync()
            $client.SendTimeout = 60000
            $client.Connect($h2.Ip, $Port)
            if (-not $accept.Wait(30000)) { throw 'The TCP connection was not accepted within 30 s.' }
            $server = $accept.Result
            $received = [System.Security.Cryptography.SHA256]::Create()
            $sink = [System.Security.Cryptography.CryptoStream]::new([System.IO.Stream]::Null, $received, 'Write')
            $copy = $server.GetStream().CopyToAsync($sink, 1MB)

            $sent = [System.Security.Cryptography.IncrementalHash]::CreateHash('SHA256')
            $chunk = [byte[]]::new(1MB)
            $stream = $client.GetStream()
            for ($i = 0; $i -lt $Megabytes; $i++) {
                [System.Security.Cryptography.RandomNumberGenerator]::Fill($chunk)
                $sent.AppendData($chunk)
                $stream.Write($chunk, 0, $chunk.Length)
                & $EachMegabyte $i
            }
            $client.Client.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
            if (-not $copy.Wait(180000)) { throw 'The transfer did not arrive within 180 s.' }
            $sink.FlushFinalBlock()
            [pscustomobject]@{ Sent = [Convert]::ToHexString($sent.GetHashAndReset()); Received = [Convert]::ToHexString($received.Hash) }
        }
        finally {
            if ($server) { $server.Dispose() }
            $client.Dispose()
            $listener.Stop()
        }
    }

    function New-ForwarderRunspace {
        <# A second runspace with OverlayNet loaded, to run Start-TunForwarder in the foreground and press "Ctrl+C" (Stop). #>
        $ps = [powershell]::Create()
        [void]$ps.AddCommand('Import-Module').AddParameter('Name', (Join-Path $modulePath 'OverlayNet.psd1'))
        [void]$ps.Invoke()
        $ps.Commands.Clear()
        $ps
    }
}

AfterAll {
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty
}

Describe 'examples/Flannel-Udp.ps1' {
    It 'runs examples/Flannel-Udp.ps1: container 1 pings container 2 across flannel0' {
        $prefix = New-TestName 'fx'
        $out = & (Join-Path $PSScriptRoot '../../examples/Flannel-Udp.ps1') -ModulePath $modulePath -Prefix $prefix 6>$null
        @($out | Where-Object { $_.PSObject.Properties['Status'] -and $_.Status -eq 'Success' }).Count | Should -BeGreaterThan 0
        # It removed what it made: namespaces and forwarders.
        @(Get-ChildItem /run/netns -Filter "$prefix-*") | Should -HaveCount 0
        @(Get-TunForwarder | Where-Object NetNamespace -like "$prefix-*") | Should -HaveCount 0
    }
}

Describe 'Flannel UDP overlay (<Mode>)' -ForEach @(
    @{ Mode = 'offloads'; Offload = $true }
    @{ Mode = 'no offloads'; Offload = $false }
) {
    BeforeAll {
        $script:lab = New-FlannelLab -Prefix (New-TestName 'fl') -NoOffload:(-not $Offload)
        $script:h1, $script:h2 = $lab.Hosts
    }
    AfterAll {
        Remove-FlannelLab -Lab $lab
    }

    It 'runs with the TUN offloads as asked' {
        foreach ($h in $h1, $h2) { (Get-Forwarder $h.Host).Offload | Should -Be $Offload }
    }

    It 'forwards both ways and counts per peer' {
        Test-LabPath -NetNamespace $h1.Container -Destination $h2.Ip | Should -Not -BeNullOrEmpty
        foreach ($h in $h1, $h2) {
            # A forwarding thread counts a packet just after its write returns, which the reply can overtake.
            Wait-Until { $p = @((Get-Forwarder $h.Host).Peers)[0]; $p.PacketsSent -gt 0 -and $p.PacketsReceived -gt 0 } -Because 'both counters to move'
            $f = Get-Forwarder $h.Host
            $f.State | Should -Be 'Running'
            $f.LocalAddress | Should -Be ([ipaddress]$h.Underlay)
            $f.Port | Should -Be 8285
            $f.Peers | Should -HaveCount 1
            $peer = $f.Peers[0]
            $other = $lab.Hosts | Where-Object Host -ne $h.Host
            $peer.Subnet | Should -Be $other.Subnet
            $peer.Address | Should -Be ([ipaddress]$other.Underlay)
            $peer.PacketsSent | Should -BeGreaterThan 0
            $peer.PacketsReceived | Should -BeGreaterThan 0
            # An echo is 84 bytes of IP packet: bytes follow packets.
            $peer.BytesSent | Should -BeGreaterOrEqual (84 * $peer.PacketsSent)
        }
    }

    It 'carries 100 MB of TCP byte-identical while routes change on both hosts' {
        function Get-TunStats([string] $NetNamespace) { (& ip -n $NetNamespace -s -j link show flannel0 | ConvertFrom-Json)[0].stats64 }
        $tun1 = Get-TunStats $h1.Host; $tun2 = Get-TunStats $h2.Host
        $fwd1 = (Get-Forwarder $h1.Host).Peers[0]; $fwd2 = (Get-Forwarder $h2.Host).Peers[0]
        try {
            $transfer = Invoke-TcpTransfer -Megabytes 100 -EachMegabyte {
                param($i)
                # Route churn with data in flight: the live route replaced by itself, decoys added and removed.
                foreach ($h in $h1, $h2) {
                    $other = $lab.Hosts | Where-Object Host -ne $h.Host
                    Set-TunForwarderRoute -NetNamespace $h.Host -TunName flannel0 -Subnet $other.Subnet -Address $other.Underlay
                    Set-TunForwarderRoute -NetNamespace $h.Host -TunName flannel0 -Subnet "10.244.$(100 + $i).0/24" -Address $other.Underlay
                    if ($i -gt 0) { Remove-TunForwarderRoute -NetNamespace $h.Host -TunName flannel0 -Subnet "10.244.$(99 + $i).0/24" }
                }
            }
            $transfer.Received | Should -Be $transfer.Sent
            # Counters survive the route being replaced (same peer) hundreds of times mid-stream.
            ((Get-Forwarder $h1.Host).Peers | Where-Object Subnet -eq $h2.Subnet).BytesSent | Should -BeGreaterThan 100MB
            # Packets the kernel handed to the forwarder on host 1 (flannel0 TX) against IP packets it sent on, and
            # packets it wrote into host 2's flannel0 (RX) against packets it received: with offloads the TUN
            # side moves super-packets (fewer), without them one packet each way (equal).
            $counts = {
                [pscustomobject]@{
                    Read     = (Get-TunStats $h1.Host).tx.packets - $tun1.tx.packets
                    Sent     = ((Get-Forwarder $h1.Host).Peers | Where-Object Subnet -eq $h2.Subnet).PacketsSent - $fwd1.PacketsSent
                    Written  = (Get-TunStats $h2.Host).rx.packets - $tun2.rx.packets
                    Received = ((Get-Forwarder $h2.Host).Peers | Where-Object Subnet -eq $h1.Subnet).PacketsReceived - $fwd2.PacketsReceived
                }
            }
            if ($Offload) {
                $c = & $counts
                $c.Read | Should -BeLessThan $c.Sent
                $c.Written | Should -BeLessThan $c.Received
            }
            else {
                # Equal once the last packets in flight are through.
                Wait-Until { $c = & $counts; $c.Read -eq $c.Sent -and $c.Written -eq $c.Received } -Because 'one TUN packet per IP packet'
            }
        }
        finally {
            foreach ($h in $h1, $h2) { Remove-TunForwarderRoute -NetNamespace $h.Host -TunName flannel0 -Subnet 10.244.199.0/24 -ErrorAction SilentlyContinue }
        }
        (Get-Forwarder $h1.Host).Peers | Should -HaveCount 1
    }

    It 'drops a packet for a subnet with no route, sending nothing' {
        $before = Get-Forwarder $h1.Host
        Send-Datagram -NetNamespace $h1.Host -Destination 10.244.9.9
        Wait-Until { (Get-Forwarder $h1.Host).Drops.NoRoute -eq $before.Drops.NoRoute + 1 } -Because 'NoRoute to count the packet'
        (Get-Forwarder $h1.Host).Peers[0].PacketsSent | Should -Be $before.Peers[0].PacketsSent
    }

    It 'answers an oversize packet with ICMP fragmentation needed (mtu 1472), as a router would' {
        Set-IpLink -NetNamespace $h1.Host -Name flannel0 -Mtu 9000
        # The socket stays open until the error is in: the kernel applies a UDP error only while its socket exists.
        $udp = Invoke-NetNamespace -Name $h1.Host -ScriptBlock { [System.Net.Sockets.UdpClient]::new([System.Net.Sockets.AddressFamily]::InterNetwork) }
        try {
            $before = (Get-Forwarder $h1.Host).Drops.Oversize
            $udp.DontFragment = $true
            [void]$udp.Send([byte[]]::new(3000), 3000, $h2.Ip, 9)
            Wait-Until { (Get-Forwarder $h1.Host).Drops.Oversize -eq $before + 1 } -Because 'Oversize to count the packet'
            # The host took the ICMP error: its route to the destination now carries the path MTU.
            Wait-Until { "$(& ip -n $h1.Host route get $h2.Ip)" -match 'mtu 1472' } -Because 'the path MTU to be learnt'
        }
        finally {
            $udp.Dispose()
            Set-IpLink -NetNamespace $h1.Host -Name flannel0 -Mtu 1472
        }
    }

    It 'drops a datagram from a peer that is not an IP packet as Malformed' {
        $before = (Get-Forwarder $h1.Host).Drops
        Send-Datagram -NetNamespace $h2.Host -Destination $h1.Underlay -Port 8285 -Size 100
        Wait-Until { (Get-Forwarder $h1.Host).Drops.Malformed -eq $before.Malformed + 1 } -Because 'Malformed to count the datagram'
        (Get-Forwarder $h1.Host).Drops.UnknownPeer | Should -Be $before.UnknownPeer
    }

    It 'drops a datagram from an address that is no peer as UnknownPeer' {
        $before = (Get-Forwarder $h1.Host).Drops
        # From host 1 to itself: the source, 192.168.8.101, is nobody's peer address.
        Send-Datagram -NetNamespace $h1.Host -Destination $h1.Underlay -Port 8285 -Size 100
        Wait-Until { (Get-Forwarder $h1.Host).Drops.UnknownPeer -eq $before.UnknownPeer + 1 } -Because 'UnknownPeer to count the datagram'
        (Get-Forwarder $h1.Host).Drops.Malformed | Should -Be $before.Malformed
    }

    It 'counts a datagram the kernel refuses to send as SendError' {
        Set-TunForwarderRoute -NetNamespace $h1.Host -TunName flannel0 -Subnet 10.244.3.0/24 -Address 198.51.100.1
        try {
            $before = (Get-Forwarder $h1.Host).Drops.SendError
            # Host 1 has no route to 198.51.100.1: sendmmsg answers ENETUNREACH.
            Send-Datagram -NetNamespace $h1.Host -Destination 10.244.3.3
            Wait-Until { (Get-Forwarder $h1.Host).Drops.SendError -eq $before + 1 } -Because 'SendError to count the datagram'
        }
        finally {
            Remove-TunForwarderRoute -NetNamespace $h1.Host -TunName flannel0 -Subnet 10.244.3.0/24
        }
    }

    It 'stops forwarding a subnet when its route goes, and resumes when it comes back' {
        Remove-TunForwarderRoute -NetNamespace $h1.Host -TunName flannel0 -Subnet $h2.Subnet
        try {
            $before = (Get-Forwarder $h1.Host).Drops.NoRoute
            @(Test-IpConnectivity -NetNamespace $h1.Container -Destination $h2.Ip -Count 1 -TimeoutMs 500 -ErrorAction SilentlyContinue |
                Where-Object Status -eq 'Success') | Should -HaveCount 0
            (Get-Forwarder $h1.Host).Drops.NoRoute | Should -BeGreaterThan $before
        }
        finally {
            Set-TunForwarderRoute -NetNamespace $h1.Host -TunName flannel0 -Subnet $h2.Subnet -Address $h2.Underlay
        }
        Test-LabPath -NetNamespace $h1.Container -Destination $h2.Ip | Should -Not -BeNullOrEmpty
    }

    # Last in the block: after a refused UDP GSO send the forwarder keeps sending one datagram per packet.
    It 'loses nothing when the underlay cannot take full-size datagrams (UDP GSO refused, IP fragments)' {
        # 1472-byte packets in 1500-byte datagrams on a 1400-byte underlay: the kernel refuses a UDP GSO send
        # (segment larger than the path MTU) and fragments single datagrams.
        foreach ($h in $h1, $h2) { Set-IpLink -NetNamespace $h.Host -Name enp1s0 -Mtu 1400 }
        try {
            $before = (Get-Forwarder $h1.Host).Drops.SendError
            $transfer = Invoke-TcpTransfer -Megabytes 10 -Port 5202
            $transfer.Received | Should -Be $transfer.Sent
            (Get-Forwarder $h1.Host).Drops.SendError | Should -Be $before
        }
        finally {
            foreach ($h in $h1, $h2) { Set-IpLink -NetNamespace $h.Host -Name enp1s0 -Mtu 1500 }
        }
    }
}

Describe 'Start-TunForwarder input and faults' {
    BeforeAll {
        $script:ns = New-TestNamespace -LoopbackUp
        New-VethLink -NetNamespace $ns -Name under0 -PeerName under1 -Up | Out-Null
        Add-IpAddress -NetNamespace $ns -InterfaceName under0 -IPAddress 192.0.2.1/24 | Out-Null
    }
    AfterAll {
        Get-TunForwarder -NetNamespace $ns | Stop-TunForwarder -Confirm:$false
        Remove-TestNamespace $ns
    }

    It 'rejects a bad route before creating anything' {
        { Start-TunForwarder -NetNamespace $ns -TunName tunbad0 -LocalAddress 192.0.2.1 -Route @{ '10.244.300.0/24' = '192.0.2.2' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'TunForwarderInvalidArgument,OverlayNet.Commands.StartTunForwarderCommand'
        { Start-TunForwarder -NetNamespace $ns -TunName tunbad0 -LocalAddress 192.0.2.1 -Route @{ '10.244.2.0/24' = 'fd00::2' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'TunForwarderInvalidArgument,OverlayNet.Commands.StartTunForwarderCommand'
        Get-IpLink -NetNamespace $ns -Name tunbad0 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'shows the kernel''s refusal to bind an address the namespace does not have' {
        $err = { Start-TunForwarder -NetNamespace $ns -TunName tunbad1 -LocalAddress 203.0.113.9 -AsJob -ErrorAction Stop } |
            Should -Throw -ErrorId 'TunForwarderStartFailed,OverlayNet.Commands.StartTunForwarderCommand' -PassThru
        $err.Exception.Message | Should -Match 'Cannot assign requested address'
        Get-TunForwarder -NetNamespace $ns | Should -BeNullOrEmpty
        # The TUN device it had created for the start is gone again.
        Get-IpLink -NetNamespace $ns -Name tunbad1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a second forwarder on the same TUN device' {
        $job = Start-TunForwarder -NetNamespace $ns -TunName tundup0 -LocalAddress 192.0.2.1 -Port 18285 -AsJob
        try {
            { Start-TunForwarder -NetNamespace $ns -TunName tundup0 -LocalAddress 192.0.2.1 -Port 18286 -AsJob -ErrorAction Stop } |
                Should -Throw -ErrorId 'TunForwarderStartFailed,OverlayNet.Commands.StartTunForwarderCommand'
        }
        finally {
            Stop-TunForwarder -NetNamespace $ns -TunName tundup0
        }
        $job.State | Should -Be 'Completed'
        Remove-Job $job
    }

    It 'reports a forwarder or route that does not exist, naming it' {
        Stop-TunForwarder -NetNamespace $ns -TunName nosuch0 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'TunForwarderNotFound,OverlayNet.Commands.StopTunForwarderCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $job = Start-TunForwarder -NetNamespace $ns -TunName tunrt0 -LocalAddress 192.0.2.1 -Port 18287 -AsJob
        try {
            Remove-TunForwarderRoute -NetNamespace $ns -TunName tunrt0 -Subnet 10.9.0.0/16 -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e2[0].FullyQualifiedErrorId | Should -Be 'TunForwarderRouteNotFound,OverlayNet.Commands.RemoveTunForwarderRouteCommand'
            Set-TunForwarderRoute -NetNamespace $ns -TunName tunrt0 -Subnet 10.9.0.0/16 -Address fd00::1 -ErrorVariable e3 -ErrorAction SilentlyContinue
            $e3[0].FullyQualifiedErrorId | Should -Be 'TunForwarderRouteInvalid,OverlayNet.Commands.SetTunForwarderRouteCommand'
            (Get-TunForwarder -NetNamespace $ns -TunName tunrt0).Peers | Should -HaveCount 0
            Set-TunForwarderRoute -NetNamespace $ns -TunName tunrt0 -Subnet 10.9.1.7/16 -Address 192.0.2.7 -WhatIf
            (Get-TunForwarder -NetNamespace $ns -TunName tunrt0).Peers | Should -HaveCount 0
        }
        finally {
            Stop-TunForwarder -NetNamespace $ns -TunName tunrt0
            Remove-Job $job
        }
    }

    It 'stops on Ctrl+C in the foreground, leaving no thread, socket or TUN queue' {
        $ps = New-ForwarderRunspace
        try {
            $idle = Get-ResourceSummary
            [void]$ps.AddCommand('Start-TunForwarder').AddParameters(@{
                    NetNamespace = $ns; TunName = 'tunint0'; LocalAddress = '192.0.2.1'; Port = 18288; Queues = 2 })
            $run = $ps.BeginInvoke()
            Wait-Until { Get-TunForwarder -NetNamespace $ns -TunName tunint0 } -TimeoutSeconds 30 -Because 'the forwarder to start'
            # Two queues: two TUN files and four named threads (out and in per queue).
            Wait-Until { $busy = Get-ResourceSummary; $busy.Tun -eq $idle.Tun + 2 -and $busy.Threads -eq $idle.Threads + 4 } `
                -Because 'two queues and four forwarding threads'
            $ps.Stop()                                   # what Ctrl+C does: StopProcessing
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Get-TunForwarder -NetNamespace $ns -TunName tunint0 | Should -BeNullOrEmpty
            Wait-Until { $now = Get-ResourceSummary; $now.Tun -eq $idle.Tun -and $now.Threads -eq $idle.Threads -and
                $now.Sockets -eq $idle.Sockets -and $now.EventFd -eq $idle.EventFd } -Because 'every descriptor and thread to be gone'
            # The device the forwarder created stays, as after `ip tuntap add`.
            (Get-TunTapLink -NetNamespace $ns -Name tunint0).MultiQueue | Should -BeTrue
        }
        finally { $ps.Dispose() }
    }

    It 'ends with a clear error when the TUN device is removed under it (foreground and job)' {
        $ps = New-ForwarderRunspace
        try {
            $idle = Get-ResourceSummary
            [void]$ps.AddCommand('Start-TunForwarder').AddParameters(@{
                    NetNamespace = $ns; TunName = 'tungone0'; LocalAddress = '192.0.2.1'; Port = 18289 })
            $run = $ps.BeginInvoke()
            Wait-Until { Get-TunForwarder -NetNamespace $ns -TunName tungone0 } -TimeoutSeconds 30 -Because 'the forwarder to start'
            Remove-IpLink -NetNamespace $ns -Name tungone0
            Wait-Until { $ps.InvocationStateInfo.State -eq 'Failed' } -TimeoutSeconds 30 -Because 'the forwarder to fail'
            $ps.InvocationStateInfo.Reason.Message | Should -Match "TUN device 'tungone0' was removed"
            Get-TunForwarder -NetNamespace $ns -TunName tungone0 | Should -BeNullOrEmpty
            Wait-Until { $now = Get-ResourceSummary; $now.Tun -eq $idle.Tun -and $now.Threads -eq $idle.Threads } -Because 'queues and threads to be gone'
        }
        finally { $ps.Dispose() }

        $job = Start-TunForwarder -NetNamespace $ns -TunName tungone1 -LocalAddress 192.0.2.1 -Port 18290 -AsJob
        Remove-IpLink -NetNamespace $ns -Name tungone1
        Wait-Until { $job.State -eq 'Failed' } -TimeoutSeconds 30 -Because 'the job to fail'
        $job.Error[0].Exception.Message | Should -Match "TUN device 'tungone1' was removed"
        Remove-Job $job
    }
}
