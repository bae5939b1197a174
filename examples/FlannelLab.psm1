<#
    Seed 001's two-host overlay, as flannel builds it, for examples/Flannel-Udp.ps1, its tests and
    bench/TunForwarder.Bench.ps1: two hosts (namespaces) on an underlay cable (192.168.8.101/.102), each with a
    "container" namespace behind a veth (10.244.1.2 on host 1, 10.244.2.2 on host 2, gateway .1), forwarding on,
    IPv6 off (so the only packets in the overlay are the ones a test sends), and one of two backends:

      Udp    flannel's UDP backend: flannel0, a TUN device, holds the overlay address (10.244.N.0/16, so the
             whole overlay is routed into it), and Start-TunForwarder moves its packets to the peer's UDP 8285.
      Vxlan  flannel's VXLAN backend on the same lab (kernel data path, for comparison): flannel.1, VNI 1,
             port 8472, with the peer's subnet routed via its VTEP address and a static neighbour + FDB entry.

    Containers get the backend's MTU (1472 for UDP, 1450 for VXLAN), as flannel's subnet.env tells docker.
#>
Import-Module (Join-Path $PSScriptRoot 'Lab.psm1')

function New-FlannelLab {
    param(
        [Parameter(Mandatory)] [string] $Prefix,
        [ValidateSet('Udp', 'Vxlan')] [string] $Backend = 'Udp',
        [int] $Port = 8285,
        # flannel0's transmit queue (packets the kernel holds for the forwarder); 0 leaves the kernel's 500.
        [int] $TunTxQueueLength = 0,
        # The forwarders run without the TUN offloads (one packet per TUN read/write, as flanneld does).
        [switch] $NoOffload
    )
    $hosts = @(
        [pscustomobject]@{ Host = "$Prefix-h1"; Container = "$Prefix-c1"; Underlay = '192.168.8.101'; Subnet = '10.244.1.0/24'; Gateway = '10.244.1.1'; Ip = '10.244.1.2'; Vtep = '10.244.1.0'; Mac = '0e:f1:00:00:01:00' }
        [pscustomobject]@{ Host = "$Prefix-h2"; Container = "$Prefix-c2"; Underlay = '192.168.8.102'; Subnet = '10.244.2.0/24'; Gateway = '10.244.2.1'; Ip = '10.244.2.2'; Vtep = '10.244.2.0'; Mac = '0e:f1:00:00:02:00' }
    )
    $mtu = if ($Backend -eq 'Udp') { 1472 } else { 1450 }
    $lab = [pscustomobject]@{ Prefix = $Prefix; Backend = $Backend; Mtu = $mtu; Hosts = $hosts; TunTxQueueLength = $TunTxQueueLength; NoOffload = $NoOffload.IsPresent }
    try {
        Build-FlannelLab $lab $Port
    }
    catch {
        Remove-FlannelLab -Lab $lab
        throw
    }
    $lab
}

function Build-FlannelLab($Lab, [int] $Port) {
    $hosts = $Lab.Hosts
    $mtu = $Lab.Mtu
    $Backend = $Lab.Backend
    foreach ($h in $hosts) {
        foreach ($ns in $h.Host, $h.Container) {
            # Not Lab.psm1's New-LabNamespace: its Remove-Lab takes down every lab of the session, and this lab
            # runs next to others (the tests build one while the example builds its own).
            New-NetNamespace -Name $ns | Out-Null
            Enable-IpLink -NetNamespace $ns -InterfaceName lo
            foreach ($scope in 'all', 'default') { Set-NetSysctl -NetNamespace $ns -Name "net.ipv6.conf.$scope.disable_ipv6" -Value 1 }
        }
    }
    Connect-LabNamespace -Namespace $hosts[0].Host -Name enp1s0 -Address "$($hosts[0].Underlay)/24" `
        -PeerNamespace $hosts[1].Host -PeerName enp1s0 -PeerAddress "$($hosts[1].Underlay)/24"
    foreach ($h in $hosts) {
        $peer = $hosts | Where-Object Host -ne $h.Host
        Enable-IpForwarding -NetNamespace $h.Host -AddressFamily IPv4
        Connect-LabNamespace -Namespace $h.Host -Name veth-c -Address "$($h.Gateway)/24" -PeerNamespace $h.Container -PeerName eth0 -PeerAddress "$($h.Ip)/24"
        foreach ($end in @{ NetNamespace = $h.Host; Name = 'veth-c' }, @{ NetNamespace = $h.Container; Name = 'eth0' }) { Set-IpLink @end -Mtu $mtu }
        Add-IpRoute -NetNamespace $h.Container -DestinationPrefix default -NextHop $h.Gateway | Out-Null
        if ($Backend -eq 'Udp') {
            # flanneld: opens flannel0 (here the forwarder creates it, multi-queue, up, MTU 1472), gives it the
            # host's subnet address with the overlay's prefix, and forwards to each peer's UDP 8285.
            Start-TunForwarder -NetNamespace $h.Host -TunName flannel0 -LocalAddress $h.Underlay -Port $Port `
                -Route @{ $peer.Subnet = $peer.Underlay } -NoOffload:$Lab.NoOffload -AsJob | Out-Null
            Add-IpAddress -NetNamespace $h.Host -InterfaceName flannel0 -IPAddress "$($h.Vtep)/16" | Out-Null
            if ($Lab.TunTxQueueLength) { Set-IpLink -NetNamespace $h.Host -Name flannel0 -TxQueueLength $Lab.TunTxQueueLength }
        }
        else {
            New-VxlanLink -NetNamespace $h.Host -Name flannel.1 -Vni 1 -Port 8472 -Local $h.Underlay -Device enp1s0 `
                -Learning:$false -MacAddress $h.Mac -Mtu $mtu -Up | Out-Null
            Add-IpAddress -NetNamespace $h.Host -InterfaceName flannel.1 -IPAddress "$($h.Vtep)/32" | Out-Null
            Add-IpRoute -NetNamespace $h.Host -DestinationPrefix $peer.Subnet -NextHop $peer.Vtep -InterfaceName flannel.1 -OnLink | Out-Null
            Add-IpNeighbor -NetNamespace $h.Host -IPAddress $peer.Vtep -LinkLayerAddress $peer.Mac -InterfaceName flannel.1 -State Permanent | Out-Null
            Add-BridgeFdbEntry -NetNamespace $h.Host -MacAddress $peer.Mac -InterfaceName flannel.1 -Destination $peer.Underlay | Out-Null
        }
    }
}

function Remove-FlannelLab {
    <# Stops the lab's forwarders (and removes their jobs), then deletes the lab's namespaces (links go with them). #>
    param([Parameter(Mandatory)] [AllowNull()] $Lab)
    if (-not $Lab) { return }
    Get-TunForwarder | Where-Object NetNamespace -in $Lab.Hosts.Host | Stop-TunForwarder -Confirm:$false
    Get-Job | Where-Object { $_.PSJobTypeName -eq 'OverlayNetJob' -and $_.State -ne 'Running' -and $_.Command -match [regex]::Escape($Lab.Prefix) } |
        Remove-Job -Force
    foreach ($ns in @($Lab.Hosts.Container) + @($Lab.Hosts.Host)) {
        if (Test-Path "/run/netns/$ns") { Remove-NetNamespace -Name $ns -Confirm:$false }
    }
}

# Test-LabPath (from Lab.psm1) too: the lab's users ping across it.
Export-ModuleMember -Function New-FlannelLab, Remove-FlannelLab, Test-LabPath
