<#
.SYNOPSIS
    Seed 003's NAT step as a lab: a container behind a bridge reaches an outside network that has no route back
    to the container subnet, only once the host masquerades it.
.DESCRIPTION
    host:      br0 10.233.0.1/16, uplink 192.168.50.1/24, ip_forward on
    container: eth0 10.233.0.2/16 (in br0), default via 10.233.0.1
    outside:   eth0 192.168.50.2/24 -- no route to 10.233.0.0/16
    The ping from the container to 192.168.50.2 fails first (replies have nowhere to go), then
    `Add-NatMasquerade -SourcePrefix 10.233.0.0/16 -ExcludeDestinationPrefix 10.233.0.0/16` on the host makes it work.
    Outputs one object with the two results. Namespaces are removed at the end unless -Keep.
    Seed 003's three VXLAN hosts can be built from the same pieces (examples/Lab.psm1): one host per node,
    New-LabContainer per container, then this masquerade on each host.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [switch] $Keep
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force
$tag = Initialize-Lab $ModulePath
$hostNs, $containerNs, $outsideNs = "nat-host-$tag", "nat-c1-$tag", "nat-out-$tag"
try {
    New-LabNamespace $hostNs, $outsideNs | Out-Null
    # ip link add br0 type bridge; ip addr add 10.233.0.1/16 dev br0; ip link set br0 up; sysctl -w net.ipv4.ip_forward=1
    New-LabGateway -HostName $hostNs -BridgeAddress 10.233.0.1/16 -Container $containerNs -HostSide veth1 -Address 10.233.0.2/16
    Connect-LabNamespace -Namespace $hostNs -Name uplink -Address 192.168.50.1/24 -PeerNamespace $outsideNs -PeerName eth0 -PeerAddress 192.168.50.2/24

    $before = (Test-LabPing $containerNs 192.168.50.2 -Tries 2).Success
    # iptables -t nat --append POSTROUTING --src 10.233.0.0/16 ! --dest 10.233.0.0/16 --jump MASQUERADE
    $rule = Add-NatMasquerade -NetNamespace $hostNs -SourcePrefix 10.233.0.0/16 -ExcludeDestinationPrefix 10.233.0.0/16
    $after = (Test-LabPing $containerNs 192.168.50.2).Success

    [pscustomobject]@{
        Lab               = 'Nat-Out'
        BeforeMasquerade  = $before
        AfterMasquerade   = $after
        Rule              = "$rule"
        HostNamespace     = $hostNs
    }
}
finally {
    if (-not $Keep) { Remove-Lab }
}
