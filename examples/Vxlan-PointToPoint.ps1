<#
.SYNOPSIS
    VXLAN point to point between two hosts, each with a bridge and a container (seed 000, section 3.2).
.DESCRIPTION
    Host A (192.168.3.2) and host B (192.168.3.3) are namespaces joined by a veth underlay (enp1s0 at both
    ends, as in the seed). Each gets
        ip link add vxlanN type vxlan id 42 dstport 4789 remote <other> local <self> dev enp1s0
    enslaved to a bridge, and a container on the bridge: 10.1.2.2/16 on A, 10.1.3.2/16 on B. The containers
    then reach each other across the tunnel. Everything lives in namespaces and is removed at the end.
    Outputs one object per ping direction (From, To, Success).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    # Prefix of the namespace names, so several runs never collide.
    [string] $Prefix = ('p2p' + (Get-Random -Maximum 99999))
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1')
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force

$hostA = "$Prefix-a"; $hostB = "$Prefix-b"
try {
    New-LabHostPair -Name $hostA, $hostB -Underlay 192.168.3.2/24, 192.168.3.3/24

    # Seed 000 3.2.1 / 3.2.2: the VTEPs, mirrored.
    $vteps = @(
        @{ Host = $hostA; Name = 'vxlan2'; Local = '192.168.3.2'; Remote = '192.168.3.3'; Container = "$Prefix-ca"; Ip = '10.1.2.2' }
        @{ Host = $hostB; Name = 'vxlan3'; Local = '192.168.3.3'; Remote = '192.168.3.2'; Container = "$Prefix-cb"; Ip = '10.1.3.2' }
    )
    foreach ($v in $vteps) {
        New-BridgeLink -NetNamespace $v.Host -Name vxl0 -Up | Out-Null
        New-VxlanLink -NetNamespace $v.Host -Name $v.Name -Vni 42 -Port 4789 -Remote $v.Remote -Local $v.Local -Device enp1s0 -Master vxl0 -Up | Out-Null
        New-LabContainer -Name $v.Container -HostName $v.Host -Bridge vxl0 -Address $v.Ip -PrefixLength 16
    }

    # Seed 000 3.2.3: docker exec vxlan-container01 ping 10.1.3.2
    Test-LabPing -From "$Prefix-ca" -To 10.1.3.2
    Test-LabPing -From "$Prefix-cb" -To 10.1.2.2
}
finally {
    Remove-Lab
}
