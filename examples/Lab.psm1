<#
    Helpers shared by the lab scripts in examples/ (VXLAN, tunnel, routed and firewall labs): "hosts",
    "switches" and "containers" are network namespaces. Every namespace a lab makes is recorded, so Remove-Lab
    can take it all down again (links go with their namespace), even after a failure.
#>

$script:Namespaces = [System.Collections.Generic.List[string]]::new()

function Initialize-Lab {
    <#
        What every lab script starts with: imports OverlayNet from -ModulePath (out/OverlayNet) for the
        calling script, and returns a fresh 6-character tag that makes this run's namespace names unique.
    #>
    param([Parameter(Mandatory)] [string] $ModulePath)
    Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Global
    [guid]::NewGuid().ToString('N').Substring(0, 6)
}

function New-LabNamespace {
    <# A namespace per name, each with its loopback up; the names are recorded for Remove-Lab and output. #>
    param([Parameter(Mandatory)] [string[]] $Name)
    foreach ($n in $Name) {
        New-NetNamespace -Name $n | Out-Null
        $script:Namespaces.Add($n)
        Enable-IpLink -NetNamespace $n -InterfaceName lo
        $n
    }
}

function Connect-LabNamespace {
    <#
        A veth pair between two namespaces, both ends up: an underlay cable, a switch port or a VLAN stand-in.
        Each end gets its address when one is given (10.0.0.1/24); -Master puts the -Namespace end in a bridge,
        -PeerMacAddress fixes the peer's MAC (so FDB and neighbour entries can name it).
    #>
    param([Parameter(Mandatory)] [string] $Namespace, [Parameter(Mandatory)] [string] $Name, [string] $Address,
          [Parameter(Mandatory)] [string] $PeerNamespace, [Parameter(Mandatory)] [string] $PeerName, [string] $PeerAddress,
          [string] $Master, [string] $PeerMacAddress)
    $extra = @{}
    if ($Master) { $extra.Master = $Master }
    if ($PeerMacAddress) { $extra.PeerMacAddress = $PeerMacAddress }
    New-VethLink -NetNamespace $Namespace -Name $Name -PeerName $PeerName -PeerNetNamespace $PeerNamespace -Up @extra | Out-Null
    Enable-IpLink -NetNamespace $PeerNamespace -InterfaceName $PeerName
    if ($Address) { Add-IpAddress -NetNamespace $Namespace -InterfaceName $Name -IPAddress $Address | Out-Null }
    if ($PeerAddress) { Add-IpAddress -NetNamespace $PeerNamespace -InterfaceName $PeerName -IPAddress $PeerAddress | Out-Null }
}

function New-LabHostPair {
    <#
        Two hosts joined by one cable, the underlay of the tunnel and routed labs: a namespace per name and a
        veth pair named enp1s0 at both ends, each end with its -Underlay address (192.168.3.2/24).
    #>
    param([Parameter(Mandatory)] [string[]] $Name, [Parameter(Mandatory)] [string[]] $Underlay)
    New-LabNamespace $Name | Out-Null
    Connect-LabNamespace -Namespace $Name[0] -Name enp1s0 -Address $Underlay[0] -PeerNamespace $Name[1] -PeerName enp1s0 -PeerAddress $Underlay[1]
}

function New-LabSwitch {
    <#
        The underlay of the multi-host labs: a switch namespace -Name with bridge sw0, and a namespace per
        -HostName whose eth0 is a port of sw0 (named p + the host name's last two characters) with the
        matching -Underlay address (192.168.8.100) and -PrefixLength. Outputs the switch's name.
    #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string[]] $HostName,
          [Parameter(Mandatory)] [string[]] $Underlay, [int] $PrefixLength = 24)
    New-LabNamespace $Name | Out-Null
    New-BridgeLink -NetNamespace $Name -Name sw0 -Up | Out-Null
    for ($i = 0; $i -lt $HostName.Count; $i++) {
        $h = New-LabNamespace $HostName[$i]
        Connect-LabNamespace -Namespace $Name -Name "p$($h.Substring($h.Length - 2))" -Master sw0 -PeerNamespace $h -PeerName eth0 -PeerAddress "$($Underlay[$i])/$PrefixLength"
    }
    return $Name
}

