# Watch-NetlinkEvent and the Wait- cmdlets against real kernel changes, each in namespaces of its own.
# Nothing here sleeps to let something happen: a watch is known to listen once it reports a marker change
# (an alias on lo that a thread job sets until the watch has seen it), and a Wait- call is known to be
# subscribed once its socket shows up in the namespace's /proc/net/netlink.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $script:manifest = Join-Path (Get-Module OverlayNet).ModuleBase 'OverlayNet.psd1'

    function Invoke-WhileWatching {
        <#
            Runs Watch-NetlinkEvent here and -Change in a thread job once the watch listens, and returns the events
            of -Type seen in between. The job sets lo's alias in the first namespace ("poke0", "poke1"...) until
            the watch has reported one, runs -Change (arguments: a $Poke scriptblock, which pokes until a condition
            on $Sync holds, then -ArgumentList), then sets the alias "done", which ends the watch. $Sync.Errors
            counts the watch's errors so far. The watch's errors are left in $script:WatchErrors.
        #>
        param([string[]] $NetNamespace, [string[]] $Type, [string] $Change, [object[]] $ArgumentList = @(), [int] $TimeoutSeconds = 90)
        $sync = [hashtable]::Synchronized(@{ Ready = $false; Errors = 0 })
        $marker = $NetNamespace[0]
        # The kernel reports a changed alias only for a link that is up.
        foreach ($n in $NetNamespace) { Enable-IpLink -NetNamespace $n -Name lo }
        $job = Start-ThreadJob -ArgumentList $script:manifest, $sync, $marker, $Change, $ArgumentList -ScriptBlock {
            param($Manifest, $Sync, $Marker, $Change, $Arguments)
            $ErrorActionPreference = 'Stop'
            Import-Module $Manifest
            $poke = {
                param([scriptblock] $Until)
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                for ($i = 0; -not (& $Until); $i++) {
                    if ([DateTime]::UtcNow -gt $deadline) { throw "the watch never got to: $Until" }
                    Set-IpLink -NetNamespace $Marker -Name lo -Alias "poke$i"
                    Start-Sleep -Milliseconds 100
                }
            }.GetNewClosure()
            & $poke { $Sync.Ready }
            & ([scriptblock]::Create($Change)) $poke $Sync @Arguments
            Set-IpLink -NetNamespace $Marker -Name lo -Alias 'done'
        }
        $events = [System.Collections.Generic.List[object]]::new()
        $watchErrors = [System.Collections.ArrayList]::new()
        try {
            do {
                Watch-NetlinkEvent -NetNamespace $NetNamespace -Type (@($Type) + 'Link') -Timeout $TimeoutSeconds -ErrorVariable +watchErrors -ErrorAction SilentlyContinue | ForEach-Object {
                    if ($_.Type -eq 'Link' -and $_.InterfaceName -eq 'lo' -and $_.NetNamespace -eq $marker -and $_.Object.Alias) {
                        if ($_.Object.Alias -eq 'done') { break }
                        $sync.Errors = @(Select-WatchError $watchErrors).Count
                        $sync.Ready = $true
                        return
                    }
                    if ($Type -contains $_.Type -or ($Type -contains 'Miss' -and $_.Action -eq 'Miss')) { $events.Add($_) }
                }
            } while ($false)
        }
        finally {
            $job | Wait-Job -Timeout 60 | Out-Null
            $jobErrors = @($job.ChildJobs[0].Error) + @(if ($job.ChildJobs[0].JobStateInfo.Reason) { $job.ChildJobs[0].JobStateInfo.Reason })
            $job | Remove-Job -Force
        }
        $script:WatchErrors = @(Select-WatchError $watchErrors)
        if ($jobErrors) { throw "the change failed: $($jobErrors -join '; ')" }
        return , $events
    }

    function Select-WatchError($Errors) {
        # `break` ends a watch by unwinding the pipeline, which PowerShell also records in -ErrorVariable.
        $Errors | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.Exception -isnot [System.Management.Automation.FlowControlException] }
    }

    function Get-SubscribedSocketCount([string] $NetNamespace) {
        <# rtnetlink sockets in the namespace that joined a multicast group (the Groups column is not zero). #>
        @(& ip netns exec $NetNamespace cat /proc/net/netlink | Select-Object -Skip 1 | Where-Object {
                $f = -split $_; $f[1] -eq '0' -and $f[3] -ne '00000000' }).Count
    }

    function Read-UntilDone($Stream, [int] $TimeoutSeconds) {
        <# The stream's events up to a link whose alias is "done" (the marker that everything before it is in), other links left out. #>
        $events = [System.Collections.Generic.List[object]]::new()
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        $e = $null
        while ([DateTime]::UtcNow -lt $deadline) {
            while ($Stream.Events.TryRead([ref]$e)) {
                if ($e.Type -ne 'Link') { $events.Add($e) }
                elseif ($e.Object.Alias -eq 'done') { return , $events }
            }
            [void]$Stream.Events.WaitToReadAsync([Threading.CancellationToken]::None).AsTask().Wait(1000)
        }
        return , $events
    }

    function Get-EventThreadCount {
        <# Threads of this process named by NetlinkEventStream (Linux keeps the first 15 bytes of the name). #>
        @(Get-Content "/proc/$PID/task/*/comm" -ErrorAction SilentlyContinue | Where-Object { $_ -like 'netlink events*' }).Count
    }
}

