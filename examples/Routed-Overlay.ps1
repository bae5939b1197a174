<#
.SYNOPSIS
    Seed 000 §2 as a lab: two hosts whose container bridges (10.0.2.0/24, 10.0.3.0/24) reach each other
    through plain routes via the peer's underlay address, with forwarding on.
.DESCRIPTION
    On each host (a namespace): a bridge with the containers' gateway address, a "container" namespace behind
    it, IP forwarding on, and
        ip route add 10.0.3.0/24 via 192.168.3.3 dev enp1s0 onlink     (host A)
        ip route add 10.0.2.0/24 via 192.168.3.2 dev enp1s0 onlink     (host B)
    Checked with Test-IpConnectivity from container A to container B. Everything is removed in finally.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'))
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force
$tag = Initialize-Lab $ModulePath
$hosts = @(
    @{ Ns = "hostA-$tag"; Ctr = "ctrA-$tag"; Underlay = '192.168.3.2/24'; Bridge = '10.0.2.1/24'; Container = '10.0.2.2/24'; Remote = '10.0.3.0/24'; Via = '192.168.3.3' }
    @{ Ns = "hostB-$tag"; Ctr = "ctrB-$tag"; Underlay = '192.168.3.3/24'; Bridge = '10.0.3.1/24'; Container = '10.0.3.2/24'; Remote = '10.0.2.0/24'; Via = '192.168.3.2' }
)
try {
    # The underlay: one cable between the hosts.
    New-LabHostPair -Name $hosts.Ns -Underlay $hosts.Underlay
    foreach ($h in $hosts) {
        New-LabGateway -HostName $h.Ns -BridgeAddress $h.Bridge -Container $h.Ctr -Address $h.Container
        Add-IpRoute -NetNamespace $h.Ns -DestinationPrefix $h.Remote -NextHop $h.Via -InterfaceName enp1s0 -OnLink | Out-Null
    }
    $replies = Test-IpConnectivity -NetNamespace $hosts[0].Ctr -Destination 10.0.3.2 -Count 3 -TimeoutMs 2000
    if (-not ($replies | Where-Object Status -eq 'Success')) { throw 'Container A cannot reach container B over the routed overlay.' }
    Get-IpRoute -NetNamespace $hosts[0].Ns
    $replies
}
finally {
    Remove-Lab
}
