<#
    Helpers shared by the lab scripts in examples/ (VXLAN, tunnel, routed and firewall labs): "hosts",
    "switches" and "containers" are network namespaces. Every namespace a lab makes is recorded, so Remove-Lab
    can take it all down again (links go with their namespace), even after a failure.
#>

$script:Namespaces = [System.Collections.Generic.List[string]]::new()

function New-LabNamespace {
    <# A namespace with its loopback up; the name is recorded for Remove-Lab. #>
    param([Parameter(Mandatory)] [string] $Name)
    New-NetNamespace -Name $Name | Out-Null
    $script:Namespaces.Add($Name)
    Enable-IpLink -NetNamespace $Name -InterfaceName lo
    return $Name
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
    foreach ($n in $Name) { New-LabNamespace $n | Out-Null }
    Connect-LabNamespace -Namespace $Name[0] -Name enp1s0 -Address $Underlay[0] -PeerNamespace $Name[1] -PeerName enp1s0 -PeerAddress $Underlay[1]
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

Export-ModuleMember -Function New-LabNamespace, Connect-LabNamespace, New-LabHostPair, New-LabContainer, Test-LabPath, Test-LabPing, Remove-Lab
