<#
.SYNOPSIS
    50,000 /32 routes into a table: a PowerShell pipeline into Add-IpRoute against `ip -batch`, and reading them
    back as objects (Get-IpRoute) against `ip -j route show table N | ConvertFrom-Json`.
.DESCRIPTION
    Each side works in a namespace of its own with a veth pair as the device; both are removed afterwards.
    Goal: the pipeline at least as fast as ip -batch, the read-back within 2x of iproute2's JSON.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [int] $Count = 50000,
    [int] $Table = 100
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force

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

    # Warm both paths up once (JIT, first netlink socket) on a different table so the timed runs are steady.
    $null = '10.250.0.1/32' | Add-IpRoute -NetNamespace $nsOn -InterfaceName v0 -Table 999
    $null = Get-IpRoute -NetNamespace $nsOn -Table 999

    $ipAdd = Measure-Command { ip -n $nsIp -batch $batchFile.FullName }
    $onAdd = Measure-Command { $null = $prefixes | Add-IpRoute -NetNamespace $nsOn -InterfaceName v0 -Table $Table }
    # The array form: one parameter binding for all prefixes (same batches underneath).
    ip -n $nsOn route flush table $Table
    $onArray = Measure-Command { $null = Add-IpRoute -NetNamespace $nsOn -DestinationPrefix $prefixes -InterfaceName v0 -Table $Table }
    $ipRead = Measure-Command { $script:ipRoutes = ip -n $nsIp -j route show table $Table | ConvertFrom-Json }
    $onRead = Measure-Command { $script:onRoutes = Get-IpRoute -NetNamespace $nsOn -Table $Table }

    if ($ipRoutes.Count -ne $Count -or $onRoutes.Count -ne $Count) {
        throw "Expected $Count routes on each side, got $($ipRoutes.Count) (iproute2) and $($onRoutes.Count) (OverlayNet)."
    }
    [pscustomobject]@{ Operation = "add $Count routes"; IpRoute2Seconds = [math]::Round($ipAdd.TotalSeconds, 2); OverlayNetSeconds = [math]::Round($onAdd.TotalSeconds, 2); Ratio = [math]::Round($onAdd.TotalSeconds / $ipAdd.TotalSeconds, 2); Goal = '<= 1' }
    [pscustomobject]@{ Operation = "add $Count routes, -DestinationPrefix array"; IpRoute2Seconds = [math]::Round($ipAdd.TotalSeconds, 2); OverlayNetSeconds = [math]::Round($onArray.TotalSeconds, 2); Ratio = [math]::Round($onArray.TotalSeconds / $ipAdd.TotalSeconds, 2); Goal = '<= 1' }
    [pscustomobject]@{ Operation = "read $Count routes as objects"; IpRoute2Seconds = [math]::Round($ipRead.TotalSeconds, 2); OverlayNetSeconds = [math]::Round($onRead.TotalSeconds, 2); Ratio = [math]::Round($onRead.TotalSeconds / $ipRead.TotalSeconds, 2); Goal = '<= 2' }
}
finally {
    Remove-Item $batchFile.FullName -ErrorAction SilentlyContinue
    foreach ($ns in $nsIp, $nsOn) { if (Test-Path "/run/netns/$ns") { ip netns del $ns } }
}
