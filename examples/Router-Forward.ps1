<#
.SYNOPSIS
    Seed 004's router host: masquerade and forward rules between two VLAN interfaces, as a namespace lab.
.DESCRIPTION
    router: ens33.10 172.18.0.1/24 and ens33.20 172.19.0.1/24 (veth stand-ins for the VLAN interfaces), ip_forward on
    bbox10: eth0 172.18.0.2/24, default via 172.18.0.1
    bbox20: eth0 172.19.0.3/24, no route back to 172.18.0.0/24 (reachable only through the masquerade)
    The lab adds a final `Add-ForwardRule -Action Drop` (standing in for a FORWARD policy of DROP) so the seed's
    accept rules visibly matter: with only the drop, bbox10 cannot reach bbox20; with seed 004's rules in front of
    it, it can. Outputs one object with both results. Namespaces are removed at the end unless -Keep.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [switch] $Keep
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force
$tag = Initialize-Lab $ModulePath
$router, $box10, $box20 = "rt-$tag", "rt-b10-$tag", "rt-b20-$tag"
try {
    New-LabNamespace $router, $box10, $box20 | Out-Null
    Connect-LabNamespace -Namespace $router -Name ens33.10 -Address 172.18.0.1/24 -PeerNamespace $box10 -PeerName eth0 -PeerAddress 172.18.0.2/24
    Connect-LabNamespace -Namespace $router -Name ens33.20 -Address 172.19.0.1/24 -PeerNamespace $box20 -PeerName eth0 -PeerAddress 172.19.0.3/24
    Add-IpRoute -NetNamespace $box10 -DestinationPrefix default -NextHop 172.18.0.1 | Out-Null
    # echo "net.ipv4.ip_forward = 1" >> /etc/sysctl.conf; sysctl -p
    Enable-IpForwarding -NetNamespace $router

    # Stand-in for a FORWARD policy of DROP (not in the seed): without the seed's rules nothing passes.
    $dropAll = Add-ForwardRule -NetNamespace $router -Action Drop
    $before = (Test-LabPing $box10 172.19.0.3 -Tries 2).Success
    $dropAll | Remove-ForwardRule

    # iptables -t nat -A POSTROUTING -o ens33.10 -j MASQUERADE
    # iptables -t nat -A POSTROUTING -o ens33.20 -j MASQUERADE
    foreach ($if in 'ens33.10', 'ens33.20') { Add-NatMasquerade -NetNamespace $router -OutInterface $if | Out-Null }
    # iptables -A FORWARD -i ens33.10 -o ens33.20 -m state --state RELATED,ESTABLISHED -j ACCEPT  (and the way back)
    # iptables -A FORWARD -i ens33.10 -o ens33.20 -j ACCEPT                                         (and the way back)
    foreach ($pair in @('ens33.10', 'ens33.20'), @('ens33.20', 'ens33.10')) {
        Add-ForwardRule -NetNamespace $router -InInterface $pair[0] -OutInterface $pair[1] -ConnectionState Related, Established | Out-Null
    }
    foreach ($pair in @('ens33.10', 'ens33.20'), @('ens33.20', 'ens33.10')) {
        Add-ForwardRule -NetNamespace $router -InInterface $pair[0] -OutInterface $pair[1] | Out-Null
    }
    Add-ForwardRule -NetNamespace $router -Action Drop | Out-Null
    $after = (Test-LabPing $box10 172.19.0.3).Success

    [pscustomobject]@{
        Lab              = 'Router-Forward'
        BeforeRules      = $before
        AfterRules       = $after
        ForwardRules     = @(Get-ForwardRule -NetNamespace $router).Count
        NatMasquerades   = @(Get-NatMasquerade -NetNamespace $router).Count
        RouterNamespace  = $router
    }
}
finally {
    if (-not $Keep) { Remove-Lab }
}
