<#
.SYNOPSIS
    Seed 000 §4 as a lab: containers in a VRF on two nodes, joined by proxy ARP and a VXLAN L3 overlay whose
    routes live in the VRF's table. Needs the vrf module (kernel tier).
.DESCRIPTION
    On each node (a namespace):
        ip link add vrf0 type vrf table 10; ip link set vrf0 up
        ip link add veth0 type veth peer name veth00; ip link set veth00 netns ns0; ip link set veth0 master vrf0 up
        ip netns exec ns0 ip addr add 10.0.0.2 dev veth00
        ip netns exec ns0 ip route add 169.254.1.1 dev veth00 scope link
        ip netns exec ns0 ip route add default via 169.254.1.1 dev veth00
        echo 1 > /proc/sys/net/ipv4/conf/veth0/proxy_arp
        ip route add vrf vrf0 10.0.0.2 dev veth0
        ip link add vxlan0 type vxlan id 100 dstport 4789 local 172.16.10.60 remote 172.16.10.13
        ip link set dev vxlan0 master vrf0 up; ip addr add 2.2.2.2/8 dev vxlan0
        echo 1 > /proc/sys/net/ipv4/conf/vxlan0/proxy_arp
        ip route add vrf vrf0 10.0.1.2 dev vxlan0
        sysctl -w net.ipv4.conf.all.rp_filter=0
    The seed's hosts also have a default route (their LAN gateway), which the recipe relies on without saying
    so: proxy ARP answers for 169.254.1.1 only if the node has a unicast route to it through another device,
    and the VRF's table has none, so the lookup falls through the l3mdev rule to the main table's default
    route. Each node here gets the same kind of default route (via 172.16.10.1 on eth0; that gateway never
    has to answer, since nothing is sent to it).
    Checked with Test-IpConnectivity from node A's ns0 to node B's ns0. Everything is removed in finally.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/OverlayNet'))
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1') -Force

$tag = [guid]::NewGuid().ToString('N').Substring(0, 6)
$nodes = @(
    @{ Ns = "nodeA-$tag"; Underlay = '172.16.10.60'; Peer = '172.16.10.13'; Vxlan = '2.2.2.2/8'
       Containers = @(@{ Ns = "A-ns0-$tag"; Veth = 'veth0'; Inner = 'veth00'; Ip = '10.0.0.2' }, @{ Ns = "A-ns1-$tag"; Veth = 'veth1'; Inner = 'veth11'; Ip = '10.0.0.3' })
       Remote = '10.0.1.2', '10.0.1.3' }
    @{ Ns = "nodeB-$tag"; Underlay = '172.16.10.13'; Peer = '172.16.10.60'; Vxlan = '2.2.2.3/8'
       Containers = @(@{ Ns = "B-ns0-$tag"; Veth = 'veth0'; Inner = 'veth00'; Ip = '10.0.1.2' }, @{ Ns = "B-ns1-$tag"; Veth = 'veth1'; Inner = 'veth11'; Ip = '10.0.1.3' })
       Remote = '10.0.0.2', '10.0.0.3' }
)
$all = $nodes.Ns + $nodes.Containers.Ns
try {
    New-NetNamespace -Name $all | Out-Null
    New-VethLink -NetNamespace $nodes[0].Ns -Name eth0 -PeerName eth0 -PeerNetNamespace $nodes[1].Ns -Up | Out-Null
    foreach ($n in $nodes) {
        $ns = $n.Ns
        Enable-IpLink -NetNamespace $ns -Name eth0
        Add-IpAddress -NetNamespace $ns -InterfaceName eth0 -IPAddress "$($n.Underlay)/24" | Out-Null
        Add-IpRoute -NetNamespace $ns -DestinationPrefix default -NextHop 172.16.10.1 -InterfaceName eth0 | Out-Null
        Enable-IpForwarding -NetNamespace $ns -AddressFamily IPv4
        Set-ReversePathFilter -NetNamespace $ns -InterfaceName all -Mode Off
        New-VrfLink -NetNamespace $ns -Name vrf0 -Table 10 -Up | Out-Null
        foreach ($c in $n.Containers) {
            New-VethLink -NetNamespace $ns -Name $c.Veth -PeerName $c.Inner -PeerNetNamespace $c.Ns -Master vrf0 -Up | Out-Null
            Enable-IpLink -NetNamespace $c.Ns -Name $c.Inner
            Enable-IpLink -NetNamespace $c.Ns -Name lo
            Add-IpAddress -NetNamespace $c.Ns -InterfaceName $c.Inner -IPAddress $c.Ip | Out-Null
            Add-IpRoute -NetNamespace $c.Ns -DestinationPrefix 169.254.1.1 -InterfaceName $c.Inner -Scope Link | Out-Null
            Add-IpRoute -NetNamespace $c.Ns -DestinationPrefix default -NextHop 169.254.1.1 -InterfaceName $c.Inner | Out-Null
            Add-IpRoute -NetNamespace $ns -Vrf vrf0 -DestinationPrefix $c.Ip -InterfaceName $c.Veth | Out-Null
        }
        Get-VethLink -NetNamespace $ns -Master vrf0 | Set-ProxyArp -Enabled $true
        New-VxlanLink -NetNamespace $ns -Name vxlan0 -Vni 100 -Port 4789 -Local $n.Underlay -Remote $n.Peer -Master vrf0 -Up | Out-Null
        Add-IpAddress -NetNamespace $ns -InterfaceName vxlan0 -IPAddress $n.Vxlan | Out-Null
        Set-ProxyArp -NetNamespace $ns -InterfaceName vxlan0 -Enabled $true
        $n.Remote | Add-IpRoute -NetNamespace $ns -Vrf vrf0 -InterfaceName vxlan0 | Out-Null
    }
    $replies = Test-IpConnectivity -NetNamespace $nodes[0].Containers[0].Ns -Destination 10.0.1.2 -Count 3 -TimeoutMs 2000
    if (-not ($replies | Where-Object Status -eq 'Success')) { throw 'Node A ns0 cannot reach node B ns0 over the VRF/VXLAN overlay.' }
    Get-IpRoute -NetNamespace $nodes[0].Ns -Vrf vrf0
    $replies
}
finally {
    foreach ($n in $all) {
        if (Test-Path "/run/netns/$n") { Remove-NetNamespace -Name $n -ErrorAction Continue }
    }
}
