<#
.SYNOPSIS
    Seed 001's point-to-point GRE tunnel with per-direction keys, checksums and sequence numbers.
.DESCRIPTION
    Host A:  ip tunnel add gre01 mode gre remote 172.16.0.5 local 172.16.0.3 ttl 255 ikey 0x111111 okey 0x222222 csum seq
             ip addr add 10.1.1.1/24 dev gre01; ip link set gre01 up
    Host B:  the mirror image (ikey 0x222222 okey 0x111111, 10.1.1.2/24).
    A pings B across the tunnel. Then B expects another input key (ip tunnel change gre01 ikey 0x333333):
    A's packets no longer match B's tunnel, and the same ping must fail. Everything is removed in finally.
    Needs the ip_gre module (the kernel tier runs it).
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'))
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force
$tag = Initialize-Lab $ModulePath
$hosts = @(
    @{ Ns = "greA-$tag"; Local = '172.16.0.3'; Remote = '172.16.0.5'; InputKey = '0x111111'; OutputKey = '0x222222'; Address = '10.1.1.1/24' }
    @{ Ns = "greB-$tag"; Local = '172.16.0.5'; Remote = '172.16.0.3'; InputKey = '0x222222'; OutputKey = '0x111111'; Address = '10.1.1.2/24' }
)
try {
    New-LabHostPair -Name $hosts.Ns -Underlay ($hosts | ForEach-Object { "$($_.Local)/24" })
    foreach ($h in $hosts) {
        New-IpTunnel -NetNamespace $h.Ns -Name gre01 -Mode Gre -Remote $h.Remote -Local $h.Local -Ttl 255 `
            -InputKey $h.InputKey -OutputKey $h.OutputKey -Checksum -Sequence | Out-Null
        Add-IpAddress -NetNamespace $h.Ns -InterfaceName gre01 -IPAddress $h.Address | Out-Null
        Enable-IpLink -NetNamespace $h.Ns -Name gre01
    }
    $replies = Test-LabPath -NetNamespace $hosts[0].Ns -Destination 10.1.1.2
    if (-not $replies) { throw 'Host A cannot reach 10.1.1.2 through the keyed GRE tunnel.' }
    Get-IpTunnel -NetNamespace $hosts[0].Ns -Name gre01
    $replies

    # A key that does not match: B now drops what A sends.
    Set-IpTunnel -NetNamespace $hosts[1].Ns -Name gre01 -InputKey 0x333333
    if (Test-LabPath -NetNamespace $hosts[0].Ns -Destination 10.1.1.2 -Attempts 2) {
        throw 'Traffic still passed after the keys stopped matching.'
    }
    [pscustomobject]@{ Check = 'mismatched key'; Status = 'NoTraffic' }
}
finally {
    Remove-Lab
}