function Get-LabInventory {
    <#
        The inventory an orchestrator would hold for seed 001's VXLAN labs: where each container lives, one per
        host on 192.168.8.100-102 (the MACs and IPs of .101/.102 are the seed's). Names start with -Prefix.
    #>
    param([Parameter(Mandatory)] [string] $Prefix)
    [pscustomobject]@{ Host = "$Prefix-h0"; Vtep = '192.168.8.100'; Container = "$Prefix-c0"; IPAddress = '10.20.1.2'; MacAddress = '0a:58:0a:14:01:02' }
    [pscustomobject]@{ Host = "$Prefix-h1"; Vtep = '192.168.8.101'; Container = "$Prefix-c1"; IPAddress = '10.20.1.4'; MacAddress = '52:5e:55:58:9a:ab' }
    [pscustomobject]@{ Host = "$Prefix-h2"; Vtep = '192.168.8.102'; Container = "$Prefix-c2"; IPAddress = '10.20.1.3'; MacAddress = 'd6:d9:cd:0a:a4:28' }
}

function New-LabVxlanHost {
    <#
        Seed 001's hosts, from an inventory (Get-LabInventory) on a switch (New-LabSwitch): on each host
        `ip link add vxlan0 type vxlan id 42 dstport 4789 dev eth0 nolearning proxy` in bridge br0, with
        -VxlanParameters added (@{ L2Miss = $true }), and the host's container on br0 with its IP and MAC.
    #>
    param([Parameter(Mandatory)] [object[]] $Inventory, [hashtable] $VxlanParameters = @{})
    foreach ($h in $Inventory) {
        New-BridgeLink -NetNamespace $h.Host -Name br0 -Up | Out-Null
        New-VxlanLink -NetNamespace $h.Host -Name vxlan0 -Vni 42 -Port 4789 -Device eth0 -Learning:$false -Proxy -Master br0 -Up @VxlanParameters | Out-Null
        New-LabContainer -Name $h.Container -HostName $h.Host -Bridge br0 -Address $h.IPAddress -PrefixLength 24 -MacAddress $h.MacAddress
    }
}

function New-LabDockerOverlay {
    <#
        Seed 002 built by hand: Docker's overlay networks ov_net1 (VNI 256, 10.0.0.0/24) and ov_net2 (VNI 257,
        10.0.1.0/24) across hosts <Prefix>-host01 and -host02 (192.168.56.101/102 on switch <Prefix>-sw).
        Per network and host, as Docker's overlay driver does it: a bridge (br256, br257) with a VXLAN port
        (vxlan256, vxlan257: learning off, proxy ARP), a veth to each container on it (eth0 inside, the host
        end v-<container>), and the entries the driver programs for every container on another host: its MAC
        -> that host's VTEP in the FDB, its IP -> its MAC as a permanent neighbour; plus one all-zeros FDB entry
        per peer VTEP for broadcasts. Containers bbox1 (host01) and bbox2 (host02) on ov_net1, bbox3 (host01)
        on ov_net2, with Docker's MACs (02:42 + the IP). One difference from Docker: the bridge and VXLAN sit in
        the host's namespace, not in a namespace per network. Outputs nothing; Remove-Lab takes it down.
    #>
    param([Parameter(Mandatory)] [string] $Prefix)
    $hosts = @{ host01 = '192.168.56.101'; host02 = '192.168.56.102' }
    $networks = @(
        @{ Vni = 256; PrefixLength = 24 }
        @{ Vni = 257; PrefixLength = 24 }
    )
    $containers = @(
        [pscustomobject]@{ Name = 'bbox1'; Host = 'host01'; Vni = 256; IPAddress = '10.0.0.2'; MacAddress = '02:42:0a:00:00:02' }
        [pscustomobject]@{ Name = 'bbox2'; Host = 'host02'; Vni = 256; IPAddress = '10.0.0.4'; MacAddress = '02:42:0a:00:00:04' }
        [pscustomobject]@{ Name = 'bbox3'; Host = 'host01'; Vni = 257; IPAddress = '10.0.1.2'; MacAddress = '02:42:0a:00:01:02' }
    )
    New-LabSwitch -Name "$Prefix-sw" -HostName "$Prefix-host01", "$Prefix-host02" -Underlay $hosts.host01, $hosts.host02 | Out-Null
    foreach ($h in 'host01', 'host02') {
        $ns = "$Prefix-$h"
        foreach ($n in $networks) {
            New-BridgeLink -NetNamespace $ns -Name "br$($n.Vni)" -Up | Out-Null
            New-VxlanLink -NetNamespace $ns -Name "vxlan$($n.Vni)" -Vni $n.Vni -Port 4789 -Device eth0 -Learning:$false -Proxy -Master "br$($n.Vni)" -Up | Out-Null
            $peer = $hosts[($hosts.Keys | Where-Object { $_ -ne $h })]
            Add-BridgeFdbEntry -NetNamespace $ns -InterfaceName "vxlan$($n.Vni)" -MacAddress 00:00:00:00:00:00 -Destination $peer -Append | Out-Null
            foreach ($c in $containers | Where-Object Vni -EQ $n.Vni) {
                if ($c.Host -eq $h) {
                    New-LabContainer -Name "$Prefix-$($c.Name)" -HostName $ns -Bridge "br$($n.Vni)" -HostSide "v-$($c.Name)" -Address $c.IPAddress -PrefixLength $n.PrefixLength -MacAddress $c.MacAddress
                }
                else {
                    Add-BridgeFdbEntry -NetNamespace $ns -InterfaceName "vxlan$($n.Vni)" -MacAddress $c.MacAddress -Destination $hosts[$c.Host] -Append | Out-Null
                    Add-IpNeighbor -NetNamespace $ns -InterfaceName "vxlan$($n.Vni)" -IPAddress $c.IPAddress -LinkLayerAddress $c.MacAddress | Out-Null
                }
            }
        }
    }
}

