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
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force

$tag = [guid]::NewGuid().ToString('N').Substring(0, 6)
$hosts = @(
    @{ Ns = "hostA-$tag"; Ctr = "ctrA-$tag"; Underlay = '192.168.3.2/24'; Bridge = '10.0.2.1/24'; Container = '10.0.2.2/24'; Gateway = '10.0.2.1'; Remote = '10.0.3.0/24'; Via = '192.168.3.3' }
    @{ Ns = "hostB-$tag"; Ctr = "ctrB-$tag"; Underlay = '192.168.3.3/24'; Bridge = '10.0.3.1/24'; Container = '10.0.3.2/24'; Gateway = '10.0.3.1'; Remote = '10.0.2.0/24'; Via = '192.168.3.2' }
)
try {
    New-NetNamespace -Name ($hosts.Ns + $hosts.Ctr) | Out-Null
    # The underlay: one cable between the hosts.
    New-VethLink -NetNamespace $hosts[0].Ns -Name enp1s0 -PeerName enp1s0 -PeerNetNamespace $hosts[1].Ns -Up | Out-Null
    foreach ($h in $hosts) {
        Enable-IpLink -NetNamespace $h.Ns -Name enp1s0
        Add-IpAddress -NetNamespace $h.Ns -InterfaceName enp1s0 -IPAddress $h.Underlay | Out-Null
        New-BridgeLink -NetNamespace $h.Ns -Name br0 -Up | Out-Null
        Add-IpAddress -NetNamespace $h.Ns -InterfaceName br0 -IPAddress $h.Bridge | Out-Null
        New-VethLink -NetNamespace $h.Ns -Name veth0 -PeerName eth0 -PeerNetNamespace $h.Ctr -Master br0 -Up | Out-Null
        Enable-IpLink -NetNamespace $h.Ctr -Name eth0
        Add-IpAddress -NetNamespace $h.Ctr -InterfaceName eth0 -IPAddress $h.Container | Out-Null
        Add-IpRoute -NetNamespace $h.Ctr -DestinationPrefix default -NextHop $h.Gateway | Out-Null
        Enable-IpForwarding -NetNamespace $h.Ns -AddressFamily IPv4
        Add-IpRoute -NetNamespace $h.Ns -DestinationPrefix $h.Remote -NextHop $h.Via -InterfaceName enp1s0 -OnLink | Out-Null
    }
    $replies = Test-IpConnectivity -NetNamespace $hosts[0].Ctr -Destination 10.0.3.2 -Count 3 -TimeoutMs 2000
    if (-not ($replies | Where-Object Status -eq 'Success')) { throw 'Container A cannot reach container B over the routed overlay.' }
    Get-IpRoute -NetNamespace $hosts[0].Ns
    $replies
}
finally {
    foreach ($n in $hosts.Ctr + $hosts.Ns) {
        if (Test-Path "/run/netns/$n") { Remove-NetNamespace -Name $n -ErrorAction Continue }
    }
}
