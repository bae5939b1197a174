<#
.SYNOPSIS
    IPv6 over IPv4 with a SIT tunnel between two hosts (seed 000 §7), plus an ISATAP and a VTI tunnel
    created and read back (§8, §9).
.DESCRIPTION
    Host A:  ip tunnel add sit1 mode sit remote 192.168.3.3 local 192.168.3.2 ttl 64
             ip addr add 2001:db8:1::1/64 dev sit1; ip link set sit1 up
    Host B:  the mirror image with 2001:db8:1::2/64. A pings B's IPv6 address across IPv4.
    Then on A:  ip tunnel add isatap0 mode isatap local 192.168.3.2
                ip tunnel add vti1 mode vti remote 192.168.3.3 local 192.168.3.2 key 5
    are made and read back with Get-IpTunnel. Everything is removed in finally.
    Needs the sit and ip_vti modules (the kernel tier runs it).
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'))
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force
$tag = Initialize-Lab $ModulePath
$hosts = @(
    @{ Ns = "sitA-$tag"; Local = '192.168.3.2'; Remote = '192.168.3.3'; Address = '2001:db8:1::1/64' }
    @{ Ns = "sitB-$tag"; Local = '192.168.3.3'; Remote = '192.168.3.2'; Address = '2001:db8:1::2/64' }
)
try {
    New-LabHostPair -Name $hosts.Ns -Underlay ($hosts | ForEach-Object { "$($_.Local)/24" })
    foreach ($h in $hosts) {
        New-IpTunnel -NetNamespace $h.Ns -Name sit1 -Mode Sit -Remote $h.Remote -Local $h.Local -Ttl 64 -Up | Out-Null
        Add-IpAddress -NetNamespace $h.Ns -InterfaceName sit1 -IPAddress $h.Address | Out-Null
    }
    $replies = Test-LabPath -NetNamespace $hosts[0].Ns -Destination 2001:db8:1::2
    if (-not $replies) { throw 'Host A cannot reach 2001:db8:1::2 through the SIT tunnel.' }
    $replies

    $a = $hosts[0]
    $isatap = New-IpTunnel -NetNamespace $a.Ns -Name isatap0 -Mode Isatap -Local $a.Local
    $vti = New-IpTunnel -NetNamespace $a.Ns -Name vti1 -Mode Vti -Remote $a.Remote -Local $a.Local -Key 5
    $back = Get-IpTunnel -NetNamespace $a.Ns -Name sit1, isatap0, vti1
    $isatapBack = $back | Where-Object Name -EQ 'isatap0'
    $vtiBack = $back | Where-Object Name -EQ 'vti1'
    if ($isatap.Mode -ne 'Isatap' -or $isatapBack.Mode -ne 'Isatap' -or "$($isatapBack.Local)" -ne $a.Local) {
        throw "ISATAP tunnel read back wrong: $($isatapBack | Out-String)"
    }
    if ($vti.Mode -ne 'Vti' -or $vtiBack.InputKey -ne 5 -or $vtiBack.OutputKey -ne 5 -or "$($vtiBack.Remote)" -ne $a.Remote) {
        throw "VTI tunnel read back wrong: $($vtiBack | Out-String)"
    }
    $back
}
finally {
    Remove-Lab
}