function New-LabVlanRouter {
    <#
        Seed 004 built by hand (needs 8021q): hosts <Prefix>-h1, -h2 and -router on switch <Prefix>-sw
        (192.168.1.11-13/24 on eth0, the seed's ens33). On each host
            ip link add eth0.10 link eth0 type vlan id 10; ip link add eth0.20 link eth0 type vlan id 20
        with the seed's addresses; docker's macvlan networks mac-net10 (172.18.0.0/24) and mac-net20
        (172.19.0.0/24) as containers bbox10/bbox20 (h1) and bbox30/bbox40 (h2), each an eth0 macvlan (mode
        bridge) on the VLAN device with a default route via the router (.1); the router forwards and
        masquerades each VLAN's subnet out of the other VLAN. The seed's "promisc on" is left out: the switch is
        a Linux bridge, which needs no promiscuous ports. Outputs nothing; Remove-Lab takes it down.
    #>
    param([Parameter(Mandatory)] [string] $Prefix)
    $hosts = [ordered]@{ h1 = '192.168.1.11'; h2 = '192.168.1.12'; router = '192.168.1.13' }
    $vlanAddresses = @{
        h1 = @{ 10 = '192.168.22.10/24'; 20 = '192.168.23.10/24' }
        h2 = @{ 10 = '192.168.22.11/24'; 20 = '192.168.23.11/24' }
        router = @{ 10 = '172.18.0.1/24'; 20 = '172.19.0.1/24' }
    }
    $containers = @(
        @{ Name = 'bbox10'; Host = 'h1'; Vlan = 10; Address = '172.18.0.2/24'; Gateway = '172.18.0.1' }
        @{ Name = 'bbox20'; Host = 'h1'; Vlan = 20; Address = '172.19.0.3/24'; Gateway = '172.19.0.1' }
        @{ Name = 'bbox30'; Host = 'h2'; Vlan = 10; Address = '172.18.0.5/24'; Gateway = '172.18.0.1' }
        @{ Name = 'bbox40'; Host = 'h2'; Vlan = 20; Address = '172.19.0.4/24'; Gateway = '172.19.0.1' }
    )
    New-LabSwitch -Name "$Prefix-sw" -HostName ($hosts.Keys | ForEach-Object { "$Prefix-$_" }) -Underlay @($hosts.Values) | Out-Null
    foreach ($h in $hosts.Keys) {
        foreach ($id in 10, 20) {
            New-VlanLink -NetNamespace "$Prefix-$h" -Name "eth0.$id" -Parent eth0 -VlanId $id -Up | Out-Null
            Add-IpAddress -NetNamespace "$Prefix-$h" -InterfaceName "eth0.$id" -IPAddress $vlanAddresses[$h][$id] | Out-Null
        }
    }
    foreach ($c in $containers) {
        # docker run --network mac-net10 --ip 172.18.0.2: a macvlan on the parent, moved into the container as eth0.
        $ctr = New-LabNamespace "$Prefix-$($c.Name)"
        New-MacvlanLink -NetNamespace "$Prefix-$($c.Host)" -Name "mv-$($c.Name)" -Parent "eth0.$($c.Vlan)" -Mode Bridge | Out-Null
        Move-IpLink -NetNamespace "$Prefix-$($c.Host)" -Name "mv-$($c.Name)" -Destination $ctr
        Set-IpLink -NetNamespace $ctr -Name "mv-$($c.Name)" -NewName eth0
        Enable-IpLink -NetNamespace $ctr -Name eth0
        Add-IpAddress -NetNamespace $ctr -InterfaceName eth0 -IPAddress $c.Address | Out-Null
        Add-IpRoute -NetNamespace $ctr -DestinationPrefix default -NextHop $c.Gateway | Out-Null
    }
    # The router: sysctl net.ipv4.ip_forward=1; iptables -t nat -A POSTROUTING -o ens33.20 -j MASQUERADE (and .10).
    Enable-IpForwarding -NetNamespace "$Prefix-router" -AddressFamily IPv4 | Out-Null
    Add-NatMasquerade -NetNamespace "$Prefix-router" -SourcePrefix 172.18.0.0/24 -OutInterface eth0.20 | Out-Null
    Add-NatMasquerade -NetNamespace "$Prefix-router" -SourcePrefix 172.19.0.0/24 -OutInterface eth0.10 | Out-Null
}

function New-LabGateway {
    <#
        A host that routes for a container behind it (seed 002's hosts, the NAT lab's host): bridge br0 with
        -BridgeAddress (10.0.2.1/24), a container -Container on it with -Address whose default route is the
        bridge's address, and IPv4 forwarding on in the host.
    #>
    param([Parameter(Mandatory)] [string] $HostName, [Parameter(Mandatory)] [string] $BridgeAddress,
          [Parameter(Mandatory)] [string] $Container, [Parameter(Mandatory)] [string] $Address, [string] $HostSide = 'veth0')
    New-BridgeLink -NetNamespace $HostName -Name br0 -Up | Out-Null
    Add-IpAddress -NetNamespace $HostName -InterfaceName br0 -IPAddress $BridgeAddress | Out-Null
    New-LabContainer -Name $Container -HostName $HostName -Bridge br0 -HostSide $HostSide -Address $Address -Gateway ($BridgeAddress -split '/')[0]
    Enable-IpForwarding -NetNamespace $HostName -AddressFamily IPv4 | Out-Null
}

function New-LabContainer {
    <#
        A "container": a namespace whose eth0 is a veth to -HostName, attached there to -Bridge, with -Address
        (10.0.2.2/24, or the address alone and -PrefixLength), a fixed MAC when given, and a default route via
        -Gateway when given (seed 003 "设置容器"). The host side is -HostSide, or named after the container.
    #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string] $HostName,
        [Parameter(Mandatory)] [string] $Bridge,
        [Parameter(Mandatory)] [string] $Address,
        [int] $PrefixLength,
        [string] $MacAddress,
        [string] $Gateway,
        # Interface names are limited to 15 characters: the default keeps the container name's last 12.
        [string] $HostSide = "v$($Name.Substring([Math]::Max(0, $Name.Length - 12)))"
    )
    New-LabNamespace -Name $Name | Out-Null
    if ($PrefixLength) { $Address = "$Address/$PrefixLength" }
    Connect-LabNamespace -Namespace $HostName -Name $HostSide -Master $Bridge -PeerNamespace $Name -PeerName eth0 -PeerAddress $Address -PeerMacAddress $MacAddress
    if ($Gateway) { Add-IpRoute -NetNamespace $Name -DestinationPrefix default -NextHop $Gateway | Out-Null }
}

