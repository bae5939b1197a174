<#
    A user's Pester test of seed 001's VXLAN lab, written with OverlayNet.Testing: two hosts on an underlay,
    a VTEP each (VNI 42, learning off, ARP proxy), the FDB and ARP tables kept by hand, and a container
    behind a bridge on each host. Run it with Invoke-Pester once OverlayNet is installed (build.ps1 install);
    build.ps1 test runs it too.

        ip link add vxlan0 type vxlan id 42 dstport 4789 dev eth0 nolearning proxy
        bridge fdb append 00:00:00:00:00:00 dev vxlan0 dst 192.168.8.102
        bridge fdb append 52:5e:55:58:9a:ab dev vxlan0 dst 192.168.8.102
        ip neigh add 10.20.1.4 lladdr 52:5e:55:58:9a:ab dev vxlan0
#>
BeforeAll {
    Import-Module OverlayNet
    Import-Module OverlayNet.Testing
}

Describe 'VXLAN with a hand-kept FDB and ARP table (seed 001)' {
    BeforeAll {
        # Four throw-away namespaces: removed after this Describe, whatever happens in it.
        $hostA, $hostB, $ctrA, $ctrB = New-TestNetNamespace -Count 4
        $lab = @(
            @{ Host = $hostA; Container = $ctrA; Underlay = '192.168.8.101'; Ip = '10.20.1.3'; Mac = 'd6:d9:cd:0a:a4:28' }
            @{ Host = $hostB; Container = $ctrB; Underlay = '192.168.8.102'; Ip = '10.20.1.4'; Mac = '52:5e:55:58:9a:ab' }
        )
        New-VethLink -Name eth0 -PeerName eth0 -NetNamespace $hostA -PeerNetNamespace $hostB -Up | Out-Null
        foreach ($h in $lab) {
            Enable-IpLink -Name eth0 -NetNamespace $h.Host
            Add-IpAddress -InterfaceName eth0 -IPAddress "$($h.Underlay)/24" -NetNamespace $h.Host | Out-Null
            New-BridgeLink -Name br0 -NetNamespace $h.Host -Up | Out-Null
            New-VxlanLink -Name vxlan0 -Vni 42 -Device eth0 -Local $h.Underlay -Learning:$false -Proxy -Master br0 -Up -NetNamespace $h.Host | Out-Null
            New-VethLink -Name veth-c -PeerName eth0 -PeerNetNamespace $h.Container -Master br0 -Up -NetNamespace $h.Host | Out-Null
            Set-IpLink -Name eth0 -MacAddress $h.Mac -NetNamespace $h.Container
            Enable-IpLink -Name eth0 -NetNamespace $h.Container
            Add-IpAddress -InterfaceName eth0 -IPAddress "$($h.Ip)/24" -NetNamespace $h.Container | Out-Null
        }
        foreach ($h in $lab) {
            $peer = $lab | Where-Object Host -ne $h.Host
            Get-VxlanLink -NetNamespace $h.Host | Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -Destination $peer.Underlay -Append | Out-Null
            Add-BridgeFdbEntry -MacAddress $peer.Mac -InterfaceName vxlan0 -Destination $peer.Underlay -Append -NetNamespace $h.Host | Out-Null
            Add-IpNeighbor -IPAddress $peer.Ip -LinkLayerAddress $peer.Mac -InterfaceName vxlan0 -NetNamespace $h.Host | Out-Null
        }
    }

    It 'floods unknown frames to the peer VTEP' {
        $hostA | Should -HaveFdbEntry -MacAddress 00:00:00:00:00:00 -InterfaceName vxlan0 -Destination 192.168.8.102
    }

    It 'knows where the remote container lives' {
        $hostA | Should -HaveFdbEntry -MacAddress 52-5E-55-58-9A-AB -Destination 192.168.8.102 -State Permanent
        $hostB | Should -HaveFdbEntry -MacAddress d6:d9:cd:0a:a4:28 -Destination 192.168.8.101
    }

    It 'answers ARP for the remote container from its own table' {
        $hostA | Should -HaveNeighbor -IPAddress 10.20.1.4 -LinkLayerAddress 52:5e:55:58:9a:ab -InterfaceName vxlan0 -State Permanent
    }

    It 'reaches the peer host over the underlay' {
        '192.168.8.102' | Should -BeReachable -From $hostA
    }

    It 'carries container traffic across the overlay' {
        '10.20.1.4' | Should -BeReachable -From $ctrA -Within 10
        '10.20.1.3' | Should -BeReachable -From $ctrB -Within 10
    }

    It 'has the connected route of the container subnet in each container' {
        $ctrA | Should -HaveRoute -DestinationPrefix 10.20.1.0/24 -InterfaceName eth0
        $ctrA | Should -Not -HaveRoute -DestinationPrefix default
    }

    Context 'without its flood and container entries' {
        BeforeAll {
            Get-BridgeFdbEntry -InterfaceName vxlan0 -NetNamespace $hostA | Where-Object Destination | Remove-BridgeFdbEntry
        }

        It 'has no FDB entry for the peer any more' {
            # The bridge above may still have learned the MAC on its vxlan0 port; the VTEP entry (with a
            # destination) is what sends frames to the peer.
            $hostA | Should -Not -HaveFdbEntry -MacAddress 52:5e:55:58:9a:ab -Destination 192.168.8.102
        }

        It 'no longer carries traffic to the peer container (learning is off)' {
            '10.20.1.4' | Should -Not -BeReachable -From $ctrA -Within 2
        }
    }
}