Describe 'Watch-NetlinkEvent' {
    BeforeAll {
        $script:ns = New-TestNamespace
    }
    AfterAll {
        Remove-TestNamespace $script:ns
    }

    It 'reports every kind of change with its Action and the typed object after it' {
        $change = {
            param($Poke, $Sync, $ns)
            New-BridgeLink -NetNamespace $ns -Name br0 | Out-Null
            Enable-IpLink -NetNamespace $ns -Name br0
            Add-IpAddress -NetNamespace $ns -InterfaceName br0 -IPAddress 10.1.0.1/24 | Out-Null
            Add-IpRoute -NetNamespace $ns -DestinationPrefix 10.2.0.0/24 -NextHop 10.1.0.2 | Out-Null
            Add-IpNeighbor -NetNamespace $ns -IPAddress 10.1.0.9 -LinkLayerAddress 02:00:00:00:00:09 -InterfaceName br0 | Out-Null
            Set-IpNeighbor -NetNamespace $ns -IPAddress 10.1.0.9 -LinkLayerAddress 02:00:00:00:00:0a -InterfaceName br0
            Remove-IpNeighbor -NetNamespace $ns -IPAddress 10.1.0.9 -InterfaceName br0
            New-VxlanLink -NetNamespace $ns -Name vx0 -Vni 5 | Out-Null
            Add-BridgeFdbEntry -NetNamespace $ns -MacAddress 02:00:00:00:00:0b -InterfaceName vx0 -Destination 192.0.2.1 | Out-Null
            Remove-BridgeFdbEntry -NetNamespace $ns -MacAddress 02:00:00:00:00:0b -InterfaceName vx0 -Destination 192.0.2.1
            Add-IpRule -NetNamespace $ns -Priority 100 -Table 100 | Out-Null
            Remove-IpRule -NetNamespace $ns -Priority 100 -Table 100
            Remove-IpRoute -NetNamespace $ns -DestinationPrefix 10.2.0.0/24 -NextHop 10.1.0.2
            Remove-IpAddress -NetNamespace $ns -InterfaceName br0 -IPAddress 10.1.0.1/24
            Remove-IpLink -NetNamespace $ns -Name br0
        }
        $events = Invoke-WhileWatching -NetNamespace $script:ns -Type Link, Address, Route, Neighbor, Fdb, Rule -Change $change -ArgumentList $script:ns
        function Find([string] $Action, [string] $Type, [scriptblock] $Where) {
            @($events | Where-Object { "$($_.Action)" -eq $Action -and "$($_.Type)" -eq $Type -and (& $Where $_.Object) })
        }

        $new = Find New Link { $args[0].Name -eq 'br0' }
        $new | Should -HaveCount 1
        $new[0].Object | Should -BeOfType ([OverlayNet.BridgeLink])
        $new[0].Object.AdminState | Should -Be 'Down'
        $new[0].InterfaceName | Should -Be 'br0'
        (Find Changed Link { $args[0].Name -eq 'br0' -and $args[0].AdminState -eq 'Up' }) | Should -Not -BeNullOrEmpty
        (Find Deleted Link { $args[0].Name -eq 'br0' }) | Should -HaveCount 1

        $addr = Find New Address { "$($args[0].IPAddress)" -eq '10.1.0.1' }
        $addr | Should -HaveCount 1
        $addr[0].Object | Should -BeOfType ([OverlayNet.IpAddress])
        $addr[0].Object.PrefixLength | Should -Be 24
        $addr[0].Object.InterfaceName | Should -Be 'br0'
        (Find Deleted Address { "$($args[0].IPAddress)" -eq '10.1.0.1' }) | Should -HaveCount 1

        $route = Find New Route { $args[0].DestinationPrefix -eq '10.2.0.0/24' }
        $route | Should -HaveCount 1
        $route[0].Object | Should -BeOfType ([OverlayNet.IpRoute])
        "$($route[0].Object.NextHop)" | Should -Be '10.1.0.2'
        $route[0].Object.InterfaceName | Should -Be 'br0'
        (Find Deleted Route { $args[0].DestinationPrefix -eq '10.2.0.0/24' }) | Should -HaveCount 1

        $neigh = Find New Neighbor { "$($args[0].IPAddress)" -eq '10.1.0.9' }
        $neigh | Should -HaveCount 1
        $neigh[0].Object | Should -BeOfType ([OverlayNet.IpNeighbor])
        "$($neigh[0].Object.LinkLayerAddress)" | Should -Be '02:00:00:00:00:09'
        $neigh[0].Object.State | Should -Be 'Permanent'
        # (Deleting a permanent entry is reported as a change to FAILED, then the deletion, as `ip monitor` shows.)
        $changed = Find Changed Neighbor { "$($args[0].IPAddress)" -eq '10.1.0.9' -and $args[0].LinkLayerAddress }
        $changed | Should -HaveCount 1
        "$($changed[0].Object.LinkLayerAddress)" | Should -Be '02:00:00:00:00:0a'
        (Find Deleted Neighbor { "$($args[0].IPAddress)" -eq '10.1.0.9' }) | Should -HaveCount 1

        $fdb = Find New Fdb { "$($args[0].MacAddress)" -eq '02:00:00:00:00:0b' }
        $fdb | Should -HaveCount 1
        $fdb[0].Object | Should -BeOfType ([OverlayNet.BridgeFdbEntry])
        "$($fdb[0].Object.Destination)" | Should -Be '192.0.2.1'
        $fdb[0].Object.InterfaceName | Should -Be 'vx0'
        (Find Deleted Fdb { "$($args[0].MacAddress)" -eq '02:00:00:00:00:0b' }) | Should -HaveCount 1

        $rule = Find New Rule { $args[0].Priority -eq 100 }
        $rule | Should -HaveCount 1
        $rule[0].Object | Should -BeOfType ([OverlayNet.IpRule])
        $rule[0].Object.Table | Should -Be 100
        (Find Deleted Rule { $args[0].Priority -eq 100 }) | Should -HaveCount 1

        # Every event and object says where it happened, so it pipes on into the right namespace.
        @($events | Where-Object NetNamespace -NE $script:ns) | Should -BeNullOrEmpty
        @($events | Where-Object { $_.Object.NetNamespace -ne $script:ns }) | Should -BeNullOrEmpty
    }

    It 'reports VXLAN misses: L3Miss with the IP, L2Miss with the MAC' {
        $h, $c = New-TestNamespace -Count 2
        try {
            New-BridgeLink -NetNamespace $h -Name br0 -Up | Out-Null
            New-VxlanLink -NetNamespace $h -Name vx1 -Vni 7 -Learning:$false -Proxy -L2Miss -L3Miss -Master br0 -Up | Out-Null
            New-VethLink -NetNamespace $h -Name vc0 -PeerName eth0 -PeerNetNamespace $c -Master br0 -Up | Out-Null
            Enable-IpLink -NetNamespace $c -Name eth0
            Add-IpAddress -NetNamespace $c -InterfaceName eth0 -IPAddress 10.20.1.2/24 | Out-Null
            $change = {
                param($Poke, $Sync, $h, $c)
                # The container ARPs for .3: vx1 answers ARP itself (proxy), has no entry and reports an L3 miss.
                Test-IpConnectivity -NetNamespace $c -Destination 10.20.1.3 -Count 1 -TimeoutMs 300 | Out-Null
                Add-IpNeighbor -NetNamespace $h -IPAddress 10.20.1.3 -LinkLayerAddress 02:00:00:00:00:03 -InterfaceName vx1 | Out-Null
                # Its next ARP is answered; the ICMP to 02:..:03 then finds no FDB entry: an L2 miss.
                foreach ($try in 1..5) {
                    Test-IpConnectivity -NetNamespace $c -Destination 10.20.1.3 -Count 1 -TimeoutMs 1000 | Out-Null
                    if (Get-IpNeighbor -NetNamespace $c -IPAddress 10.20.1.3 | Where-Object LinkLayerAddress) { break }
                }
            }
            $events = Invoke-WhileWatching -NetNamespace $h -Type Miss -Change $change -ArgumentList $h, $c

            $l3 = @($events | Where-Object { $_.Type -eq 'L3Miss' -and "$($_.Object.IPAddress)" -eq '10.20.1.3' })
            $l3 | Should -Not -BeNullOrEmpty
            $l3[0].Action | Should -Be 'Miss'
            $l3[0].Object | Should -BeOfType ([OverlayNet.IpNeighbor])
            $l3[0].InterfaceName | Should -Be 'vx1'
            $l3[0].NetNamespace | Should -Be $h
            $l2 = @($events | Where-Object { $_.Type -eq 'L2Miss' -and "$($_.Object.MacAddress)" -eq '02:00:00:00:00:03' })
            $l2 | Should -Not -BeNullOrEmpty
            $l2[0].Object | Should -BeOfType ([OverlayNet.BridgeFdbEntry])
            $l2[0].Object.InterfaceName | Should -Be 'vx1'
        }
        finally {
            Remove-TestNamespace $h, $c
        }
    }

    It 'streams two namespaces into one pipeline and goes on when one of them is deleted' {
        $a, $b = New-TestNamespace -Count 2
        try {
            $change = {
                param($Poke, $Sync, $a, $b)
                Set-IpLink -NetNamespace $b -Name lo -Alias 'from-b'
                Remove-NetNamespace -Name $b -Confirm:$false
                & $Poke { $Sync.Errors -gt 0 }
                New-BridgeLink -NetNamespace $a -Name after0 | Out-Null
            }
            $events = Invoke-WhileWatching -NetNamespace $a, $b -Type Link -Change $change -ArgumentList $a, $b

            $fromB = @($events | Where-Object { $_.NetNamespace -eq $b -and $_.Object.Alias -eq 'from-b' })
            $fromB | Should -HaveCount 1
            $fromB[0].Action | Should -Be 'Changed'
            $script:WatchErrors | Should -HaveCount 1
            $script:WatchErrors[0].FullyQualifiedErrorId | Should -Be 'NetNamespaceGone,OverlayNet.Commands.WatchNetlinkEventCommand'
            $script:WatchErrors[0].TargetObject | Should -Be $b
            "$($script:WatchErrors[0])" | Should -Match 'was deleted while it was watched'
            $after = @($events | Where-Object { $_.NetNamespace -eq $a -and $_.Object.Name -eq 'after0' -and $_.Action -eq 'New' })
            $after | Should -HaveCount 1
        }
        finally {
            Remove-TestNamespace $a, $b
        }
    }

    It 'sees a burst of 50,000 FDB entries whole, or resyncs, and ends equal to a dump' {
        New-VxlanLink -NetNamespace $script:ns -Name vxb -Vni 9 -Learning:$false | Out-Null
        $batch = Join-Path ([IO.Path]::GetTempPath()) "$($script:ns)-fdb.batch"
        $lines = foreach ($i in 0..49999) {
            'fdb add 02:00:00:{0:x2}:{1:x2}:{2:x2} dev vxb dst 192.0.2.{3} self permanent' -f (($i -shr 16) -band 255), (($i -shr 8) -band 255), ($i -band 255), (1 + $i % 200)
        }
        Set-Content -Path $batch -Value $lines
        try {
            $change = {
                param($Poke, $Sync, $ns, $batch)
                & bridge -n $ns -batch $batch
                if ($LASTEXITCODE -ne 0) { throw "bridge -batch failed with $LASTEXITCODE" }
            }
            $events = Invoke-WhileWatching -NetNamespace $script:ns -Type Fdb -Change $change -ArgumentList $script:ns, $batch
        }
        finally {
            Remove-Item $batch -ErrorAction SilentlyContinue
        }
        # A consumer that applies every event ends with the kernel's table.
        $state = @{}
        $resyncs = 0
        foreach ($e in $events) {
            if ($e.Action -eq 'Resync') { $resyncs++; continue }
            $key = "$($e.Object.MacAddress) $($e.Object.Destination)"
            if ($e.Action -eq 'Deleted') { $state.Remove($key) } else { $state[$key] = $true }
        }
        $dump = @(Get-BridgeFdbEntry -NetNamespace $script:ns -InterfaceName vxb | ForEach-Object { "$($_.MacAddress) $($_.Destination)" })
        $dump | Should -HaveCount 50000
        if ($resyncs -eq 0) { @($events | Where-Object Action -EQ 'New') | Should -HaveCount 50000 }
        @($state.Keys | Sort-Object) | Should -Be @($dump | Sort-Object)
        Write-Host "    50,000 FDB adds: $($events.Count) events, $resyncs resyncs"
    }

    It 'resyncs when the kernel drops notifications (ENOBUFS) and reports what changed meanwhile' {
        $n = New-TestNamespace
        try {
            New-VxlanLink -NetNamespace $n -Name vxr -Vni 11 -Learning:$false | Out-Null
            Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:ff:01 -InterfaceName vxr -Destination 192.0.2.9 | Out-Null
            # Subscribed but not reading yet, with a receive buffer of a few notifications: the burst overflows it.
            Enable-IpLink -NetNamespace $n -Name lo
            $stream = [OverlayNet.Netlink.Events.NetlinkEventStream]::Open('Fdb, Link', "/run/netns/$n", $n, $null, 4096)
            try {
                Remove-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:ff:01 -InterfaceName vxr -Destination 192.0.2.9
                0..1999 | ForEach-Object { [pscustomobject]@{ MacAddress = '02:00:00:01:{0:x2}:{1:x2}' -f ($_ -shr 8), ($_ -band 255); Destination = '192.0.2.1' } } |
                    Add-BridgeFdbEntry -NetNamespace $n -InterfaceName vxr | Out-Null
                $stream.Start()
                Set-IpLink -NetNamespace $n -Name lo -Alias 'done'
                $events = Read-UntilDone $stream 60
            }
            finally {
                $stream.Dispose()
            }
            $stream.ResyncCount | Should -BeGreaterThan 0
            @($events | Where-Object { $_.Action -eq 'Resync' -and $_.Type -eq 'Fdb' }).Count | Should -BeGreaterThan 0
            @($events | Where-Object { $_.Action -eq 'Deleted' -and "$($_.Object.MacAddress)" -eq '02:00:00:00:ff:01' }) | Should -HaveCount 1
            $state = @{ '02:00:00:00:ff:01' = $true }
            foreach ($e in $events) {
                if ($e.Action -eq 'Resync') { continue }
                if ($e.Action -eq 'Deleted') { $state.Remove("$($e.Object.MacAddress)") } else { $state["$($e.Object.MacAddress)"] = $true }
            }
            $dump = @(Get-BridgeFdbEntry -NetNamespace $n -InterfaceName vxr | ForEach-Object { "$($_.MacAddress)" })
            $dump | Should -HaveCount 2000
            @($state.Keys | Sort-Object) | Should -Be @($dump | Sort-Object)
        }
        finally {
            Remove-TestNamespace $n
        }
    }

    It 'a stream for one interface reads only its neighbours and FDB entries: the kernel drops the others' {
        # The control-plane agent watches its VXLAN device this way; the reference's device next to it (and a
        # host's other neighbour traffic) must not reach it at all, not even as a datagram to throw away.
        $n = New-TestNamespace
        try {
            foreach ($d in 'vxa', 'vxb') {
                New-VxlanLink -NetNamespace $n -Name $d -Vni $(if ($d -eq 'vxa') { 21 } else { 22 }) -Learning:$false | Out-Null
                Enable-IpLink -NetNamespace $n -Name $d
            }
            Add-IpNeighbor -NetNamespace $n -IPAddress 10.9.0.1 -LinkLayerAddress 02:00:00:00:0a:01 -InterfaceName vxa | Out-Null
            Add-IpNeighbor -NetNamespace $n -IPAddress 10.9.0.2 -LinkLayerAddress 02:00:00:00:0b:01 -InterfaceName vxb | Out-Null
            $index = (Get-IpLink -NetNamespace $n -Name vxa).Index
            $stream = [OverlayNet.Netlink.Events.NetlinkEventStream]::Start('Neighbor, Fdb, Link', "/run/netns/$n", $n, $null, $index)
            try {
                $stream.InterfaceIndex | Should -Be $index
                # (IPv6 brings multicast neighbours of its own on each device: only the test's IPv4 ones are looked at.)
                @($stream.InitialState('Neighbor') | ForEach-Object { "$($_.IPAddress)" } | Where-Object { $_ -like '10.9.*' }) | Should -Be @('10.9.0.1')
                # vxb's changes first, vxa's last: once vxa's last one is in, vxb's would have been read before it.
                Add-IpNeighbor -NetNamespace $n -IPAddress 10.9.0.3 -LinkLayerAddress 02:00:00:00:0b:02 -InterfaceName vxb | Out-Null
                Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:0b:02 -InterfaceName vxb -Destination 192.0.2.2 | Out-Null
                Remove-IpNeighbor -NetNamespace $n -IPAddress 10.9.0.2 -InterfaceName vxb
                Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:0a:02 -InterfaceName vxa -Destination 192.0.2.1 | Out-Null
                Remove-IpNeighbor -NetNamespace $n -IPAddress 10.9.0.1 -InterfaceName vxa
                Set-IpLink -NetNamespace $n -Name vxb -Alias 'done'
                # Links are all reported: vxb's alias is the marker that everything before it is in.
                $all = Read-UntilDone $stream 30
                $events = @($all | Where-Object { $_.Type -ne 'Neighbor' -or "$($_.Object.IPAddress)" -like '10.9.*' })
            }
            finally {
                $stream.Dispose()
            }
            # (A permanent neighbour's removal comes as a change to FAILED, then the deletion.)
            @($events | Where-Object InterfaceName -NE 'vxa') | Should -BeNullOrEmpty
            @($events | Where-Object { $_.Action -eq 'New' -and $_.Type -eq 'Fdb' -and "$($_.Object.MacAddress)" -eq '02:00:00:00:0a:02' }) | Should -HaveCount 1
            @($events | Where-Object { $_.Action -eq 'Deleted' -and $_.Type -eq 'Neighbor' -and "$($_.Object.IPAddress)" -eq '10.9.0.1' }) | Should -HaveCount 1
            @($events | Where-Object Type -EQ 'Fdb') | Should -HaveCount 1

            # In the kernel, not after reading: a stream for vxa with room for a few notifications, not reading
            # yet, while 2,000 FDB entries go onto vxb. Unfiltered they would overflow it (ENOBUFS, a resync).
            $quiet = [OverlayNet.Netlink.Events.NetlinkEventStream]::Open('Fdb', "/run/netns/$n", $n, $null, 4096, $index)
            try {
                0..1999 | ForEach-Object { [pscustomobject]@{ MacAddress = '02:00:00:02:{0:x2}:{1:x2}' -f ($_ -shr 8), ($_ -band 255); Destination = '192.0.2.3' } } |
                    Add-BridgeFdbEntry -NetNamespace $n -InterfaceName vxb | Out-Null
                Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:0a:03 -InterfaceName vxa -Destination 192.0.2.1 | Out-Null
                $quiet.Start()
                $e = $null
                Wait-Until -TimeoutSeconds 30 -Because "vxa's entry to come through" { $quiet.Events.TryRead([ref]$e) }
                "$($e.Action) $($e.InterfaceName) $($e.Object.MacAddress)" | Should -Be 'New vxa 02:00:00:00:0a:03'
                $quiet.ResyncCount | Should -Be 0
            }
            finally {
                $quiet.Dispose()
            }
        }
        finally {
            Remove-TestNamespace $n
        }
    }

    It 'stops at Ctrl+C (StopProcessing) within moments, leaving no thread or socket' {
        $before = Get-EventThreadCount
        $ps = [powershell]::Create()
        [void]$ps.AddScript("Import-Module '$script:manifest'; Watch-NetlinkEvent -NetNamespace '$script:ns'")
        $run = $ps.BeginInvoke()
        try {
            # The socket subscribes first; the reading thread starts once the current state has been read.
            Wait-Until -TimeoutSeconds 30 -Because 'the watch to subscribe and read' {
                (Get-SubscribedSocketCount $script:ns) -eq 1 -and (Get-EventThreadCount) -eq $before + 1 }
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()
            $run.IsCompleted | Should -BeTrue
            Write-Host "    Stop() returned after $([int]$clock.Elapsed.TotalMilliseconds) ms"
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            Get-SubscribedSocketCount $script:ns | Should -Be 0
            Get-EventThreadCount | Should -Be $before
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'refuses <Case> before subscribing' -ForEach @(
        @{ Case = 'an unknown type'; Arguments = @{ Type = 'Bogus' }; ErrorId = 'ParameterArgumentValidationError,OverlayNet.Commands.WatchNetlinkEventCommand' }
        @{ Case = '-Count 0'; Arguments = @{ Count = 0 }; ErrorId = 'ParameterArgumentValidationError,OverlayNet.Commands.WatchNetlinkEventCommand' }
        @{ Case = 'a namespace that does not exist'; Arguments = @{ NetNamespace = 'ont-missing-ns' }; ErrorId = 'WatchNetlinkEventFailed,OverlayNet.Commands.WatchNetlinkEventCommand' }
        @{ Case = 'a timeout that is not positive'; Arguments = @{ Timeout = 0 }; ErrorId = 'ParameterArgumentTransformationError,OverlayNet.Commands.WatchNetlinkEventCommand' }
    ) {
        $before = Get-EventThreadCount
        { Watch-NetlinkEvent @Arguments -ErrorAction Stop } | Should -Throw -ErrorId $ErrorId
        Get-EventThreadCount | Should -Be $before
    }
}

Describe 'Wait-IpLink, Wait-IpAddress, Wait-IpNeighbor' {
    BeforeAll {
        $script:w, $script:peer = New-TestNamespace -Count 2
        New-VethLink -NetNamespace $script:w -Name wv0 -PeerName wv1 -PeerNetNamespace $script:peer | Out-Null
        Add-IpNeighbor -NetNamespace $script:w -IPAddress 10.3.0.5 -LinkLayerAddress 02:00:00:00:00:05 -InterfaceName wv0 | Out-Null
    }
    AfterAll {
        Remove-TestNamespace $script:w, $script:peer
    }

    It 'returns at once for a state reached before the call' {
        $n = Wait-IpNeighbor -NetNamespace $script:w -IPAddress 10.3.0.5 -State Permanent -Timeout 5
        $n | Should -BeOfType ([OverlayNet.IpNeighbor])
        "$($n.LinkLayerAddress)" | Should -Be '02:00:00:00:00:05'
        $n.NetNamespace | Should -Be $script:w
        $l = Wait-IpLink -NetNamespace $script:w -Name wv0 -State Down -Timeout 5
        $l.Name | Should -Be 'wv0'
        $l.AdminState | Should -Be 'Down'
    }

    It 'returns when the state is reached after the call' {
        # The job brings both ends up only once the wait's subscription shows in the namespace.
        $job = Start-ThreadJob -ArgumentList $script:manifest, $script:w, $script:peer -ScriptBlock {
            param($Manifest, $W, $Peer)
            $ErrorActionPreference = 'Stop'
            Import-Module $Manifest
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not @(& ip netns exec $W cat /proc/net/netlink | Select-Object -Skip 1 | Where-Object { $f = -split $_; $f[1] -eq '0' -and $f[3] -ne '00000000' })) {
                if ([DateTime]::UtcNow -gt $deadline) { throw 'Wait-IpLink never subscribed' }
                Start-Sleep -Milliseconds 20
            }
            Enable-IpLink -NetNamespace $W -Name wv0
            Enable-IpLink -NetNamespace $Peer -Name wv1
        }
        try {
            $l = Wait-IpLink -NetNamespace $script:w -Name wv0 -State LowerUp -Timeout 30
            $job | Wait-Job -Timeout 30 | Receive-Job
        }
        finally {
            $job | Remove-Job -Force
        }
        $l.Name | Should -Be 'wv0'
        $l.AdminState | Should -Be 'Up'
        $l.LowerUp | Should -BeTrue

        # IPv6 duplicate address detection ends about a second after the address is added.
        Add-IpAddress -NetNamespace $script:w -InterfaceName wv0 -IPAddress fd00:3::5/64 | Out-Null
        $a = Wait-IpAddress -NetNamespace $script:w -IPAddress fd00:3::5 -InterfaceName wv0 -Timeout 30
        "$($a.IPAddress)" | Should -Be 'fd00:3::5'
        ($a.Flags -band 0x40) | Should -Be 0 -Because 'the address is no longer tentative'
        (Get-IpAddress -NetNamespace $script:w -InterfaceName wv0 | Where-Object { "$($_.IPAddress)" -eq 'fd00:3::5' }).Flags -band 0x40 | Should -Be 0
    }

    It 'ends with an OperationTimeout error naming <Case>' -ForEach @(
        @{ Case = 'what it saw last'; Command = { Wait-IpNeighbor -NetNamespace $script:w -IPAddress 10.3.0.5 -State Reachable -Timeout 0.5 -ErrorAction Stop }
            ErrorId = 'WaitTimeout,OverlayNet.Commands.WaitIpNeighborCommand'; Pattern = "neighbour 10\.3\.0\.5 to be Reachable .*last seen: 10\.3\.0\.5 dev wv0 lladdr 02:00:00:00:00:05 PERMANENT" }
        @{ Case = 'a link never seen'; Command = { Wait-IpLink -NetNamespace $script:w -Name nosuch0 -Timeout 0.5 -ErrorAction Stop }
            ErrorId = 'WaitTimeout,OverlayNet.Commands.WaitIpLinkCommand'; Pattern = "link 'nosuch0' to be Up .*it was never seen" }
    ) {
        $err = $null
        try { & $Command } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be $ErrorId
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        "$err" | Should -Match $Pattern
    }

    It 'refuses a bad interface name before subscribing' {
        { Wait-IpLink -NetNamespace $script:w -Name 'bad/name' -Timeout 1 -ErrorAction Stop } | Should -Throw -ErrorId 'WaitFailed,OverlayNet.Commands.WaitIpLinkCommand'
        Get-SubscribedSocketCount $script:w | Should -Be 0
    }
}

AfterAll {
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
