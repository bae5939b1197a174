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

$switch = "$Prefix-sw"
# The inventory an orchestrator would hold: where each container lives. MACs and IPs of .101/.102 are seed 001's.
$inventory = @(
    [pscustomobject]@{ Host = "$Prefix-h0"; Vtep = '192.168.8.100'; Container = "$Prefix-c0"; IPAddress = '10.20.1.2'; MacAddress = '0a:58:0a:14:01:02' }
    [pscustomobject]@{ Host = "$Prefix-h1"; Vtep = '192.168.8.101'; Container = "$Prefix-c1"; IPAddress = '10.20.1.4'; MacAddress = '52:5e:55:58:9a:ab' }
    [pscustomobject]@{ Host = "$Prefix-h2"; Vtep = '192.168.8.102'; Container = "$Prefix-c2"; IPAddress = '10.20.1.3'; MacAddress = 'd6:d9:cd:0a:a4:28' }
)
$responder = $null
try {
    New-LabNamespace $switch | Out-Null
    New-BridgeLink -NetNamespace $switch -Name sw0 -Up | Out-Null
    foreach ($h in $inventory) {
        New-LabNamespace $h.Host | Out-Null
        Connect-LabNamespace -Namespace $switch -Name "p$($h.Host.Substring($h.Host.Length - 2))" -Master sw0 -PeerNamespace $h.Host -PeerName eth0 -PeerAddress "$($h.Vtep)/24"
        New-BridgeLink -NetNamespace $h.Host -Name br0 -Up | Out-Null
        New-VxlanLink -NetNamespace $h.Host -Name vxlan0 -Vni 42 -Port 4789 -Device eth0 -Learning:$false -Proxy -L2Miss -L3Miss -Master br0 -Up | Out-Null
        New-LabContainer -Name $h.Container -HostName $h.Host -Bridge br0 -Address $h.IPAddress -PrefixLength 24 -MacAddress $h.MacAddress
    }

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
    # Pings start only once the responder listens: its job is running when the first miss would be lost
    # otherwise. Waiting for a state the responder reports would need one more channel; the pings retry anyway.
    while ($responder.State -eq 'NotStarted') { Start-Sleep -Milliseconds 20 }

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
