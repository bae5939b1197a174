# Issue 13: the control plane. Three host namespaces on a switched underlay, a 3-member etcd on loopback
# (started in BeforeAll, stopped by pid in AfterAll), agents keeping VXLAN FDB and neighbour tables in sync.
# Tables are read back with iproute2 (`bridge -j fdb`, `ip -j neigh`), the reference nobody here wrote.
# Deadlines are the issue's (1 s, 3 s, TTL + 1 s) times a factor for a loaded 2-core machine; measured
# times are printed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $script:modulePath = if ($env:OVERLAYNET_MODULE) { $env:OVERLAYNET_MODULE } else { Join-Path $PSScriptRoot '../../out/OverlayNet' }
    Import-Module (Join-Path $PSScriptRoot '../../examples/Lab.psm1') -Force
    $script:Slack = 3   # loosening factor for deadlines on a loaded machine

    $script:prefix = New-TestName 'ag'
    $script:store = Start-OverlayStore -Name $prefix -Members 3
    $script:etcd = $store.Endpoints
    $script:extraPids = [System.Collections.Generic.List[int]]::new()
    New-OverlayNetwork -Name ov_net1 -Vni 256 -Subnet 10.0.0.0/24 -EtcdEndpoint $etcd | Out-Null
    New-OverlayNetwork -Name ov_net2 -Vni 257 -Subnet 10.0.0.0/24 -EtcdEndpoint $etcd | Out-Null

    $script:hosts = 0..2 | ForEach-Object { [pscustomobject]@{ Name = "$prefix-h$_"; Vtep = "192.168.8.10$_" } }
    New-LabSwitch -Name "$prefix-sw" -HostName $hosts.Name -Underlay $hosts.Vtep | Out-Null
    foreach ($h in $hosts) {
        foreach ($n in @(@{ Br = 'br1'; Vx = 'vx1'; Vni = 256 }, @{ Br = 'br2'; Vx = 'vx2'; Vni = 257 })) {
            New-BridgeLink -NetNamespace $h.Name -Name $n.Br -Up | Out-Null
            New-VxlanLink -NetNamespace $h.Name -Name $n.Vx -Vni $n.Vni -Port 4789 -Device eth0 -Local $h.Vtep -Learning:$false -Proxy -Master $n.Br -Up | Out-Null
        }
    }
    # h0 and h1 run their agents in this process (jobs); h2's runs in a child pwsh, so a test can SIGKILL it.
    foreach ($h in $hosts[0..1]) {
        Start-OverlayAgent -NetNamespace $h.Name -NetworkName ov_net1 -VxlanInterface vx1 -LocalAddress $h.Vtep -EtcdEndpoint $etcd -AsJob | Out-Null
    }

    function Start-ChildAgent([int] $LeaseTtl = 30) {
        $h = $hosts[2]
        $log = "/tmp/$prefix-agent-$([guid]::NewGuid().ToString('N').Substring(0, 6)).log"
        $cmd = "Import-Module '$(Join-Path (Resolve-Path $modulePath) 'OverlayNet.psd1')'; " +
            "Start-OverlayAgent -NetNamespace $($h.Name) -NetworkName ov_net1 -VxlanInterface vx1 -LocalAddress $($h.Vtep) " +
            "-EtcdEndpoint $($etcd -join ',') -LeaseTtl $LeaseTtl | ForEach-Object { '{0}|{1}' -f `$_.Action, `$_.Detail }"
        $p = Start-Process -FilePath (Get-Process -Id $PID).Path -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $cmd) `
            -RedirectStandardOutput $log -RedirectStandardError "$log.err" -PassThru
        $extraPids.Add($p.Id)
        Wait-Until { (Test-Path $log) -and (Select-String -Path $log -Pattern '^Resync\|start' -Quiet) } -TimeoutSeconds 60 -Because "the child agent's first resync ($log.err: $(Get-Content "$log.err" -Raw -ErrorAction SilentlyContinue))"
        [pscustomobject]@{ Process = $p; Log = $log }
    }
    $script:child = Start-ChildAgent

    # What a host's VXLAN device holds for remote endpoints, read with iproute2: "fdb MAC DST" and "neigh IP MAC".
    function Get-VtepState([string] $Namespace, [string] $Device = 'vx1') {
        $fdb = @(& ip netns exec $Namespace bridge -j fdb show dev $Device | ConvertFrom-Json) |
            Where-Object { $_.PSObject.Properties['dst'] -and $_.mac -ne '00:00:00:00:00:00' -and $_.state -eq 'permanent' } |
            ForEach-Object { "fdb $($_.mac) $($_.dst)" }
        $neigh = @(& ip -n $Namespace -j neigh show dev $Device | ConvertFrom-Json) |
            Where-Object { $_.PSObject.Properties['state'] -and 'PERMANENT' -in $_.state } |
            ForEach-Object { "neigh $($_.dst) $($_.lladdr)" }
        @(@($fdb) + @($neigh) | Where-Object { $_ } | Sort-Object)
    }
    # What it should hold, from the store's endpoints: every endpoint on another host.
    function Get-ExpectedState([string] $HostName, [string] $Network = 'ov_net1') {
        $vteps = @{}; foreach ($h in $hosts) { $vteps[$h.Name] = $h.Vtep }
        @(Get-OverlayEndpoint -NetworkName $Network -EtcdEndpoint $etcd -WarningAction SilentlyContinue | Where-Object HostName -ne $HostName | ForEach-Object {
            "fdb $($_.MacAddress) $($vteps[$_.HostName])"; "neigh $($_.IPAddress) $($_.MacAddress)"
        } | Sort-Object)
    }
    function Test-Converged([string[]] $HostNames = $hosts.Name) {
        foreach ($n in $HostNames) {
            if ((@(Get-VtepState $n) -join ';') -ne (@(Get-ExpectedState $n) -join ';')) { return $false }
        }
        return $true
    }
    # Adds one endpoint and returns the seconds from the store's ack until every other host holds its
    # neighbour (polled in-process, so the poll costs little); then checks every table exactly with iproute2.
    function Measure-Propagation([string] $Ip, [string] $Mac, [string] $HostName, [int] $Deadline) {
        $ep = Add-OverlayEndpoint -NetworkName ov_net1 -IPAddress $Ip -MacAddress $Mac -HostName $HostName -EtcdEndpoint $etcd
        $ep | Should -Not -BeNullOrEmpty
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $others = @($hosts.Name | Where-Object { $_ -ne $HostName })
        Wait-Until {
            foreach ($n in $others) {
                if (-not (Get-IpNeighbor -NetNamespace $n -InterfaceName vx1 -IPAddress $Ip -ErrorAction SilentlyContinue | Where-Object { "$($_.LinkLayerAddress)" -eq $Mac })) { return $false }
            }
            $true
        } -TimeoutSeconds $Deadline -Because "$Ip on every host"
        $t = $sw.Elapsed.TotalSeconds
        Wait-Until { Test-Converged } -TimeoutSeconds $Deadline -Because 'every table exact'
        $t
    }
    # Index (in $etcd) of the member that is the raft leader now.
    function Get-Leader {
        $status = & etcdctl --endpoints ($etcd -join ',') endpoint status -w json --command-timeout=2s 2>$null | ConvertFrom-Json
        $leader = @($status | Where-Object { $_.Status.leader -eq $_.Status.header.member_id })[0]
        [array]::IndexOf([string[]]$etcd, [string]$leader.Endpoint)
    }
    # Restarts a killed member from its own command line (its data directory makes it rejoin).
    function Restart-Member([string[]] $CommandLine) {
        $p = Start-Process -FilePath $CommandLine[0] -ArgumentList $CommandLine[1..($CommandLine.Count - 1)] -PassThru -RedirectStandardError "/tmp/$prefix-member-$(Get-Random).err"
        $extraPids.Add($p.Id)
        $p
    }
}

AfterAll {
    Get-OverlayAgent | Stop-OverlayAgent
    Get-Job -Name 'OverlayAgent-*' -ErrorAction SilentlyContinue | Remove-Job -Force
    foreach ($p in $extraPids) { if (Get-Process -Id $p -ErrorAction SilentlyContinue) { & kill -CONT $p 2>$null; & kill -KILL $p 2>$null } }
    if ($store) { Stop-OverlayStore -Name $store.Name }
    Remove-Lab
    Remove-Item "/tmp/$prefix-*" -Force -ErrorAction SilentlyContinue
}

Describe 'Overlay agents on a 3-member etcd' {
    It 'a change reaches all hosts within 1 s (measured)' {
        $t = Measure-Propagation 10.0.0.2 02:42:0a:00:00:02 $hosts[0].Name (1 * $Slack)
        $t2 = Measure-Propagation 10.0.0.4 02:42:0a:00:00:04 $hosts[1].Name (1 * $Slack)
        Write-Host ("    propagation: {0:N3} s, {1:N3} s" -f $t, $t2)
        Get-VtepState $hosts[2].Name | Should -Be @('fdb 02:42:0a:00:00:02 192.168.8.100', 'fdb 02:42:0a:00:00:04 192.168.8.101',
            'neigh 10.0.0.2 02:42:0a:00:00:02', 'neigh 10.0.0.4 02:42:0a:00:00:04')
        Get-VtepState $hosts[0].Name | Should -Be @('fdb 02:42:0a:00:00:04 192.168.8.101', 'neigh 10.0.0.4 02:42:0a:00:00:04')
    }

    It 'refuses a duplicate IP or MAC and names the holder; the rest of the input is written' {
        $errs = $null
        $out = @(
            [pscustomobject]@{ IPAddress = '10.0.0.2'; MacAddress = '02:42:0a:00:00:99' }
            [pscustomobject]@{ IPAddress = '10.0.0.20'; MacAddress = '02:42:0a:00:00:04' }
            [pscustomobject]@{ IPAddress = '10.0.0.21'; MacAddress = '02:42:0a:00:00:21' }
        ) | Add-OverlayEndpoint -NetworkName ov_net1 -HostName $hosts[1].Name -EtcdEndpoint $etcd -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).IPAddress.IPAddressToString | Should -Be @('10.0.0.21')
        $errs.Count | Should -Be 2
        $errs[0].FullyQualifiedErrorId | Should -Be 'AddOverlayEndpointFailed,OverlayNet.Commands.AddOverlayEndpointCommand'
        "$($errs[0])" | Should -Match "IP address 10\.0\.0\.2 is already held .* by endpoint 10\.0\.0\.2 \(MAC 02:42:0a:00:00:02\) on host '$($hosts[0].Name)'"
        "$($errs[1])" | Should -Match "MAC address 02:42:0a:00:00:04 is already held .* by endpoint 10\.0\.0\.4 .* on host '$($hosts[1].Name)'"
        Wait-Until { Test-Converged } -TimeoutSeconds (1 * $Slack) -Because 'the accepted endpoint everywhere'
        # Exactly the same endpoint again (what a batch that committed but whose answer timed out looks like when
        # tried again): written, no error, one key each.
        $again = @(Add-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.0.0.21 -MacAddress 02:42:0a:00:00:21 -HostName $hosts[1].Name -EtcdEndpoint $etcd -ErrorVariable errs -ErrorAction SilentlyContinue)
        $again.Count | Should -Be 1
        $errs.Count | Should -Be 0
        @(Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd -WarningAction SilentlyContinue | Where-Object { "$($_.IPAddress)" -eq '10.0.0.21' }).Count | Should -Be 1
        Remove-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.0.0.21 -EtcdEndpoint $etcd
        Wait-Until { Test-Converged } -TimeoutSeconds (1 * $Slack) -Because 'the removal everywhere'
        Get-VtepState $hosts[0].Name | Should -Not -Contain 'neigh 10.0.0.21 02:42:0a:00:00:21'
    }

    It 'writes 150 endpoints as 3 transactions in flight together: a taken IP in the third is named, the rest written in input order' {
        # EtcdStore.Transactions keeps up to 8 transactions in flight; a refused one is retried endpoint by
        # endpoint after the others have answered.
        $in = @(for ($i = 0; $i -lt 150; $i++) {
            if ($i -eq 140) { [pscustomobject]@{ IPAddress = '10.0.0.2'; MacAddress = '02:42:0a:07:ff:ff' } }
            else { [pscustomobject]@{ IPAddress = "10.0.0.$(100 + $i)"; MacAddress = '02:42:0a:07:00:{0:x2}' -f $i } }
        })
        $errs = $null
        $out = @($in | Add-OverlayEndpoint -NetworkName ov_net1 -HostName $hosts[2].Name -EtcdEndpoint $etcd -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs.Count | Should -Be 1
        "$($errs[0])" | Should -Match "IP address 10\.0\.0\.2 is already held .* on host '$($hosts[0].Name)'"
        $out.Count | Should -Be 149
        ($out.IPAddress.IPAddressToString -join ',') | Should -Be (($in | Where-Object IPAddress -ne '10.0.0.2').IPAddress -join ',')
        $stored = @(Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd -WarningAction SilentlyContinue | Where-Object HostName -eq $hosts[2].Name | Where-Object { "$($_.MacAddress)" -like '02:42:0a:07:*' })
        $stored.Count | Should -Be 149
        Wait-Until { Test-Converged } -TimeoutSeconds (3 * $Slack) -Because '149 endpoints everywhere'
        # The same 149 again (what transactions that committed but whose answers came too late look like when
        # tried again): accepted whole, chunk by chunk, with no error and no key twice.
        $again = @($out | Add-OverlayEndpoint -EtcdEndpoint $etcd -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs.Count | Should -Be 0
        $again.Count | Should -Be 149
        @(Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd -WarningAction SilentlyContinue | Where-Object { "$($_.MacAddress)" -like '02:42:0a:07:*' }).Count | Should -Be 149
        $out | Remove-OverlayEndpoint -EtcdEndpoint $etcd
        @(Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd -WarningAction SilentlyContinue | Where-Object { "$($_.MacAddress)" -like '02:42:0a:07:*' }).Count | Should -Be 0
        Wait-Until { Test-Converged } -TimeoutSeconds (3 * $Slack) -Because 'the removals everywhere'
        Get-VtepState $hosts[0].Name | Should -Not -Contain 'neigh 10.0.0.100 02:42:0a:07:00:00'
    }

    It 'an -AsJob agent holds only its last events until Receive-Job: the oldest are dropped, with one warning' {
        # AgentJob.MaxBufferedEvents (10,000) keeps a job nobody reads from growing for the agent's whole life:
        # it holds 10,000 to 20,000. Lowered to 3 here, through reflection, so two small batches overflow it.
        $job = Get-Job -Name "OverlayAgent-$($hosts[0].Name)"
        $cap = $job.GetType().GetProperty('MaxBufferedEvents', [Reflection.BindingFlags]'Static,NonPublic')
        $cap | Should -Not -BeNullOrEmpty
        $null = $job | Receive-Job -WarningAction SilentlyContinue
        $saved = $cap.GetValue($null)
        $cap.SetValue($null, 3)
        $older = 0..9 | ForEach-Object { [pscustomobject]@{ IPAddress = "10.0.0.$(40 + $_)"; MacAddress = '02:42:0a:08:00:{0:x2}' -f $_ } }
        $newer = 10..12 | ForEach-Object { [pscustomobject]@{ IPAddress = "10.0.0.$(40 + $_)"; MacAddress = '02:42:0a:08:00:{0:x2}' -f $_ } }
        try {
            # 20 events (a neighbour and an FDB entry each), then 6: at 7 the oldest go down to 3, and again at
            # every 7th. What is left must be newer events only: 3 to 6 of them (here all 6).
            $older | Add-OverlayEndpoint -NetworkName ov_net1 -HostName $hosts[1].Name -EtcdEndpoint $etcd | Out-Null
            Wait-Until { Test-Converged } -TimeoutSeconds (3 * $Slack) -Because 'the older endpoints everywhere'
            $newer | Add-OverlayEndpoint -NetworkName ov_net1 -HostName $hosts[1].Name -EtcdEndpoint $etcd | Out-Null
            Wait-Until { Test-Converged } -TimeoutSeconds (3 * $Slack) -Because 'the newer endpoints everywhere'
            $w = $null
            $events = @($job | Receive-Job -WarningVariable w -WarningAction SilentlyContinue)
            $events.Count | Should -BeGreaterOrEqual 3
            $events.Count | Should -BeLessOrEqual 6
            $newerNames = @($newer.IPAddress) + @($newer.MacAddress)
            foreach ($e in $events) {
                $e.Action | Should -Be 'Applied'
                @($newerNames | Where-Object { $e.Detail -match "\b$([regex]::Escape($_))\b" }).Count | Should -BeGreaterThan 0 -Because "$($e.Detail) is about a newer endpoint"
            }
            @($w | Where-Object { "$_" -like "*keeps its last 3 to 6 events*" }).Count | Should -Be 1
        }
        finally {
            $cap.SetValue($null, $saved)
            @($older) + @($newer) | ForEach-Object { Remove-OverlayEndpoint -NetworkName ov_net1 -IPAddress $_.IPAddress -EtcdEndpoint $etcd -ErrorAction SilentlyContinue }
        }
        Wait-Until { Test-Converged } -TimeoutSeconds (3 * $Slack) -Because 'the removals everywhere'
    }

    It 'repairs drift: an entry deleted by hand comes back' {
        $h0 = $hosts[0].Name
        $before = (Get-OverlayAgent -HostName $h0).Applied
        & ip -n $h0 neigh del 10.0.0.4 dev vx1
        & ip netns exec $h0 bridge fdb del 02:42:0a:00:00:04 dev vx1 dst 192.168.8.101 self
        Wait-Until { (Get-OverlayAgent -HostName $h0).Applied -ge $before + 2 } -TimeoutSeconds (2 * $Slack) -Because 'the agent rewrote both entries'
        Wait-Until { Test-Converged } -TimeoutSeconds (2 * $Slack) -Because 'the drift repaired'
        Get-VtepState $h0 | Should -Contain 'neigh 10.0.0.4 02:42:0a:00:00:04'
    }

    It 'replaces both entries when an endpoint moves (same IP, new MAC, other host)' {
        Remove-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.0.0.4 -EtcdEndpoint $etcd
        Add-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.0.0.4 -MacAddress 02:42:0a:00:01:04 -HostName $hosts[2].Name -EtcdEndpoint $etcd | Out-Null
        Wait-Until { Test-Converged } -TimeoutSeconds (1 * $Slack) -Because 'the move everywhere'
        $h0 = Get-VtepState $hosts[0].Name
        $h0 | Should -Contain 'neigh 10.0.0.4 02:42:0a:00:01:04'
        $h0 | Should -Contain 'fdb 02:42:0a:00:01:04 192.168.8.102'
        $h0 | Should -Not -Contain 'fdb 02:42:0a:00:00:04 192.168.8.101'
    }

    It 'follower SIGSTOPped: a change still arrives within 3 s' {
        $leader = Get-Leader
        $follower = @(0..2 | Where-Object { $_ -ne $leader })[0]
        $fpid = $store.ProcessIds[$follower]
        & kill -STOP $fpid
        try {
            $t = Measure-Propagation 10.0.0.30 02:42:0a:00:00:30 $hosts[0].Name (3 * $Slack)
            Write-Host ("    with member {0} stopped: {1:N3} s" -f $etcd[$follower], $t)
        }
        finally { & kill -CONT $fpid }
    }

    It 'follower killed: nothing lost, a change arrives within 1 s' {
        $leader = Get-Leader
        $follower = @(0..2 | Where-Object { $_ -ne $leader })[1]
        $fpid = $store.ProcessIds[$follower]
        $cmdline = (Get-Content -Raw "/proc/$fpid/cmdline") -split "`0" | Where-Object { $_ }
        & kill -KILL $fpid
        $t = Measure-Propagation 10.0.0.31 02:42:0a:00:00:31 $hosts[1].Name (1 * $Slack)
        Write-Host ("    with member {0} killed: {1:N3} s" -f $etcd[$follower], $t)
        Test-Converged | Should -BeTrue
        $script:restarted = Restart-Member $cmdline
        Wait-Until { & etcdctl --endpoints $etcd[$follower] endpoint health --command-timeout=1s *> $null; $LASTEXITCODE -eq 0 } -TimeoutSeconds 20 -Because 'the member back'
    }

    It 'leader killed: a change arrives within 3 s' {
        $leader = Get-Leader
        $lpid = if ($store.ProcessIds[$leader] -and (Get-Process -Id $store.ProcessIds[$leader] -ErrorAction SilentlyContinue)) { $store.ProcessIds[$leader] } else { $restarted.Id }
        $cmdline = (Get-Content -Raw "/proc/$lpid/cmdline") -split "`0" | Where-Object { $_ }
        & kill -KILL $lpid
        $t = Measure-Propagation 10.0.0.32 02:42:0a:00:00:32 $hosts[2].Name (3 * $Slack)
        Write-Host ("    with the leader {0} killed: {1:N3} s" -f $etcd[$leader], $t)
        Restart-Member $cmdline | Out-Null
        Wait-Until { & etcdctl --endpoints $etcd[$leader] endpoint health --command-timeout=1s *> $null; $LASTEXITCODE -eq 0 } -TimeoutSeconds 20 -Because 'the member back'
    }

    It 'agent killed and restarted: exact tables, no duplicates, keys on a new lease, no write when nothing changed' {
        $h2 = $hosts[2].Name
        $oldLease = (& etcdctl --endpoints ($etcd -join ',') get "/overlaynet/ov_net1/hosts/$h2" -w json | ConvertFrom-Json).kvs[0].lease
        Stop-Process -Id $child.Process.Id -Force   # SIGKILL: no goodbye
        $child.Process.WaitForExit(5000) | Out-Null
        # While it is down: one endpoint leaves, one joins (entries h2 must remove and add on restart).
        Remove-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.0.0.30 -EtcdEndpoint $etcd
        Add-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.0.0.33 -MacAddress 02:42:0a:00:00:33 -HostName $hosts[0].Name -EtcdEndpoint $etcd | Out-Null
        $script:child = Start-ChildAgent
        (Select-String -Path $child.Log -Pattern '^Resync\|start:').Line | Should -Match ', 4 change\(s\) written$'
        Test-Converged | Should -BeTrue
        $state = Get-VtepState $h2
        @($state | Select-Object -Unique).Count | Should -Be $state.Count
        $newLease = (& etcdctl --endpoints ($etcd -join ',') get "/overlaynet/ov_net1/hosts/$h2" -w json | ConvertFrom-Json).kvs[0].lease
        $newLease | Should -Not -Be $oldLease
        (& etcdctl --endpoints ($etcd -join ',') get /overlaynet/ov_net1/endpoints/10.0.0.4 -w json | ConvertFrom-Json).kvs[0].lease | Should -Be $newLease
        (& etcdctl --endpoints ($etcd -join ',') lease timetolive ('{0:x}' -f [long]$oldLease)) | Should -Match 'already expired'
        # Restart once more with nothing changed: the first resync writes nothing.
        Stop-Process -Id $child.Process.Id -Force
        $child.Process.WaitForExit(5000) | Out-Null
        $script:child = Start-ChildAgent -LeaseTtl 3   # short, for the killed-host test that follows
        (Select-String -Path $child.Log -Pattern '^Resync\|start:').Line | Should -Match ', 0 change\(s\) written$'
        Select-String -Path $child.Log -Pattern '^(Applied|Removed)\|' | Should -BeNullOrEmpty
    }

    It '1,000 join/leave cycles end at the baseline: no entry left, none twice' {
        $baseline = @{}; foreach ($h in $hosts) { $baseline[$h.Name] = (Get-VtepState $h.Name) -join ';' }
        $storeBefore = @(Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd).Count
        $removedBefore = @{}; foreach ($a in Get-OverlayAgent -HostName "$prefix-h*") { $removedBefore[$a.HostName] = $a.Removed }
        # 40 waves of 25 cycles: each wave joins 25 endpoints (one pipeline, one transaction) and then they leave
        # (another). Every wave reuses the same 25 IPs with new MACs on the next host along, so an IP keeps moving
        # between hosts (moby #35401: a reused IP kept FDB entries pointing at its old host).
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $cycles = 0
        foreach ($wave in 0..39) {
            $batch = foreach ($k in 0..24) {
                $n = $wave * 25 + $k
                [pscustomobject]@{
                    NetworkName = 'ov_net1'; IPAddress = "10.0.0.$(100 + $k)"; HostName = $hosts[($wave + $k) % 3].Name
                    MacAddress = '02:42:0b:00:{0:x2}:{1:x2}' -f [int][Math]::Floor($n / 256), ($n % 256)
                }
            }
            @($batch | Add-OverlayEndpoint -EtcdEndpoint $etcd).Count | Should -Be 25
            $batch | Remove-OverlayEndpoint -EtcdEndpoint $etcd
            $cycles += 25
        }
        Write-Host ("    $cycles join/leave cycles written in {0:N2} s" -f $sw.Elapsed.TotalSeconds)
        $cycles | Should -Be 1000
        @(Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd).Count | Should -Be $storeBefore
        @(& etcdctl --endpoints ($etcd -join ',') get --prefix /overlaynet/ov_net1/macs/ --keys-only | Where-Object { $_ }).Count | Should -Be $storeBefore
        Wait-Until { $ok = $true; foreach ($h in $hosts) { if (((Get-VtepState $h.Name) -join ';') -ne $baseline[$h.Name]) { $ok = $false } }; $ok } -TimeoutSeconds (2 * $Slack) -Because 'every host back at its baseline'
        foreach ($h in $hosts) {
            $state = @(Get-VtepState $h.Name)
            @($state | Select-Object -Unique).Count | Should -Be $state.Count
            # Nothing of the cycles' MACs or IPs is left in the kernel.
            @($state | Where-Object { $_ -match '02:42:0b:|10\.0\.0\.1[0-2][0-9] ' }).Count | Should -Be 0
        }
        # The agents in this session (h0, h1) saw the cycles: each removed entries it had written for them.
        $removedBefore.Count | Should -Be 2
        foreach ($a in Get-OverlayAgent -HostName "$prefix-h*") { $a.Removed | Should -BeGreaterThan $removedBefore[$a.HostName] }
    }

    It "keeps seed 002's ov_net1 and ov_net2 apart" {
        foreach ($h in $hosts[0..1]) {
            Start-OverlayAgent -NetNamespace $h.Name -NetworkName ov_net2 -VxlanInterface vx2 -LocalAddress $h.Vtep -EtcdEndpoint $etcd -AsJob | Out-Null
        }
        New-LabContainer -Name "$prefix-b1" -HostName $hosts[0].Name -Bridge br1 -Address 10.0.0.2/24 -MacAddress 02:42:0a:00:00:02
        New-LabContainer -Name "$prefix-b2" -HostName $hosts[1].Name -Bridge br1 -Address 10.0.0.5/24 -MacAddress 02:42:0a:00:00:05
        New-LabContainer -Name "$prefix-b3" -HostName $hosts[1].Name -Bridge br2 -Address 10.0.0.3/24 -MacAddress 02:42:0a:00:00:03
        Add-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.0.0.5 -MacAddress 02:42:0a:00:00:05 -HostName $hosts[1].Name -EtcdEndpoint $etcd | Out-Null
        Add-OverlayEndpoint -NetworkName ov_net2 -IPAddress 10.0.0.3 -MacAddress 02:42:0a:00:00:03 -HostName $hosts[1].Name -EtcdEndpoint $etcd | Out-Null
        Wait-Until { (Get-VtepState $hosts[0].Name vx2) -contains 'neigh 10.0.0.3 02:42:0a:00:00:03' } -TimeoutSeconds (1 * $Slack) -Because 'ov_net2 on h0'
        (Test-LabPing -From "$prefix-b1" -To 10.0.0.5).Success | Should -BeTrue
        (Test-LabPing -From "$prefix-b3" -To 10.0.0.2 -Tries 2).Success | Should -BeFalse
        Get-VtepState $hosts[0].Name vx2 | Should -Be @('fdb 02:42:0a:00:00:03 192.168.8.101', 'neigh 10.0.0.3 02:42:0a:00:00:03')
    }

    It "a killed host's entries go within lease TTL + 1 s (TTL 3 s)" {
        $h2 = $hosts[2].Name
        Stop-Process -Id $child.Process.Id -Force
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Wait-Until { -not ((Get-VtepState $hosts[0].Name) -match '192\.168\.8\.102$') } -TimeoutSeconds (4 * $Slack) -Because "$h2's entries gone from h0"
        Write-Host ("    entries of the killed host gone after {0:N2} s (TTL 3 s)" -f $sw.Elapsed.TotalSeconds)
        Wait-Until { Test-Converged $hosts[0..1].Name } -TimeoutSeconds (1 * $Slack) -Because 'h0 and h1 converged'
        Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd | Where-Object HostName -eq $h2 | Should -BeNullOrEmpty
    }

}

