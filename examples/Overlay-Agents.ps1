<#
.SYNOPSIS
    Seed 002 (Docker's overlay driver with a cluster store) built with agents only: ov_net1 and ov_net2 on
    three hosts, containers reach each other across hosts within a network and not across networks.
.DESCRIPTION
    The script starts a 3-member etcd on loopback (Start-OverlayStore) in place of seed 002's consul, creates
        docker network create -d overlay ov_net1     (New-OverlayNetwork, VNI 256, 10.0.0.0/24)
        docker network create -d overlay ov_net2     (VNI 257, the same subnet: isolation is by VNI)
    gives each host (a namespace on a switched underlay, 192.168.8.100-102) a bridge and a VXLAN device per
    network (nolearning proxy, as Docker's driver makes them) and one agent per host and network, then runs
    "containers" and registers them (Add-OverlayEndpoint). Nothing is programmed by hand: the agents write
    every FDB entry and neighbour. Outputs one object per ping (From, To, Network, Success, Expected).
    Everything (agents, store, namespaces) is removed at the end, even on failure.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [string] $Prefix = ('oa' + (Get-Random -Maximum 99999))
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1')
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force

$networks = @(
    @{ Name = 'ov_net1'; Vni = 256; Bridge = 'br1'; Vxlan = 'vx1' }
    @{ Name = 'ov_net2'; Vni = 257; Bridge = 'br2'; Vxlan = 'vx2' }
)
$hosts = 0..2 | ForEach-Object { [pscustomobject]@{ Name = "$Prefix-h$_"; Vtep = "192.168.8.10$_" } }
# Seed 002: bbox1 (host01) and bbox2 (host02) on ov_net1, bbox3 (host01) on ov_net2; one more on host03.
$containers = @(
    [pscustomobject]@{ Name = "$Prefix-bbox1"; Host = $hosts[0]; Network = 'ov_net1'; IPAddress = '10.0.0.2'; MacAddress = '02:42:0a:00:00:02' }
    [pscustomobject]@{ Name = "$Prefix-bbox2"; Host = $hosts[1]; Network = 'ov_net1'; IPAddress = '10.0.0.4'; MacAddress = '02:42:0a:00:00:04' }
    [pscustomobject]@{ Name = "$Prefix-bbox4"; Host = $hosts[2]; Network = 'ov_net1'; IPAddress = '10.0.0.5'; MacAddress = '02:42:0a:00:00:05' }
    [pscustomobject]@{ Name = "$Prefix-bbox3"; Host = $hosts[2]; Network = 'ov_net2'; IPAddress = '10.0.0.3'; MacAddress = '02:42:0a:00:00:03' }
)
$store = $null
try {
    $store = Start-OverlayStore -Name $Prefix -Members 3
    $etcd = $store.Endpoints
    foreach ($n in $networks) { New-OverlayNetwork -Name $n.Name -Vni $n.Vni -Subnet 10.0.0.0/24 -EtcdEndpoint $etcd | Out-Null }

    New-LabSwitch -Name "$Prefix-sw" -HostName $hosts.Name -Underlay $hosts.Vtep | Out-Null
    foreach ($h in $hosts) {
        foreach ($n in $networks) {
            New-BridgeLink -NetNamespace $h.Name -Name $n.Bridge -Up | Out-Null
            New-VxlanLink -NetNamespace $h.Name -Name $n.Vxlan -Vni $n.Vni -Port 4789 -Device eth0 -Local $h.Vtep -Learning:$false -Proxy -Master $n.Bridge -Up | Out-Null
            Start-OverlayAgent -NetNamespace $h.Name -HostName $h.Name -NetworkName $n.Name -VxlanInterface $n.Vxlan `
                -LocalAddress $h.Vtep -EtcdEndpoint $etcd -AsJob | Out-Null
        }
    }
    foreach ($c in $containers) {
        $bridge = ($networks | Where-Object Name -eq $c.Network).Bridge
        New-LabContainer -Name $c.Name -HostName $c.Host.Name -Bridge $bridge -Address $c.IPAddress -PrefixLength 24 -MacAddress $c.MacAddress
    }
    # docker run --network ...: each host's agent registered the host; endpoints go on its lease.
    $containers | Select-Object IPAddress, MacAddress, @{ n = 'HostName'; e = { $_.Host.Name } }, @{ n = 'NetworkName'; e = { $_.Network } } |
        Add-OverlayEndpoint -EtcdEndpoint $etcd | Out-Null

    foreach ($from in $containers) {
        foreach ($to in $containers | Where-Object Name -ne $from.Name) {
            $r = Test-LabPing -From $from.Name -To $to.IPAddress -Tries 3
            # ov_net2's bbox3 has ov_net1's 10.0.0.3 neighbour nowhere: a ping across networks must fail.
            [pscustomobject]@{ From = $from.Name; To = $to.Name; Network = "$($from.Network)->$($to.Network)"; Success = $r.Success; Expected = $from.Network -eq $to.Network }
        }
    }
}
finally {
    Get-OverlayAgent | Where-Object HostName -like "$Prefix-*" | Stop-OverlayAgent
    Get-Job -Name "OverlayAgent-$Prefix-*" -ErrorAction SilentlyContinue | Remove-Job -Force
    if ($store) { Stop-OverlayStore -Name $store.Name }
    Remove-Lab
}
