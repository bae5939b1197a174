<#
.SYNOPSIS
    50,000 /32 routes into a table: a PowerShell pipeline into Add-IpRoute against `ip -batch`, and reading them
    back as objects (Get-IpRoute) against `ip -j route show table N | ConvertFrom-Json`.
.DESCRIPTION
    Each side works in a namespace of its own with a veth pair as the device; both are removed afterwards.
    The piped rows carry their own NetNamespace and InterfaceName (as Get-IpRoute -NetNamespace output and
    Import-Csv rows do). Goals (issue 11): the first run in a fresh pwsh process <= 1.0x ip -batch, warm
    <= 0.5x, the read-back <= 0.2x of iproute2's JSON, Import-Module <= 150 ms (timed in that fresh process).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Count = 50000,
    [int] $Table = 100,
    [int] $Runs = 5
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force
Import-Module (Join-Path $PSScriptRoot 'FreshProcess.psm1') -Force

$tag = [guid]::NewGuid().ToString('N').Substring(0, 6)
$nsIp, $nsOn = "bench-ip-$tag", "bench-on-$tag"
$batchFile = New-TemporaryFile
try {
    foreach ($ns in $nsIp, $nsOn) {
        ip netns add $ns
        ip -n $ns link add v0 type veth peer name v1
        ip -n $ns link set v0 up
        ip -n $ns link set v1 up
    }
    $prefixes = [string[]]::new($Count)
    for ($i = 0; $i -lt $Count; $i++) { $prefixes[$i] = '10.{0}.{1}.{2}/32' -f (($i -shr 16) + 1), (($i -shr 8) -band 255), ($i -band 255) }
    Set-Content -Path $batchFile.FullName -Value ($prefixes | ForEach-Object { "route add $_ dev v0 table $Table" })
    $rows = foreach ($p in $prefixes) { [pscustomobject]@{ DestinationPrefix = $p; InterfaceName = 'v0'; NetNamespace = $nsOn } }

    # The first run in a fresh pwsh process, Import-Module timed apart.
    $fresh = Invoke-FreshRun -ModulePath $ModulePath `
        -Setup "`$in = foreach (`$i in 0..$($Count - 1)) { [pscustomobject]@{ DestinationPrefix = '10.{0}.{1}.{2}/32' -f ((`$i -shr 16) + 1), ((`$i -shr 8) -band 255), (`$i -band 255); InterfaceName = 'v0'; NetNamespace = '$nsOn' } }" `
        -Measure "`$in | Add-IpRoute -Table $Table | Out-Null"
    ip -n $nsOn route flush table $Table
    $ipFresh = (Measure-Command { ip -n $nsIp -batch $batchFile.FullName }).TotalSeconds
    ip -n $nsIp route flush table $Table

    # Warm both paths up with one route (first netlink socket, the module's first calls) on a different table.
    $null = '10.250.0.1/32' | Add-IpRoute -NetNamespace $nsOn -InterfaceName v0 -Table 999
    $null = Get-IpRoute -NetNamespace $nsOn -Table 999

    # Each form runs $Runs times, the table flushed in between (outside the clock). The first run of a fresh
    # session is shown on its own: it pays for the JIT (PowerShell's NuGet tool ships IL only, and tiered
    # compilation runs on the same 2 cores), which iproute2, a compiled binary, does not.
    $times = @{ ip = @(); pipe = @(); array = @() }
    for ($run = 0; $run -lt $Runs; $run++) {
        $times.pipe += (Measure-Command { $null = $rows | Add-IpRoute -Table $Table }).TotalSeconds
        ip -n $nsOn route flush table $Table
        $times.array += (Measure-Command { $null = Add-IpRoute -NetNamespace $nsOn -DestinationPrefix $prefixes -InterfaceName v0 -Table $Table }).TotalSeconds
        if ($run -lt $Runs - 1) { ip -n $nsOn route flush table $Table }
        $times.ip += (Measure-Command { ip -n $nsIp -batch $batchFile.FullName }).TotalSeconds
        if ($run -lt $Runs - 1) { ip -n $nsIp route flush table $Table }
    }
    $ipRead = Measure-Command { $script:ipRoutes = ip -n $nsIp -j route show table $Table | ConvertFrom-Json }
    $onRead = Measure-Command { $script:onRoutes = Get-IpRoute -NetNamespace $nsOn -Table $Table }

    if ($ipRoutes.Count -ne $Count -or $onRoutes.Count -ne $Count) {
        throw "Expected $Count routes on each side, got $($ipRoutes.Count) (iproute2) and $($onRoutes.Count) (OverlayNet)."
    }
    function Get-Median([double[]] $Values) { ($Values | Sort-Object)[[int][math]::Floor(($Values.Count - 1) / 2)] }
    function Format-Row([string] $Operation, [double] $Theirs, [double] $Ours, [string] $Goal) {
        [pscustomobject]@{ Operation = $Operation; IpRoute2Seconds = [math]::Round($Theirs, 2); OverlayNetSeconds = [math]::Round($Ours, 2); Ratio = [math]::Round($Ours / $Theirs, 2); Goal = $Goal }
    }
    $ipFirst, $ipMedian = $times.ip[0], (Get-Median $times.ip)
    Format-Row "add $Count routes, piped rows, first run in a fresh pwsh" $ipFresh $fresh.RunSeconds '<= 1'
    Format-Row "add $Count routes, piped rows, first run of this session" $ipFirst $times.pipe[0] '<= 1'
    Format-Row "add $Count routes, piped rows, median of $Runs" $ipMedian (Get-Median $times.pipe) '<= 0.5'
    Format-Row "add $Count routes, -DestinationPrefix array, median of $Runs" $ipMedian (Get-Median $times.array) '<= 0.5'
    Format-Row "read $Count routes as objects" $ipRead.TotalSeconds $onRead.TotalSeconds '<= 0.2'
    [pscustomobject]@{ Operation = 'Import-Module in a fresh pwsh (ms)'; IpRoute2Seconds = $null; OverlayNetSeconds = [math]::Round($fresh.ImportSeconds * 1000); Ratio = $null; Goal = '<= 150 ms' }
}
finally {
    Remove-Item $batchFile.FullName -ErrorAction SilentlyContinue
    foreach ($ns in $nsIp, $nsOn) { if (Test-Path "/run/netns/$ns") { ip netns del $ns } }
}
