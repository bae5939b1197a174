<#
.SYNOPSIS
    Seed 000 §5 as a lab: an IPIP overlay between two hosts, each with a bridge and a container namespace.
.DESCRIPTION
    On each host (a namespace):
        ip link add name br0 type bridge; ip addr add 10.20.2.1/24 dev br0; ip link set br0 up
        ip tunnel add tunl1 mode ipip remote 192.168.3.3 local 192.168.3.2; ip link set tunl1 up
        ip route add 10.20.3.0/24 via 192.168.3.3 dev tunl1 onlink
        a veth into br0 whose other end is eth0 (10.20.2.2/24, default via 10.20.2.1) in a container namespace
    and the mirror image on host B. Container A pings container B through the tunnel. Everything is removed
    in finally. Needs the ipip module (the kernel tier runs it).
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'))
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force
$tag = Initialize-Lab $ModulePath
$hosts = @(
    @{ Ns = "ipipA-$tag"; Ctr = "ctrA-$tag"; Local = '192.168.3.2'; Remote = '192.168.3.3'; Bridge = '10.20.2.1/24'; Container = '10.20.2.2/24'; Peer = '10.20.3.0/24' }
    @{ Ns = "ipipB-$tag"; Ctr = "ctrB-$tag"; Local = '192.168.3.3'; Remote = '192.168.3.2'; Bridge = '10.20.3.1/24'; Container = '10.20.3.2/24'; Peer = '10.20.2.0/24' }
)
try {
    New-LabHostPair -Name $hosts.Ns -Underlay ($hosts | ForEach-Object { "$($_.Local)/24" })
    foreach ($h in $hosts) {
        New-LabGateway -HostName $h.Ns -BridgeAddress $h.Bridge -Container $h.Ctr -Address $h.Container
        New-IpTunnel -NetNamespace $h.Ns -Name tunl1 -Mode IpIp -Remote $h.Remote -Local $h.Local -Up | Out-Null
        Add-IpRoute -NetNamespace $h.Ns -DestinationPrefix $h.Peer -NextHop $h.Remote -InterfaceName tunl1 -OnLink | Out-Null
    }
    $replies = Test-LabPath -NetNamespace $hosts[0].Ctr -Destination 10.20.3.2
    if (-not $replies) { throw 'Container A cannot reach container B through the IPIP tunnel.' }
    Get-IpTunnel -NetNamespace $hosts[0].Ns -Name tunl1
    $replies
}
finally {
    Remove-Lab
}
