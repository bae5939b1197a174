<#
    Building blocks for the firewall labs (Nat-Out.ps1, Router-Forward.ps1), kept apart so a bigger lab (seed 003's
    three VXLAN hosts) can reuse them: a "host" namespace with a bridge and containers behind it, an underlay veth
    between two namespaces, IP forwarding, and routes. Everything lives in namespaces the lab creates.
    Routes use Add-IpRoute when the module has it, iproute2 otherwise; forwarding uses Enable-IpForwarding when
    the module has it, otherwise writes /proc/sys/net/ipv4/ip_forward from a thread inside the namespace.
#>

function New-LabNamespace([string] $Name) {
    New-NetNamespace -Name $Name | Out-Null
    Enable-IpLink -NetNamespace $Name -InterfaceName lo
    return $Name
}

function Enable-LabForwarding([string] $Namespace) {
    if (Get-Command Enable-IpForwarding -ErrorAction SilentlyContinue) {
        Enable-IpForwarding -NetNamespace $Namespace
    }
    else {
        # /proc/sys/net belongs to the namespace of the thread that opens it: Invoke-NetNamespace runs it there.
        Invoke-NetNamespace -Name $Namespace -ScriptBlock { [IO.File]::WriteAllText('/proc/sys/net/ipv4/ip_forward', '1') }
    }
}

function Add-LabDefaultRoute([string] $Namespace, [string] $Gateway) {
    if (Get-Command Add-IpRoute -ErrorAction SilentlyContinue) {
        Add-IpRoute -NetNamespace $Namespace -DestinationPrefix default -NextHop $Gateway | Out-Null
    }
    else {
        & ip -n $Namespace route add default via $Gateway
        if ($LASTEXITCODE -ne 0) { throw "default route via $Gateway in $Namespace failed" }
    }
}

function Connect-LabNamespace {
    <# A veth pair between two namespaces, both ends up and addressed: an underlay link or a VLAN stand-in. #>
    param([string] $Namespace, [string] $Name, [string] $Address,
          [string] $PeerNamespace, [string] $PeerName, [string] $PeerAddress, [string] $Master)
    $extra = @{}
    if ($Master) { $extra.Master = $Master }
    New-VethLink -NetNamespace $Namespace -Name $Name -PeerName $PeerName -PeerNetNamespace $PeerNamespace -Up @extra | Out-Null
    Enable-IpLink -NetNamespace $PeerNamespace -InterfaceName $PeerName
    if ($Address) { Add-IpAddress -NetNamespace $Namespace -InterfaceName $Name -IPAddress $Address | Out-Null }
    if ($PeerAddress) { Add-IpAddress -NetNamespace $PeerNamespace -InterfaceName $PeerName -IPAddress $PeerAddress | Out-Null }
}

function Add-LabContainer {
    <# A "container" namespace behind a host's bridge (seed 003 "设置容器"): veth into the bridge, address, default route. #>
    param([string] $HostNamespace, [string] $Bridge, [string] $Container, [string] $Address, [string] $Gateway, [string] $HostSide)
    New-LabNamespace $Container | Out-Null
    Connect-LabNamespace -Namespace $HostNamespace -Name $HostSide -Master $Bridge -PeerNamespace $Container -PeerName eth0 -PeerAddress $Address
    Add-LabDefaultRoute $Container $Gateway
}

function Test-LabPing([string] $From, [string] $To) {
    [bool](Test-IpConnectivity -NetNamespace $From -Destination $To -Count 2 -TimeoutMs 500 -Quiet)
}

function Remove-LabNamespace([string[]] $Name) {
    foreach ($n in $Name) {
        if ($n -and (Test-Path "/run/netns/$n")) { Remove-NetNamespace -Name $n -ErrorAction SilentlyContinue }
    }
}

Export-ModuleMember -Function *
