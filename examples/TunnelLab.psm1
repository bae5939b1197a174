<#
    Shared pieces of the tunnel labs: two "hosts" (network namespaces) joined by one veth cable, the
    underlay the tunnels run over, and a bounded connectivity check.
#>

function New-TunnelLabHost {
    <#
        Makes one namespace per host, cables the first two with a veth pair named enp1s0 at both ends and
        gives each end its underlay address. Returns the namespace names in the order given.
    #>
    param([Parameter(Mandatory)] [string[]] $Name, [Parameter(Mandatory)] [string[]] $Underlay)
    New-NetNamespace -Name $Name | Out-Null
    foreach ($n in $Name) { Enable-IpLink -NetNamespace $n -Name lo }
    New-VethLink -NetNamespace $Name[0] -Name enp1s0 -PeerName enp1s0 -PeerNetNamespace $Name[1] -Up | Out-Null
    for ($i = 0; $i -lt 2; $i++) {
        Enable-IpLink -NetNamespace $Name[$i] -Name enp1s0
        Add-IpAddress -NetNamespace $Name[$i] -InterfaceName enp1s0 -IPAddress $Underlay[$i] | Out-Null
    }
}

function Test-LabPath {
    <#
        Pings until one reply comes or the attempts run out (IPv6 addresses answer only once duplicate
        address detection is over, so the first tries may go unanswered). Returns the replies.
    #>
    param([string] $NetNamespace, [string] $Destination, [int] $Attempts = 8)
    for ($i = 0; $i -lt $Attempts; $i++) {
        $replies = @(Test-IpConnectivity -NetNamespace $NetNamespace -Destination $Destination -Count 1 -TimeoutMs 1000 -ErrorAction SilentlyContinue)
        if ($replies | Where-Object Status -EQ 'Success') { return $replies }
    }
    return @()
}

function Remove-TunnelLab {
    param([string[]] $Name)
    foreach ($n in $Name) {
        if ($n -and (Test-Path "/run/netns/$n")) { Remove-NetNamespace -Name $n -ErrorAction Continue }
    }
}

Export-ModuleMember -Function New-TunnelLabHost, Test-LabPath, Remove-TunnelLab
