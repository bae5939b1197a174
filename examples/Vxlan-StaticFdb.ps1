<#
.SYNOPSIS
    VXLAN with learning off and ARP proxy: flood entries, per-container FDB entries and neighbour entries
    maintained by hand (seed 001, "手动维护 fdb 表" and "手动维护 ARP 表").
.DESCRIPTION
    Three hosts (192.168.8.100-102) on a switched underlay, each with
        ip link add vxlan0 type vxlan id 42 dstport 4789 dev eth0 nolearning proxy
    on a bridge with one container. Nothing is learned from traffic, so every host gets, from the list of
    containers:
        bridge fdb append 00:00:00:00:00:00 dev vxlan0 dst <each peer VTEP>    (flooding, for broadcasts)
        bridge fdb append <container MAC> dev vxlan0 dst <its VTEP>             (unicast towards it)
        ip neigh add <container IP> lladdr <container MAC> dev vxlan0           (vxlan0 answers ARP itself)
    all from one pipeline of objects per host. Outputs one object per ping (From, To, Success).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [string] $Prefix = ('sf' + (Get-Random -Maximum 99999))
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1')
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force

$switch = "$Prefix-sw"
# The inventory an orchestrator would hold: where each container lives. MACs and IPs of .101/.102 are seed 001's.
$inventory = @(
    [pscustomobject]@{ Host = "$Prefix-h0"; Vtep = '192.168.8.100'; Container = "$Prefix-c0"; IPAddress = '10.20.1.2'; MacAddress = '0a:58:0a:14:01:02' }
    [pscustomobject]@{ Host = "$Prefix-h1"; Vtep = '192.168.8.101'; Container = "$Prefix-c1"; IPAddress = '10.20.1.4'; MacAddress = '52:5e:55:58:9a:ab' }
    [pscustomobject]@{ Host = "$Prefix-h2"; Vtep = '192.168.8.102'; Container = "$Prefix-c2"; IPAddress = '10.20.1.3'; MacAddress = 'd6:d9:cd:0a:a4:28' }
)
try {
    New-LabNamespace $switch | Out-Null
    New-BridgeLink -NetNamespace $switch -Name sw0 -Up | Out-Null
    foreach ($h in $inventory) {
        New-LabNamespace $h.Host | Out-Null
        Connect-LabNamespace -Namespace $switch -Name "p$($h.Host.Substring($h.Host.Length - 2))" -Master sw0 -PeerNamespace $h.Host -PeerName eth0 -PeerAddress "$($h.Vtep)/24"
        New-BridgeLink -NetNamespace $h.Host -Name br0 -Up | Out-Null
        New-VxlanLink -NetNamespace $h.Host -Name vxlan0 -Vni 42 -Port 4789 -Device eth0 -Learning:$false -Proxy -Master br0 -Up | Out-Null
        New-LabContainer -Name $h.Container -HostName $h.Host -Bridge br0 -Address $h.IPAddress -PrefixLength 24 -MacAddress $h.MacAddress
    }

    foreach ($h in $inventory) {
        $peers = $inventory | Where-Object Host -ne $h.Host
        # Flood list: one all-zero entry per peer VTEP, appended (bridge fdb append 00:00:00:00:00:00 ... dst).
        Get-VxlanLink -NetNamespace $h.Host -Name vxlan0 | ForEach-Object {
            foreach ($p in $peers) { $_ | Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -Destination $p.Vtep -Append | Out-Null }
        }
        # Per-container FDB entries and neighbour entries: objects straight from the inventory.
        $peers | Select-Object MacAddress, @{ n = 'Destination'; e = { $_.Vtep } }, @{ n = 'InterfaceName'; e = { 'vxlan0' } } |
            Add-BridgeFdbEntry -NetNamespace $h.Host -Append | Out-Null
        $peers | Select-Object IPAddress, @{ n = 'LinkLayerAddress'; e = { $_.MacAddress } } |
            Add-IpNeighbor -NetNamespace $h.Host -InterfaceName vxlan0 | Out-Null
    }

    foreach ($from in $inventory) {
        foreach ($to in $inventory | Where-Object Host -ne $from.Host) { Test-LabPing -From $from.Container -To $to.IPAddress }
    }
}
finally {
    Remove-Lab
}