function Test-LabPath {
    <#
        Pings until one reply comes or the attempts run out, and returns the replies (none when nothing came
        back). The first tries may go unanswered while ARP, FDB entries or IPv6 duplicate address detection
        settle; trying again is bounded, where a fixed sleep would only guess.
    #>
    param([Parameter(Mandatory)] [string] $NetNamespace, [Parameter(Mandatory)] [string] $Destination, [int] $Attempts = 8)
    for ($i = 0; $i -lt $Attempts; $i++) {
        $replies = @(Test-IpConnectivity -NetNamespace $NetNamespace -Destination $Destination -Count 1 -TimeoutMs 1000 -ErrorAction SilentlyContinue)
        if ($replies | Where-Object Status -EQ 'Success') { return $replies }
    }
    return @()
}

function Test-LabPing {
    <# One object for a (from, to) pair, with Success true when an echo came back within -Tries attempts. #>
    param([Parameter(Mandatory)] [string] $From, [Parameter(Mandatory)] [string] $To, [int] $Tries = 5)
    $ok = [bool](Test-LabPath -NetNamespace $From -Destination $To -Attempts $Tries)
    [pscustomobject]@{ From = $From; To = $To; Success = $ok }
}

function Remove-Lab {
    <# Deletes every namespace the lab made (which takes their links with them). #>
    foreach ($ns in @($script:Namespaces)) {
        if (Test-Path "/run/netns/$ns") { Remove-NetNamespace -Name $ns -ErrorAction SilentlyContinue -Confirm:$false }
    }
    $script:Namespaces.Clear()
}

Export-ModuleMember -Function Initialize-Lab, New-LabNamespace, Connect-LabNamespace, New-LabHostPair, New-LabSwitch, Get-LabInventory, New-LabVxlanHost, New-LabDockerOverlay, New-LabVlanRouter, New-LabGateway, New-LabContainer, Test-LabPath, Test-LabPing, Remove-Lab
