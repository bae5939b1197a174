<#
.SYNOPSIS
    Seed 000 §1 as a lab: a macvlan (bridge mode) moved into a running process's namespace, found by its pid.
.DESCRIPTION
    "lan" stands for the physical network (its gateway 172.16.21.254/23), "host" for the machine (its NIC is a
    veth whose other end is in "lan"), and a `sleep` started in a namespace of its own stands for the container.
    The container's namespace gets a name with Register-NetNamespace -ProcessId (ip netns attach), then:
        ip link add macvlan1 link enp0s31f6 type macvlan mode bridge
        ip link set dev macvlan1 netns nginx
        ip netns exec nginx ip addr add 172.16.20.120/23 dev macvlan1
        ip netns exec nginx ping 172.16.21.254
    Everything lives in namespaces made here and is removed in finally.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'))
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force

$tag = [guid]::NewGuid().ToString('N').Substring(0, 6)
$lan, $hostNs, $ctr, $app = "lan-$tag", "host-$tag", "ctr-$tag", "nginx-$tag"
$sleeper = $null
try {
    New-NetNamespace -Name $lan, $hostNs, $ctr | Out-Null
    # The host's NIC and the LAN behind it.
    New-VethLink -NetNamespace $hostNs -Name enp0s31f6 -PeerName lan0 -PeerNetNamespace $lan -Up | Out-Null
    Enable-IpLink -NetNamespace $lan -Name lan0
    Add-IpAddress -NetNamespace $lan -InterfaceName lan0 -IPAddress 172.16.21.254/23 | Out-Null

    # The "container": a process in a namespace of its own, known here only by its pid.
    $sleeper = Start-Process -FilePath ip -ArgumentList 'netns', 'exec', $ctr, 'sleep', '300' -PassThru
    $target = (Get-Item "/run/netns/$ctr").FullName
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ((stat -L -c %i "/proc/$($sleeper.Id)/ns/net") -ne (stat -L -c %i $target)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'The container process did not enter its namespace.' }
        Start-Sleep -Milliseconds 20
    }
    Register-NetNamespace -Name $app -ProcessId $sleeper.Id | Out-Null

    New-MacvlanLink -NetNamespace $hostNs -Name macvlan1 -Parent enp0s31f6 -Mode Bridge | Out-Null
    Move-IpLink -NetNamespace $hostNs -Name macvlan1 -Destination $app
    Enable-IpLink -NetNamespace $app -Name macvlan1
    Enable-IpLink -NetNamespace $app -Name lo
    Add-IpAddress -NetNamespace $app -InterfaceName macvlan1 -IPAddress 172.16.20.120/23 | Out-Null

    $replies = Test-IpConnectivity -NetNamespace $app -Destination 172.16.21.254 -Count 3 -TimeoutMs 2000
    if (-not ($replies | Where-Object Status -eq 'Success')) { throw 'No reply from 172.16.21.254 through the macvlan.' }
    Get-MacvlanLink -NetNamespace $app
    $replies
}
finally {
    if ($sleeper) { Stop-Process -Id $sleeper.Id -ErrorAction SilentlyContinue }
    foreach ($n in $app, $ctr, $hostNs, $lan) {
        if (Test-Path "/run/netns/$n") { Remove-NetNamespace -Name $n -ErrorAction Continue }
    }
}
