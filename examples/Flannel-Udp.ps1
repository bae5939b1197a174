<#
.SYNOPSIS
    Seed 001's first overlay: flannel's UDP backend, with OverlayNet's TUN <-> UDP forwarder as flanneld.
.DESCRIPTION
    Two hosts (namespaces) on an underlay cable, 192.168.8.101 and .102; on each a "container" namespace
    behind a veth (10.244.1.2 on host 1, 10.244.2.2 on host 2), and flannel0, a TUN device, holding the host's
    overlay address with the overlay's prefix (10.244.1.0/16), so the kernel routes the whole overlay into it:

        ip tuntap add dev flannel0 mode tun multi_queue; ip link set flannel0 mtu 1472 up   (Start-TunForwarder)
        ip addr add 10.244.1.0/16 dev flannel0

    Start-TunForwarder plays flanneld: each packet the kernel routes into flannel0 goes, as the bare IP packet
    in a UDP datagram, to port 8285 of the host that owns its destination subnet, whose forwarder writes it
    into its own flannel0. Container 1 pings container 2 across it, the forwarders' counters are shown, and
    everything is removed again in finally (also when something fails).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    # Namespaces are <Prefix>-h1, -h2, -c1, -c2; the default is unique per run.
    [string] $Prefix = "fl-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force
Import-Module (Join-Path $PSScriptRoot 'FlannelLab.psm1') -Force

$lab = $null
try {
    $lab = New-FlannelLab -Prefix $Prefix -Backend Udp
    $c1, $c2 = $lab.Hosts
    $replies = @(Test-LabPath -NetNamespace $c1.Container -Destination $c2.Ip)
    if (-not $replies) { throw "Container 1 ($($c1.Ip)) cannot reach container 2 ($($c2.Ip)) over flannel0." }
    Test-IpConnectivity -NetNamespace $c1.Container -Destination $c2.Ip -Count 3 -TimeoutMs 2000
    Get-TunForwarder | Where-Object NetNamespace -in $lab.Hosts.Host | Format-Table | Out-Host
    Get-TunForwarder -NetNamespace $c1.Host | Select-Object -ExpandProperty Peers | Format-Table | Out-Host
}
finally {
    Remove-FlannelLab -Lab $lab
}
