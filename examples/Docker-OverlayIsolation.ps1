<#
.SYNOPSIS
    Seed 002 as a lab: Docker's overlay networks ov_net1 and ov_net2 across two hosts, built from cmdlets the
    way Docker's overlay driver builds them; containers on one network reach each other, not the other's.
.DESCRIPTION
    host01 (192.168.56.101) and host02 (192.168.56.102) on one switch. Per network and host, as the driver does
        ip link add br256 type bridge; ip link add vxlan256 type vxlan id 256 dstport 4789 dev eth0 nolearning proxy
        ip link set vxlan256 master br256
        bridge fdb append <container MAC> dev vxlan256 dst <its host's VTEP>     (each container on the other host)
        ip neigh add <container IP> lladdr <container MAC> dev vxlan256 nud permanent
    and a veth per container into the bridge. bbox1 (10.0.0.2, host01) and bbox2 (10.0.0.4, host02) share
    ov_net1 (VNI 256); bbox3 (10.0.1.2, host01) is on ov_net2 (VNI 257) and must not reach bbox1
    ("不同的overlay网络使相互隔离的"). examples/labs/002-overlay-isolation.lab.yml is the same lab as a file.
    Outputs one (From, To, Success) object per ping; for bbox3's, Success means no reply came (Expected: none).
    Everything is removed in finally.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    # Prefix of the namespace names, so several runs never collide.
    [string] $Prefix = ('ovn' + (Get-Random -Maximum 99999))
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1')
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force
try {
    New-LabDockerOverlay -Prefix $Prefix
    # docker exec bbox2 ping -c 2 bbox1; docker exec -it bbox3 ping -c 2 10.0.0.2 (no reply: isolated)
    Test-LabPing -From "$Prefix-bbox2" -To 10.0.0.2
    Test-LabPing -From "$Prefix-bbox1" -To 10.0.0.4
    $isolated = Test-LabPing -From "$Prefix-bbox3" -To 10.0.0.2 -Tries 2
    [pscustomobject]@{ From = $isolated.From; To = $isolated.To; Success = -not $isolated.Success; Expected = 'none' }
}
finally {
    Remove-Lab
}
