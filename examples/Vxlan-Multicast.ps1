<#
.SYNOPSIS
    VXLAN over a multicast group with three hosts, a bridge gateway 10.233.0.1/16 and containers
    (seed 003; seed 000 section 3.3).
.DESCRIPTION
    The underlay is a bridge in a "switch" namespace with a veth to each host (172.16.1.11-13/24), so
    multicast between the hosts behaves as on a LAN. Each host runs
        ip link add vxlan0 type vxlan id 42 dstport 4789 group 239.1.1.1 dev eth0
    enslaved to br0, which carries the gateway address 10.233.0.1/16 (seed 003 "设置网关"), and one container
    (10.233.0.2, .3, .4). The VTEPs find each other through the group: no remote, no FDB entries. Outputs one
    object per ping (From, To, Success).

    With -NatOut it adds seed 003's "NAT out": an "outside" namespace on the underlay (172.16.1.100) that has
    no route back to 10.233.0.0/16, forwarding on every host, each container's default route via its host's
    gateway 10.233.0.1, and on every host
        iptables -t nat -A POSTROUTING --src 10.233.0.0/16 ! --dest 10.233.0.0/16 -j MASQUERADE
    as Add-NatMasquerade. Each container then reaches the outside (only through the masquerade: the lab
    first proves it does not without it).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [string] $Prefix = ('mc' + (Get-Random -Maximum 99999)),
    [switch] $NatOut
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1')
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force

$switch = "$Prefix-sw"
$hosts = 1..3 | ForEach-Object { [pscustomobject]@{ Name = "$Prefix-h$_"; Underlay = "172.16.1.$(10 + $_)"; Container = "$Prefix-c$_"; Ip = "10.233.0.$(1 + $_)" } }
try {
    New-LabSwitch -Name $switch -HostName $hosts.Name -Underlay $hosts.Underlay | Out-Null
    foreach ($h in $hosts) {
        # Seed 003: the VTEP joins 239.1.1.1 on eth0; -Device is what makes the group usable (iproute2 insists too).
        New-VxlanLink -NetNamespace $h.Name -Name vxlan0 -Vni 42 -Port 4789 -Group 239.1.1.1 -Device eth0 | Out-Null
        New-BridgeLink -NetNamespace $h.Name -Name br0 -Up | Out-Null
        Set-IpLink -NetNamespace $h.Name -InterfaceName vxlan0 -Master br0
        Enable-IpLink -NetNamespace $h.Name -InterfaceName vxlan0
        Add-IpAddress -NetNamespace $h.Name -InterfaceName br0 -IPAddress 10.233.0.1 -PrefixLength 16 | Out-Null
        New-LabContainer -Name $h.Container -HostName $h.Name -Bridge br0 -Address $h.Ip -PrefixLength 16
    }

    # Seed 003 "测试一下": every container reaches the others across the group-based overlay, and its gateway.
    foreach ($from in $hosts) {
        foreach ($to in $hosts | Where-Object Name -ne $from.Name) { Test-LabPing -From $from.Container -To $to.Ip }
        Test-LabPing -From $from.Container -To 10.233.0.1
    }

    if ($NatOut) {
        $outside = New-LabNamespace "$Prefix-out"
        Connect-LabNamespace -Namespace $switch -Name pout -Master sw0 -PeerNamespace $outside -PeerName eth0 -PeerAddress 172.16.1.100/24
        foreach ($h in $hosts) {
            Enable-IpForwarding -NetNamespace $h.Name
            Add-IpRoute -NetNamespace $h.Container -DestinationPrefix default -NextHop 10.233.0.1 | Out-Null
        }
        # Without NAT the outside sees 10.233.x sources it has no route back to: no reply may come.
        $before = Test-IpConnectivity -NetNamespace $hosts[0].Container -Destination 172.16.1.100 -Count 1 -TimeoutMs 500
        if ($before.Status -eq 'Success') { throw 'The outside answered before NAT was set up; the lab proves nothing.' }
        foreach ($h in $hosts) {
            Add-NatMasquerade -NetNamespace $h.Name -SourcePrefix 10.233.0.0/16 -ExcludeDestinationPrefix 10.233.0.0/16 | Out-Null
        }
        foreach ($h in $hosts) { Test-LabPing -From $h.Container -To 172.16.1.100 }
    }
}
finally {
    Remove-Lab
}
