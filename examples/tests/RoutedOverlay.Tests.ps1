<#
    A user's Pester test of seed 000 section 2, a routed overlay with no encapsulation: two hosts on an underlay
    (192.168.3.2 and .3), a container subnet behind a bridge on each (10.0.2.0/24, 10.0.3.0/24), forwarding on,
    and a route to the other host's subnet via its underlay address:

        sysctl -w net.ipv4.ip_forward=1
        ip route add 10.0.3.0/24 via 192.168.3.3 dev enp1s0 onlink

    It also shows namespaces owned by one test: New-TestNetNamespace inside It removes them after that test.
#>
BeforeAll {
    Import-Module OverlayNet
    Import-Module OverlayNet.Testing

    function New-RoutedHost([string] $Namespace, [string] $Container, [string] $Subnet) {
        # A bridge with the subnet's .1 as the containers' gateway, and one container at .2 behind it.
        New-BridgeLink -Name br0 -NetNamespace $Namespace -Up | Out-Null
        Add-IpAddress -InterfaceName br0 -IPAddress "$Subnet.1/24" -NetNamespace $Namespace | Out-Null
        New-VethLink -Name veth-c -PeerName eth0 -PeerNetNamespace $Container -Master br0 -Up -NetNamespace $Namespace | Out-Null
        Enable-IpLink -Name eth0 -NetNamespace $Container
        Add-IpAddress -InterfaceName eth0 -IPAddress "$Subnet.2/24" -NetNamespace $Container | Out-Null
        Add-IpRoute -DestinationPrefix default -NextHop "$Subnet.1" -NetNamespace $Container | Out-Null
        Enable-IpForwarding -AddressFamily IPv4 -NetNamespace $Namespace
    }
}

Describe 'A routed overlay (seed 000 section 2)' {
    BeforeAll {
        $hostA, $hostB, $ctrA, $ctrB = New-TestNetNamespace -Count 4
        New-VethLink -Name enp1s0 -PeerName enp1s0 -NetNamespace $hostA -PeerNetNamespace $hostB -Up | Out-Null
        Enable-IpLink -Name enp1s0 -NetNamespace $hostB
        Add-IpAddress -InterfaceName enp1s0 -IPAddress 192.168.3.2/24 -NetNamespace $hostA | Out-Null
        Add-IpAddress -InterfaceName enp1s0 -IPAddress 192.168.3.3/24 -NetNamespace $hostB | Out-Null
        New-RoutedHost $hostA $ctrA '10.0.2'
        New-RoutedHost $hostB $ctrB '10.0.3'
    }

    It 'does not reach the other subnet before the routes exist' {
        '10.0.3.2' | Should -Not -BeReachable -From $ctrA -Within 1
    }

    Context 'with a route to each other subnet via the peer' {
        BeforeAll {
            Add-IpRoute -DestinationPrefix 10.0.3.0/24 -NextHop 192.168.3.3 -InterfaceName enp1s0 -OnLink -NetNamespace $hostA | Out-Null
            Add-IpRoute -DestinationPrefix 10.0.2.0/24 -NextHop 192.168.3.2 -InterfaceName enp1s0 -OnLink -NetNamespace $hostB | Out-Null
        }

        It 'routes the peer subnet via the peer underlay address' {
            $hostA | Should -HaveRoute -DestinationPrefix 10.0.3.0/24 -NextHop 192.168.3.3 -InterfaceName enp1s0
            $hostB | Should -HaveRoute -DestinationPrefix 10.0.2.0/24 -NextHop 192.168.3.2
        }

        It 'gives each container a default route to its bridge' {
            $ctrA | Should -HaveRoute -DestinationPrefix default -NextHop 10.0.2.1
        }

        It 'connects container to container' {
            '10.0.3.2' | Should -BeReachable -From $ctrA -Within 10
        }

        It 'has learned the peer host as a neighbour on the underlay' {
            $hostA | Should -HaveNeighbor -IPAddress 192.168.3.3 -InterfaceName enp1s0
        }
    }

    Context 'a third host that joins for one test' {
        It 'is not reachable until it is cabled' {
            # Owned by this test: removed right after it, not at the end of the Describe.
            $hostC = New-TestNetNamespace
            New-VethLink -Name enp2s0 -PeerName enp1s0 -NetNamespace $hostA -PeerNetNamespace $hostC -Up | Out-Null
            Enable-IpLink -Name enp1s0 -NetNamespace $hostC
            Add-IpAddress -InterfaceName enp2s0 -IPAddress 192.168.4.2/24 -NetNamespace $hostA | Out-Null
            Add-IpAddress -InterfaceName enp1s0 -IPAddress 192.168.4.3/24 -NetNamespace $hostC | Out-Null
            '192.168.4.3' | Should -BeReachable -From $hostA
            $script:thirdHost = $hostC
        }

        It 'is gone once that test ended' {
            "/run/netns/$script:thirdHost" | Should -Not -Exist
            # The kernel takes the veth's far end away in its own time after the namespace is gone: wait for it.
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while ((Get-IpLink -NetNamespace $hostA -Name enp2s0 -ErrorAction SilentlyContinue) -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 50
            }
            $hostA | Should -Not -HaveRoute -DestinationPrefix 192.168.4.0/24 -Because 'its veth went with the namespace'
        }
    }
}
