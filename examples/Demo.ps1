<#
.SYNOPSIS
    The demo lab (build.ps1 demo): seed 001's VXLAN with a hand-kept FDB and ARP table.
.DESCRIPTION
    Two "hosts" (namespaces) share an underlay (a veth pair, 192.168.8.101 and .102). Each host has a
    bridge with a VXLAN device, VNI 42, created with learning off and ARP proxy on:

        ip link add vxlan0 type vxlan id 42 dstport 4789 dev enp0s8 nolearning proxy

    and one "container" (a namespace behind a veth on the bridge). With learning off, the VTEPs only know
    what we tell them, exactly as the seed does it:

        bridge fdb append 00:00:00:00:00:00 dev vxlan0 dst 192.168.8.101      # flood to the peer VTEP
        bridge fdb append 52:5e:55:58:9a:ab dev vxlan0 dst 192.168.8.101      # this container is there
        ip neigh add 10.20.1.4 lladdr 52:5e:55:58:9a:ab dev vxlan0             # the VTEP answers ARP

    Then the containers ping each other across the overlay, the FDB and neighbour tables are printed, and
    every namespace is removed again (also when something fails).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet')
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force

$tag = [guid]::NewGuid().ToString('N').Substring(0, 6)
$hosts = @(
    @{ Host = "demo-$tag-host1"; Container = "demo-$tag-c1"; Underlay = '192.168.8.101'; Ip = '10.20.1.3'; Mac = 'd6:d9:cd:0a:a4:28' }
    @{ Host = "demo-$tag-host2"; Container = "demo-$tag-c2"; Underlay = '192.168.8.102'; Ip = '10.20.1.4'; Mac = '52:5e:55:58:9a:ab' }
)

function Write-Step([string] $Text) { Write-Host "`n== $Text" -ForegroundColor Cyan }

try {
    Write-Step 'Hosts and containers are network namespaces'
    $hosts | ForEach-Object { $_.Host; $_.Container } | New-NetNamespace | Format-Table Name, Inode

    Write-Step 'The underlay: one veth pair between the hosts (192.168.8.0/24)'
    New-VethLink -Name eth0 -PeerName eth0 -NetNamespace $hosts[0].Host -PeerNetNamespace $hosts[1].Host -Up | Out-Null
    foreach ($h in $hosts) {
        Enable-IpLink -Name eth0 -NetNamespace $h.Host
        Add-IpAddress -InterfaceName eth0 -IPAddress "$($h.Underlay)/24" -NetNamespace $h.Host | Out-Null
    }

    Write-Step 'On each host: a bridge, a VXLAN VTEP (id 42, nolearning, proxy) in it, a container behind a veth'
    foreach ($h in $hosts) {
        New-BridgeLink -Name br0 -NetNamespace $h.Host -Up | Out-Null
        New-VxlanLink -Name vxlan0 -Vni 42 -Port 4789 -Device eth0 -Local $h.Underlay -Learning:$false -Proxy `
            -Master br0 -Up -NetNamespace $h.Host | Out-Null
        New-VethLink -Name veth-c -PeerName eth0 -PeerNetNamespace $h.Container -Master br0 -Up -NetNamespace $h.Host | Out-Null
        Set-IpLink -Name eth0 -MacAddress $h.Mac -NetNamespace $h.Container
        Enable-IpLink -Name eth0 -NetNamespace $h.Container
        Add-IpAddress -InterfaceName eth0 -IPAddress "$($h.Ip)/24" -NetNamespace $h.Container | Out-Null
    }
    Get-IpLink -NetNamespace $hosts[0].Host | Format-Table
    Get-VxlanLink -NetNamespace $hosts[0].Host | Format-List Name, Vni, Port, Local, Device, Learning, Proxy

    Write-Step 'Hand-kept FDB: flood entries for the peer VTEP and one entry per remote container'
    foreach ($h in $hosts) {
        $peer = $hosts | Where-Object Host -ne $h.Host
        # The pipeline form from the design card: every VXLAN device on the host gets the flood entry.
        Get-VxlanLink -NetNamespace $h.Host | Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -Destination $peer.Underlay -Append | Out-Null
        Add-BridgeFdbEntry -MacAddress $peer.Mac -InterfaceName vxlan0 -Destination $peer.Underlay -Append -NetNamespace $h.Host | Out-Null
        # ... and the VTEP's ARP table, so it answers ARP for the remote container itself (proxy).
        Add-IpNeighbor -IPAddress $peer.Ip -LinkLayerAddress $peer.Mac -InterfaceName vxlan0 -State Permanent -NetNamespace $h.Host | Out-Null
    }

    Write-Step "FDB of vxlan0 on $($hosts[0].Host)"
    Get-BridgeFdbEntry -InterfaceName vxlan0 -NetNamespace $hosts[0].Host | Format-Table
    Write-Step "Neighbours of vxlan0 on $($hosts[0].Host)"
    Get-IpNeighbor -NetNamespace $hosts[0].Host | Where-Object InterfaceName -eq vxlan0 | Format-Table

    Write-Step "Ping across the overlay: $($hosts[0].Container) ($($hosts[0].Ip)) -> $($hosts[1].Ip)"
    $replies = Test-IpConnectivity -Destination $hosts[1].Ip -NetNamespace $hosts[0].Container -Count 3 -TimeoutMs 2000
    $replies | Format-Table
    if (-not ($replies | Where-Object Status -eq 'Success')) { throw 'No reply came back across the overlay.' }
    Write-Step 'The overlay works.'
}
finally {
    Write-Step 'Cleaning up'
    foreach ($h in $hosts) {
        foreach ($ns in $h.Container, $h.Host) {
            if (Get-NetNamespace -Name $ns -ErrorAction SilentlyContinue) { Remove-NetNamespace -Name $ns }
        }
    }
    Write-Host 'All namespaces removed.'
}
