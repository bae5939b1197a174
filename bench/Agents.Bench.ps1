<#
.SYNOPSIS
    Control plane: 1,000 endpoints over 3 hosts, OverlayNet agents side by side with a flannel-like reference.
.DESCRIPTION
    A 3-member etcd on loopback and three host namespaces, each with two VXLAN devices (nolearning): vx1 kept
    by an OverlayNet agent, vxr kept by the reference, which is what flanneld-era tooling does: `etcdctl watch
    --prefix` piped through awk into `ip -batch -` and `bridge -batch -`, one request and one ack per entry.
    Both sides get the same 1,000 endpoints (a third on each host) written in transactions (OverlayNet: 64
    endpoints per transaction through Add-OverlayEndpoint; reference: 64 endpoints per `etcdctl txn`), then
    the same 1,000 leaves. Measured: from the last store ack until every host holds exactly its entries
    (a neighbour and an FDB entry for each endpoint on the other hosts), polled every 5 ms with one netlink
    dump per host. Goal: OverlayNet <= 0.5x the reference and under 1 s.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Count = 1000
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1') -Force

$prefix = 'onb' + [guid]::NewGuid().ToString('N').Substring(0, 6)
$hosts = 0..2 | ForEach-Object { [pscustomobject]@{ Name = "$prefix-h$_"; Vtep = "192.168.8.10$_" } }
$endpoints = for ($i = 0; $i -lt $Count; $i++) {
    [pscustomobject]@{
        NetworkName = 'bench'; HostName = $hosts[$i % 3].Name; Vtep = $hosts[$i % 3].Vtep
        IPAddress = "10.0.$([Math]::Floor($i / 250)).$($i % 250 + 2)"; MacAddress = '02:42:0a:00:{0:x2}:{1:x2}' -f [Math]::Floor($i / 256), ($i % 256)
    }
}
$expected = @{}
foreach ($h in $hosts) { $expected[$h.Name] = 2 * @($endpoints | Where-Object HostName -ne $h.Name).Count }

$store = $null
$refProcesses = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$clients = @{}
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
        Start-OverlayAgent -NetNamespace $h.Name -NetworkName bench -VxlanInterface vx1 -LocalAddress $h.Vtep -EtcdEndpoint $etcd -LeaseTtl 60 -AsJob | Out-Null
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
        $script = "etcdctl --endpoints $etcdList watch --prefix /ref/endpoints/ | awk -v me='$($h.Name)' -v ipc='ip -n $($h.Name) -batch -' -v brc='bridge -n $($h.Name) -batch -' '$awk'"
        $refProcesses.Add((Start-Process -FilePath bash -ArgumentList @('-c', $script) -PassThru))
    }
    $jobs = Get-Job -Name "OverlayAgent-$prefix-*"

    function Get-EntryCount([string] $Ns, [string] $Device) {
        $c = $clients[$Ns]
        $index = $c.GetIndex($Device)
        @($c.GetNeighbors($false, $null, $index) | Where-Object { $_.State -eq 'Permanent' }).Count +
            @($c.GetFdbEntries($index) | Where-Object { $_.Destination -and $_.State -eq 'Permanent' }).Count
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
    function Invoke-RefTxn([string[]] $Ops) {
        # etcdctl txn reads compares, then success ops, then failure ops, each block ended by an empty line.
        $text = "`n" + ($Ops -join "`n") + "`n`n"
        $text | & etcdctl --endpoints $etcdList txn | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'etcdctl txn failed' }
    }
    $zero = @{}; foreach ($h in $hosts) { $zero[$h.Name] = 0 }
    Start-Sleep -Seconds 1   # the reference watchers connect

    # --- joins -------------------------------------------------------------------------------------
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $endpoints | Add-OverlayEndpoint -EtcdEndpoint $etcd | Out-Null
    $writeOurs = $sw.Elapsed.TotalSeconds
    $joinOurs = Wait-Hosts vx1 $expected

    $sw = [Diagnostics.Stopwatch]::StartNew()
    foreach ($chunk in [System.Linq.Enumerable]::Chunk([object[]]$endpoints, 64)) {
        Invoke-RefTxn ($chunk | ForEach-Object { "put /ref/endpoints/$($_.IPAddress) `"$($_.MacAddress) $($_.HostName) $($_.Vtep)`"" })
    }
    $writeRef = $sw.Elapsed.TotalSeconds
    $joinRef = Wait-Hosts vxr $expected

    # --- leaves ------------------------------------------------------------------------------------
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $endpoints | Remove-OverlayEndpoint -EtcdEndpoint $etcd
    $leaveWriteOurs = $sw.Elapsed.TotalSeconds
    $leaveOurs = Wait-Hosts vx1 $zero

    $sw = [Diagnostics.Stopwatch]::StartNew()
    foreach ($chunk in [System.Linq.Enumerable]::Chunk([object[]]$endpoints, 64)) {
        Invoke-RefTxn ($chunk | ForEach-Object { "del /ref/endpoints/$($_.IPAddress)" })
    }
    $leaveWriteRef = $sw.Elapsed.TotalSeconds
    $leaveRef = Wait-Hosts vxr $zero

    $rows = @(
        [pscustomobject]@{ Case = "$Count joins, 3 hosts"; 'Store writes s' = '{0:N3} / {1:N3}' -f $writeOurs, $writeRef; 'OverlayNet s' = [Math]::Round($joinOurs, 3); 'Reference s' = [Math]::Round($joinRef, 3); Ratio = [Math]::Round($joinOurs / $joinRef, 3) }
        [pscustomobject]@{ Case = "$Count leaves, 3 hosts"; 'Store writes s' = '{0:N3} / {1:N3}' -f $leaveWriteOurs, $leaveWriteRef; 'OverlayNet s' = [Math]::Round($leaveOurs, 3); 'Reference s' = [Math]::Round($leaveRef, 3); Ratio = [Math]::Round($leaveOurs / $leaveRef, 3) }
    )
    $rows | Format-Table -AutoSize | Out-String | Write-Host
    Write-Host 'Times are from the last store ack until every host holds exactly its entries (polled every 5 ms).'
    Write-Host 'Goal: ratio <= 0.5 and OverlayNet under 1 s.'
    $rows
}
finally {
    Get-OverlayAgent | Where-Object HostName -like "$prefix-*" | Stop-OverlayAgent
    Get-Job -Name "OverlayAgent-$prefix-*" -ErrorAction SilentlyContinue | Remove-Job -Force
    foreach ($p in $refProcesses) {
        # bash exec'd nothing it can pass on: end the pipeline's processes (etcdctl, awk, ip, bridge) by pid.
        $kids = @(& ps -o pid= --ppid $p.Id 2>$null | ForEach-Object { [int]$_.Trim() })
        foreach ($k in $kids) { & kill $k 2>$null }
        if (-not $p.HasExited) { & kill $p.Id 2>$null }
    }
    foreach ($c in $clients.Values) { $c.Dispose() }
    if ($store) { Stop-OverlayStore -Name $store.Name }
    foreach ($h in $hosts) { if (Test-Path "/run/netns/$($h.Name)") { & ip netns del $h.Name } }
}
