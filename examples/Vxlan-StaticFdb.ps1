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

# The inventory an orchestrator would hold: where each container lives.
$inventory = @(Get-LabInventory -Prefix $Prefix)
try {
    New-LabSwitch -Name "$Prefix-sw" -HostName $inventory.Host -Underlay $inventory.Vtep | Out-Null
    New-LabVxlanHost -Inventory $inventory

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
