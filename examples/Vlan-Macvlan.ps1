<#
.SYNOPSIS
    Seed 004 as a lab: VLAN sub-interfaces with macvlan networks on two hosts, and a third host routing between
    the VLANs. Needs the 8021q module (kernel tier). The masquerade part of the seed comes with the firewall cmdlets.
.DESCRIPTION
    Host A puts a macvlan container on ens33.10 (VLAN 10, 192.168.22.0/24), host B on ens33.20 (VLAN 20,
    192.168.23.0/24); the router has a sub-interface in each VLAN and forwards between them:
        ip link set ens33 promisc on
        ip link add ens33.10 link ens33 type vlan id 10
        ip link add mv10 link ens33.10 type macvlan mode bridge; ip link set mv10 netns c1
        sysctl -w net.ipv4.ip_forward=1      (router)
    Checked with Test-IpConnectivity from the container on A to the container on B. Everything is removed in finally.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'))
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force

$tag = [guid]::NewGuid().ToString('N').Substring(0, 6)
$router = "router-$tag"
$hosts = @(
    @{ Ns = "vhostA-$tag"; Ctr = "vc1-$tag"; Port = 'ra'; Vlan = 10; Net = '192.168.22'; Other = '192.168.23.20' }
    @{ Ns = "vhostB-$tag"; Ctr = "vc2-$tag"; Port = 'rb'; Vlan = 20; Net = '192.168.23'; Other = '192.168.22.20' }
)
$all = @($router) + $hosts.Ns + $hosts.Ctr
try {
    New-NetNamespace -Name $all | Out-Null
    Enable-IpForwarding -NetNamespace $router -AddressFamily IPv4
    foreach ($h in $hosts) {
        $sub = "ens33.$($h.Vlan)"
        # The cable from the host's NIC to the router's port, each end carrying the VLAN.
        New-VethLink -NetNamespace $h.Ns -Name ens33 -PeerName $h.Port -PeerNetNamespace $router -Up | Out-Null
        Enable-IpLink -NetNamespace $router -Name $h.Port
        Set-IpLink -NetNamespace $h.Ns -Name ens33 -Promiscuous $true
        New-VlanLink -NetNamespace $router -Name "$($h.Port).$($h.Vlan)" -Parent $h.Port -VlanId $h.Vlan -Up | Out-Null
        Add-IpAddress -NetNamespace $router -InterfaceName "$($h.Port).$($h.Vlan)" -IPAddress "$($h.Net).1/24" | Out-Null

        New-VlanLink -NetNamespace $h.Ns -Name $sub -Parent ens33 -VlanId $h.Vlan -Up | Out-Null
        Add-IpAddress -NetNamespace $h.Ns -InterfaceName $sub -IPAddress "$($h.Net).10/24" | Out-Null
        New-MacvlanLink -NetNamespace $h.Ns -Name mv0 -Parent $sub -Mode Bridge | Out-Null
        Move-IpLink -NetNamespace $h.Ns -Name mv0 -Destination $h.Ctr
        Enable-IpLink -NetNamespace $h.Ctr -Name mv0
        Add-IpAddress -NetNamespace $h.Ctr -InterfaceName mv0 -IPAddress "$($h.Net).20/24" | Out-Null
        Add-IpRoute -NetNamespace $h.Ctr -DestinationPrefix default -NextHop "$($h.Net).1" | Out-Null
    }
    $replies = Test-IpConnectivity -NetNamespace $hosts[0].Ctr -Destination $hosts[0].Other -Count 3 -TimeoutMs 2000
    if (-not ($replies | Where-Object Status -eq 'Success')) { throw 'The VLAN 10 container cannot reach the VLAN 20 container through the router.' }
    Get-VlanLink -NetNamespace $router
    $replies
}
finally {
    foreach ($n in $all) {
        if (Test-Path "/run/netns/$n") { Remove-NetNamespace -Name $n -ErrorAction Continue }
    }
}
