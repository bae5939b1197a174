<#
.SYNOPSIS
    VXLAN filled on demand: no FDB or ARP entries programmed in advance; a responder answers the VTEPs'
    l2miss/l3miss notifications from a table (seed 001's network, the way Docker's overlay driver once did).
.DESCRIPTION
    Three hosts (192.168.8.100-102) on a switched underlay, each with
        ip link add vxlan0 type vxlan id 42 dstport 4789 dev eth0 nolearning proxy l2miss l3miss
    on a bridge with one container, as in Vxlan-StaticFdb.ps1 - but nothing is added to vxlan0's tables.
    When a container ARPs for a peer, vxlan0 (proxy) looks in its own ARP table, finds nothing and reports
    an L3 miss; the responder adds `ip neigh add <IP> lladdr <MAC> dev vxlan0` from the inventory, and the
    container's next ARP is answered locally. Its first unicast frame to that MAC finds no FDB entry: an L2
    miss, answered with `bridge fdb add <MAC> dev vxlan0 dst <VTEP>`. No flooding is ever needed.
    The responder is one Watch-NetlinkEvent over every host's namespace, running in a thread job.
    Outputs one object per ping (From, To, Success) and prints what the responder answered.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'),
    [string] $Prefix = ('od' + (Get-Random -Maximum 99999))
)
$ErrorActionPreference = 'Stop'
$manifest = Join-Path (Resolve-Path $ModulePath) 'OverlayNet.psd1'
Import-Module $manifest
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1') -Force

# The inventory an orchestrator would hold: where each container lives.
$inventory = @(Get-LabInventory -Prefix $Prefix)
$responder = $null
try {
    New-LabSwitch -Name "$Prefix-sw" -HostName $inventory.Host -Underlay $inventory.Vtep | Out-Null
    # Misses reported to userspace (l2miss l3miss): the responder below answers them.
    New-LabVxlanHost -Inventory $inventory -VxlanParameters @{ L2Miss = $true; L3Miss = $true }

    # The responder: misses from every host in one pipeline, answered from the inventory. An IP it does not
    # know (a container's IPv6 neighbour solicitation, say) is left unanswered, as it should be.
    $hosts = @($inventory.Host)
    $responder = Start-ThreadJob -ArgumentList $manifest, $hosts, $inventory -ScriptBlock {
        param($Manifest, $Hosts, $Inventory)
        Import-Module $Manifest
        $byIp = @{}; $byMac = @{}
        foreach ($c in $Inventory) { $byIp[$c.IPAddress] = $c; $byMac[$c.MacAddress] = $c }
        Watch-NetlinkEvent -NetNamespace $Hosts -Type Miss | ForEach-Object {
            $miss = $_
            if ($miss.Type -eq 'L3Miss') {
                $c = $byIp["$($miss.Object.IPAddress)"]
                if (-not $c) { return }
                Add-IpNeighbor -NetNamespace $miss.NetNamespace -IPAddress $c.IPAddress -LinkLayerAddress $c.MacAddress -InterfaceName $miss.InterfaceName -State Permanent -ErrorAction SilentlyContinue | Out-Null
                [pscustomobject]@{ Type = 'L3Miss'; Host = $miss.NetNamespace; Key = $c.IPAddress; Answer = $c.MacAddress }
            }
            else {
                $c = $byMac["$($miss.Object.MacAddress)"]
                if (-not $c -or $c.Host -eq $miss.NetNamespace) { return }
                Add-BridgeFdbEntry -NetNamespace $miss.NetNamespace -MacAddress $c.MacAddress -InterfaceName $miss.InterfaceName -Destination $c.Vtep -ErrorAction SilentlyContinue | Out-Null
                [pscustomobject]@{ Type = 'L2Miss'; Host = $miss.NetNamespace; Key = $c.MacAddress; Answer = $c.Vtep }
            }
        }
    }
    # Pings start once the responder listens in every host: its subscribed socket shows in the host's
    # /proc/net/netlink (a Groups column other than zero).
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    foreach ($h in $hosts) {
        while (-not @(& ip netns exec $h cat /proc/net/netlink | Select-Object -Skip 1 | Where-Object { $f = -split $_; $f[1] -eq '0' -and $f[3] -ne '00000000' })) {
            if ($responder.State -eq 'Failed' -or [DateTime]::UtcNow -gt $deadline) { throw "The responder did not start: $($responder.ChildJobs[0].JobStateInfo.Reason)" }
            Start-Sleep -Milliseconds 20
        }
    }

    foreach ($from in $inventory) {
        foreach ($to in $inventory | Where-Object Host -ne $from.Host) { Test-LabPing -From $from.Container -To $to.IPAddress -Tries 8 }
    }
}
finally {
    if ($responder) {
        $responder | Stop-Job
        $answers = @($responder | Receive-Job -ErrorAction SilentlyContinue)
        Write-Host ("Responder answered {0} L3 misses (ARP) and {1} L2 misses (FDB):" -f
            @($answers | Where-Object Type -EQ L3Miss).Count, @($answers | Where-Object Type -EQ L2Miss).Count)
        $answers | Format-Table Type, Host, Key, Answer -AutoSize | Out-String | Write-Host
        $responder | Remove-Job -Force
    }
    Remove-Lab
}
