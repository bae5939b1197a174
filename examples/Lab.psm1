<#
    Helpers shared by the VXLAN lab scripts: "hosts" and "containers" are network namespaces; everything a
    lab makes is recorded so Remove-Lab can take it all down again, even after a failure.
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

function Connect-LabHost {
    <#
        Joins a host to the underlay: a veth pair with eth0 in the host (address Address/24) and the other end
        in -Switch (attached to its bridge -SwitchBridge), or directly in -Peer (a point-to-point wire).
    #>
    param(
        [Parameter(Mandatory)] [string] $HostName,
        [Parameter(Mandatory)] [string] $Address,
        [string] $Switch, [string] $SwitchBridge, [string] $PortName
    )
    $link = @{ NetNamespace = $Switch; Name = $PortName; PeerName = 'eth0'; PeerNetNamespace = $HostName; Up = $true }
    if ($SwitchBridge) { $link.Master = $SwitchBridge }
    New-VethLink @link | Out-Null
    Enable-IpLink -NetNamespace $HostName -InterfaceName eth0
    Add-IpAddress -NetNamespace $HostName -InterfaceName eth0 -IPAddress $Address -PrefixLength 24 | Out-Null
}

function New-LabContainer {
    <#
        A "container": a namespace whose eth0 is a veth to -HostName, attached there to -Bridge, with the
        address Address/PrefixLength (and a fixed MAC when given, so FDB and neighbour entries can name it).
    #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string] $HostName,
        [Parameter(Mandatory)] [string] $Bridge,
        [Parameter(Mandatory)] [string] $Address,
        [int] $PrefixLength = 16,
        [string] $MacAddress
    )
    New-LabNamespace -Name $Name | Out-Null
    $link = @{ NetNamespace = $HostName; Name = "v$($Name.Substring([Math]::Max(0, $Name.Length - 12)))"; PeerName = 'eth0'
               PeerNetNamespace = $Name; Master = $Bridge; Up = $true }
    if ($MacAddress) { $link.PeerMacAddress = $MacAddress }
    New-VethLink @link | Out-Null
    Enable-IpLink -NetNamespace $Name -InterfaceName eth0
    Add-IpAddress -NetNamespace $Name -InterfaceName eth0 -IPAddress $Address -PrefixLength $PrefixLength | Out-Null
}

function Test-LabPing {
    <# One object per (from, to) pair with Success true when an echo came back within a few tries. #>
    param([Parameter(Mandatory)] [string] $From, [Parameter(Mandatory)] [string] $To, [int] $Tries = 5)
    $ok = $false
    for ($i = 0; $i -lt $Tries -and -not $ok; $i++) {
        # The first echo may be spent on ARP and FDB resolution across the overlay; try again rather than sleep.
        $reply = Test-IpConnectivity -NetNamespace $From -Destination $To -Count 1 -TimeoutMs 1000 -ErrorAction SilentlyContinue
        $ok = @($reply | Where-Object Status -eq 'Success').Count -gt 0
    }
    [pscustomobject]@{ From = $From; To = $To; Success = $ok }
}

function Remove-Lab {
    <# Deletes every namespace the lab made (which takes their links with them). #>
    foreach ($ns in @($script:Namespaces)) {
        Remove-NetNamespace -Name $ns -ErrorAction SilentlyContinue -Confirm:$false
    }
    $script:Namespaces.Clear()
}

Export-ModuleMember -Function New-LabNamespace, Connect-LabHost, New-LabContainer, Test-LabPing, Remove-Lab