Describe 'Bad input to the control plane' {
    It 'store unreachable: refused, endpoints named, kernel untouched' {
        $ns = $hosts[0].Name
        $before = Get-VtepState $ns
        { Start-OverlayAgent -NetNamespace $ns -HostName bad -NetworkName ov_net1 -VxlanInterface vx1 -LocalAddress 192.168.8.100 -EtcdEndpoint http://127.0.0.1:1, http://127.0.0.1:2 } |
            Should -Throw -ErrorId 'OverlayAgentStartFailed,OverlayNet.Commands.StartOverlayAgentCommand' -ExpectedMessage 'No etcd member answered*http://127.0.0.1:1: *; http://127.0.0.1:2: *'
        Get-VtepState $ns | Should -Be $before
        { Get-OverlayNetwork -EtcdEndpoint http://127.0.0.1:1 -ErrorAction Stop } | Should -Throw -ExceptionType ([OverlayNet.Agent.Store.StoreUnavailableException])
    }

    It 'missing network config, absent device, learning on, another VNI: refused with the differences' {
        $ns = $hosts[2].Name
        { Start-OverlayAgent -NetNamespace $ns -HostName bad -NetworkName nosuch -VxlanInterface vx1 -LocalAddress 192.168.8.102 -EtcdEndpoint $etcd } |
            Should -Throw -ExpectedMessage "*Network 'nosuch' does not exist*/overlaynet/nosuch/config*"
        { Start-OverlayAgent -NetNamespace $ns -HostName bad -NetworkName ov_net1 -VxlanInterface vx9 -LocalAddress 192.168.8.102 -EtcdEndpoint $etcd } |
            Should -Throw -ExpectedMessage "*VXLAN device 'vx9' does not exist*"
        New-VxlanLink -NetNamespace $ns -Name vxbad -Vni 999 -Port 4790 -Learning:$true | Out-Null
        { Start-OverlayAgent -NetNamespace $ns -HostName bad -NetworkName ov_net1 -VxlanInterface vxbad -LocalAddress 192.168.8.102 -EtcdEndpoint $etcd } |
            Should -Throw -ExpectedMessage "*does not match network 'ov_net1': VNI 999 (network 'ov_net1' has 256); port 4790 (network 'ov_net1' has 4789); learning is on*"
        & etcdctl --endpoints ($etcd -join ',') get /overlaynet/ov_net1/hosts/bad | Should -BeNullOrEmpty
    }

    It 'endpoint input: outside the subnet, unknown host, unknown network' {
        $errs = $null
        Add-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.9.0.1 -MacAddress 02:00:00:00:00:01 -HostName $hosts[0].Name -EtcdEndpoint $etcd -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        "$($errs[0])" | Should -Match 'outside network .ov_net1.''s subnet 10\.0\.0\.0/24'
        Add-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.0.0.77 -MacAddress 02:00:00:00:00:01 -HostName nohost -EtcdEndpoint $etcd -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        "$($errs[0])" | Should -Match "Host 'nohost' has no agent in network 'ov_net1'"
        { New-OverlayNetwork -Name ov_net3 -Vni 256 -Subnet 10.1.0.0/24 -EtcdEndpoint $etcd -ErrorAction Stop } | Should -Throw -ExpectedMessage "*VNI 256 is already used by network 'ov_net1'*"
    }

    It 'a malformed value is reported by key and the rest applied' {
        & etcdctl --endpoints ($etcd -join ',') put /overlaynet/ov_net1/endpoints/10.0.0.66 '{"MacAddress":"zz","HostName":"x"}' | Out-Null
        Add-OverlayEndpoint -NetworkName ov_net1 -IPAddress 10.0.0.67 -MacAddress 02:42:0a:00:00:67 -HostName $hosts[1].Name -EtcdEndpoint $etcd | Out-Null
        Wait-Until { (Get-VtepState $hosts[0].Name) -contains 'neigh 10.0.0.67 02:42:0a:00:00:67' } -TimeoutSeconds (1 * $Slack) -Because 'the good endpoint applied'
        $job = Get-Job -Name "OverlayAgent-$($hosts[0].Name)" | Select-Object -First 1
        Wait-Until { @($job.Warning | Where-Object Message -like '*/overlaynet/ov_net1/endpoints/10.0.0.66*bad MAC*').Count -gt 0 } -TimeoutSeconds 5 -Because 'the warning naming the key'
        $warn = $null
        Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd -WarningVariable warn -WarningAction SilentlyContinue | Out-Null
        "$warn" | Should -Match '/overlaynet/ov_net1/endpoints/10\.0\.0\.66'
    }
}

# Last: it stops the ov_net1 agents of h0 and h1 that the tests above use.
Describe 'Leaving the cluster' {
    It 'a cleanly stopped agent revokes its lease: its entries leave the other hosts at once; -KeepLease keeps them' {
        $h0 = $hosts[0].Name; $h1 = $hosts[1].Name
        $etcdList = $etcd -join ','
        $hostLease = { param($n) [long](& etcdctl --endpoints $etcdList get "/overlaynet/ov_net1/hosts/$n" -w json | ConvertFrom-Json).kvs[0].lease }
        @(Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd -WarningAction SilentlyContinue | Where-Object HostName -eq $h1).Count | Should -BeGreaterThan 0
        @((Get-VtepState $h0) -match '192\.168\.8\.101$').Count | Should -BeGreaterThan 0
        $lease1 = & $hostLease $h1
        Stop-OverlayAgent -HostName $h1 -NetworkName ov_net1
        # h1's lease lasts 10 s: its entries leaving h0 within 1 s (x slack) is the revoke, not the expiry.
        Wait-Until { @((Get-VtepState $h0) -match '192\.168\.8\.101$').Count -eq 0 } -TimeoutSeconds (1 * $Slack) -Because "$h1's entries gone from $h0"
        Test-Converged $h0 | Should -BeTrue
        Get-OverlayEndpoint -NetworkName ov_net1 -EtcdEndpoint $etcd -WarningAction SilentlyContinue | Where-Object HostName -eq $h1 | Should -BeNullOrEmpty
        (& etcdctl --endpoints $etcdList lease timetolive ('{0:x}' -f $lease1)) | Should -Match 'already expired'

        $lease0 = & $hostLease $h0
        Stop-OverlayAgent -HostName $h0 -NetworkName ov_net1 -KeepLease
        & $hostLease $h0 | Should -Be $lease0
        (& etcdctl --endpoints $etcdList lease timetolive ('{0:x}' -f $lease0)) | Should -Match 'remaining\(\d+s\)'
    }
}
