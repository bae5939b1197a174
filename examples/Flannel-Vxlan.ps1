<#
.SYNOPSIS
    Seed 001's flannel VXLAN network on three hosts, run by OverlayNet agents on flannel's own etcd keys.
.DESCRIPTION
    The script starts a 3-member etcd on loopback and writes flannel's network config, as one would for
    flanneld:
        etcdctl put /coreos.com/network/config '{"Network":"10.5.0.0/16","SubnetLen":24,"Backend":{"Type":"vxlan","VNI":1}}'
    Each host (a namespace on a switched underlay, 192.168.8.100-102) runs Start-OverlayAgent -Schema Flannel,
    which does what flanneld does: creates flannel.1 (VNI 1, nolearning, local = the host's address), takes a
    /24 lease written in flanneld's JSON, and per other host programs
        ip neigh replace <subnet>.0 lladdr <VtepMAC> dev flannel.1
        bridge fdb replace <VtepMAC> dev flannel.1 dst <PublicIP> self permanent
        ip route replace <subnet>/24 via <subnet>.0 dev flannel.1 onlink
    Each host then gets a cni0 bridge with its subnet's .1 and one container (.2, default route via .1), and
    every container pings every other across the hosts. Outputs one object per ping (From, To, Success) and
    prints the leases as they are in etcd. Everything is removed at the end, even on failure.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [string] $Prefix = ('fl' + (Get-Random -Maximum 99999))
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1')
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force

$hosts = 0..2 | ForEach-Object { [pscustomobject]@{ Name = "$Prefix-n$_"; Vtep = "192.168.8.10$_"; Subnet = $null; Container = "$Prefix-c$_" } }
$store = $null
try {
    $store = Start-OverlayStore -Name $Prefix -Members 3
    & etcdctl --endpoints ($store.Endpoints -join ',') put /coreos.com/network/config '{"Network":"10.5.0.0/16","SubnetLen":24,"Backend":{"Type":"vxlan","VNI":1}}' | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'etcdctl put failed.' }

    New-LabSwitch -Name "$Prefix-sw" -HostName $hosts.Name -Underlay $hosts.Vtep | Out-Null
    foreach ($h in $hosts) {
        Enable-IpForwarding -NetNamespace $h.Name | Out-Null
        $job = Start-OverlayAgent -Schema Flannel -NetNamespace $h.Name -LocalAddress $h.Vtep -EtcdEndpoint $store.Endpoints -AsJob
        $h.Subnet = (Get-OverlayAgent -HostName $h.Name).Network
        # The host's containers: cni0 with the subnet's .1, one container with .2 (flannel's CNI plugin does this).
        $net = ([IPAddress]($h.Subnet -split '/')[0]).GetAddressBytes()
        $gw = "$($net[0]).$($net[1]).$($net[2]).1"; $ip = "$($net[0]).$($net[1]).$($net[2]).2"
        New-BridgeLink -NetNamespace $h.Name -Name cni0 -Up | Out-Null
        Add-IpAddress -NetNamespace $h.Name -InterfaceName cni0 -IPAddress "$gw/24" | Out-Null
        New-LabContainer -Name $h.Container -HostName $h.Name -Bridge cni0 -Address "$ip/24" -Gateway $gw
        $h | Add-Member -NotePropertyName ContainerAddress -NotePropertyValue $ip
    }
    Write-Host 'Leases in etcd, as flanneld would read them:'
    & etcdctl --endpoints ($store.Endpoints -join ',') get --prefix /coreos.com/network/subnets/ | Write-Host

    foreach ($from in $hosts) {
        foreach ($to in $hosts | Where-Object Name -ne $from.Name) {
            Test-LabPing -From $from.Container -To $to.ContainerAddress
        }
    }
}
finally {
    Get-OverlayAgent | Where-Object HostName -like "$Prefix-*" | Stop-OverlayAgent
    Get-Job -Name "OverlayAgent-$Prefix-*" -ErrorAction SilentlyContinue | Remove-Job -Force
    if ($store) { Stop-OverlayStore -Name $store.Name }
    Remove-Lab
}
