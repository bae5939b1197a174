# Every table view of the module fits an 80-column terminal: rendered with Format-Table | Out-String -Width 80
# (independent of this host's window) over real objects from throw-away namespaces, no header is cut or
# wrapped, no column is dropped, no cell is truncated with "…" and every object stays on one line. Link
# kinds and tunnels this machine's kernel cannot create (vlan, vrf, dummy, ipvlan, ip tunnels) are built as
# objects with the values such a lab would show (seed 000/001/004 names and addresses).

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    # Every OverlayNet type with a table view: each needs samples below.
    $viewTypes = @(Get-FormatData -TypeName 'OverlayNet.*' |
            Where-Object { $_.FormatViewDefinition.Control | Where-Object { $_ -is [System.Management.Automation.TableControl] } } |
            ForEach-Object { @{ Type = $_.TypeNames[0] } } | Sort-Object { $_.Type })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $hostA, $hostB = New-TestNamespace -Count 2 -LoopbackUp
    New-VethLink -Name eth0 -PeerName eth0 -NetNamespace $hostA -PeerNetNamespace $hostB -Up | Out-Null
    Enable-IpLink -Name eth0 -NetNamespace $hostB
    Add-IpAddress -InterfaceName eth0 -IPAddress 192.168.8.101/24 -NetNamespace $hostA | Out-Null
    Add-IpAddress -InterfaceName eth0 -IPAddress 192.168.8.102/24 -NetNamespace $hostB | Out-Null
    New-BridgeLink -Name br0 -NetNamespace $hostA -Up | Out-Null
    New-VxlanLink -Name vxlan0 -Vni 42 -Device eth0 -Local 192.168.8.101 -Learning:$false -Proxy -Master br0 -Up -NetNamespace $hostA | Out-Null
    New-VxlanLink -Name vxlan33 -Vni 16777215 -Group 239.1.1.1 -Device eth0 -NetNamespace $hostA | Out-Null
    New-VethLink -Name veth-c -PeerName eth1 -NetNamespace $hostA -PeerNetNamespace $hostB -Master br0 | Out-Null
    New-MacvlanLink -Name macvlan1 -Parent eth0 -NetNamespace $hostA | Out-Null
    New-TunTapLink -Name tun0 -Mode Tun -MultiQueue -NetNamespace $hostA | Out-Null
    Add-IpAddress -InterfaceName br0 -IPAddress 10.233.0.1/16 -NetNamespace $hostA | Out-Null
    Add-IpRoute -DestinationPrefix 10.0.3.0/24 -NextHop 192.168.8.102 -InterfaceName eth0 -OnLink -NetNamespace $hostA | Out-Null
    Add-IpRoute -DestinationPrefix 10.99.0.0/16 -Type Unreachable -NetNamespace $hostA | Out-Null
    Add-IpRule -Priority 1000 -From 10.233.0.0/16 -Table 100 -NetNamespace $hostA | Out-Null
    Add-IpNeighbor -IPAddress 10.20.1.4 -LinkLayerAddress 52:5e:55:58:9a:ab -InterfaceName vxlan0 -NetNamespace $hostA | Out-Null
    Add-IpNeighbor -IPAddress 10.20.1.9 -InterfaceName vxlan0 -Proxy -NetNamespace $hostA | Out-Null
    Get-VxlanLink -Name vxlan0 -NetNamespace $hostA | Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -Destination 192.168.8.102 -Append | Out-Null
    Add-BridgeFdbEntry -MacAddress 52:5e:55:58:9a:ab -InterfaceName vxlan0 -Destination 192.168.8.102 -Vni 4200 -Append -NetNamespace $hostA | Out-Null
    Add-NatMasquerade -SourcePrefix 10.233.0.0/16 -ExcludeDestinationPrefix 10.233.0.0/16 -OutInterface eth0 -NetNamespace $hostA | Out-Null
    Add-ForwardRule -InInterface br0 -OutInterface eth0 -SourcePrefix 10.233.0.0/16 -DestinationPrefix 192.168.8.0/24 -ConnectionState Related, Established -NetNamespace $hostA | Out-Null
    Add-ForwardRule -InInterface eth0 -Action Drop -NetNamespace $hostA | Out-Null
    # A real forwarder (flanneld's UDP backend, seed 001) on a TUN device with a 15-byte name; stopped in AfterAll.
    $fwdJob = Start-TunForwarder -TunName flannel-udp-001 -LocalAddress 192.168.8.101 -NetNamespace $hostA -AsJob -Route @{
        '10.244.2.0/24' = '192.168.8.102'; '10.244.103.0/24' = '192.168.8.103' }
    Wait-Until { Get-TunForwarder -TunName flannel-udp-001 -NetNamespace $hostA | Where-Object State -EQ Running } -TimeoutSeconds 30 -Because "the forwarder starts"
    # A real lab topology (000: routed + VXLAN overlays) and the changes a first run of it would make (-WhatIf: nothing changes).
    $lab = Import-OverlayTopology -Path (Join-Path $PSScriptRoot '../../examples/labs/000-routed-vxlan.lab.yml')
    $labChanges = @(Set-OverlayLab -Topology $lab -WhatIf 6>$null)
    $now = Get-Date

    $samples = @{
        'OverlayNet.Link'                 = { Get-IpLink -NetNamespace $hostA }
        'OverlayNet.VethLink'             = { Get-VethLink -NetNamespace $hostA }
        'OverlayNet.BridgeLink'           = { Get-BridgeLink -NetNamespace $hostA }
        'OverlayNet.VxlanLink'            = { Get-VxlanLink -NetNamespace $hostA }
        'OverlayNet.MacvlanLink'          = { Get-MacvlanLink -NetNamespace $hostA }
        'OverlayNet.TunTapLink'           = { Get-TunTapLink -NetNamespace $hostA }
        'OverlayNet.BridgePort'           = { Get-BridgePort -NetNamespace $hostA }
        'OverlayNet.IpAddress'            = { Get-IpAddress -NetNamespace $hostA }
        'OverlayNet.IpRoute'              = { Get-IpRoute -NetNamespace $hostA }
        'OverlayNet.IpRule'               = { Get-IpRule -NetNamespace $hostA }
        'OverlayNet.IpNeighbor'           = { Get-IpNeighbor -NetNamespace $hostA; Get-IpNeighbor -Proxy -NetNamespace $hostA }
        'OverlayNet.BridgeFdbEntry'       = { Get-BridgeFdbEntry -NetNamespace $hostA }
        'OverlayNet.NatMasquerade'        = { Get-NatMasquerade -NetNamespace $hostA }
        'OverlayNet.ForwardRule'          = { Get-ForwardRule -NetNamespace $hostA }
        'OverlayNet.Sysctl'               = { Get-NetSysctl -Name 'net.ipv4.conf.*.proxy_arp' -NetNamespace $hostA }
        'OverlayNet.NetNamespace'         = { Get-NetNamespace -Name $hostA, $hostB }
        'OverlayNet.PingResult'           = { Test-IpConnectivity -Destination 192.168.8.102, 192.168.8.77 -Count 1 -TimeoutMs 300 -NetNamespace $hostA }
        'OverlayNet.OverlayNetDiagnostic' = { Get-OverlayNetDiagnostic -NetNamespace $hostA }
        # Kinds this kernel lacks (the kernel tier creates them for real): objects as such a lab lists them.
        'OverlayNet.VlanLink'             = { [OverlayNet.VlanLink]@{ Name = 'ens33.10'; Index = 7; Kind = 'vlan'; AdminState = 'Up'; OperState = 'LowerLayerDown'; Mtu = 1500; MacAddress = [OverlayNet.MacAddress]::Parse('52:54:00:12:34:56'); Master = 'br-vlan10'; Parent = 'ens33'; VlanId = 4094; Protocol = '802.1ad'; NetNamespace = $hostA } }
        'OverlayNet.VrfLink'              = { [OverlayNet.VrfLink]@{ Name = 'vrf0'; Index = 8; Kind = 'vrf'; AdminState = 'Up'; OperState = 'Up'; Mtu = 65575; MacAddress = [OverlayNet.MacAddress]::Parse('52:54:00:12:34:57'); Table = 4294967295; NetNamespace = $hostA } }
        'OverlayNet.DummyLink'            = { [OverlayNet.DummyLink]@{ Name = 'dummy0'; Index = 9; Kind = 'dummy'; AdminState = 'Down'; OperState = 'Down'; Mtu = 1500; MacAddress = [OverlayNet.MacAddress]::Parse('52:54:00:12:34:58'); Master = 'vrf0'; NetNamespace = $hostA } }
        'OverlayNet.IpvlanLink'           = { [OverlayNet.IpvlanLink]@{ Name = 'ipvlan1'; Index = 10; Kind = 'ipvlan'; AdminState = 'Up'; OperState = 'LowerLayerDown'; Mtu = 1500; MacAddress = [OverlayNet.MacAddress]::Parse('52:54:00:12:34:56'); Parent = 'enp0s31f6'; Mode = 'L3S'; NetNamespace = $hostA } }
        'OverlayNet.IpTunnel'             = {
            [OverlayNet.IpTunnel]@{ Name = 'gre01'; Index = 11; Kind = 'gre'; Mode = 'Gre'; AdminState = 'Up'; Local = [ipaddress]'172.16.0.3'; Remote = [ipaddress]'172.16.0.5'; Ttl = 255; InputKey = 0x111111; OutputKey = 0x222222; Device = 'enp1s0'; NetNamespace = $hostA }
            [OverlayNet.IpTunnel]@{ Name = 'ip6gretap01'; Index = 12; Kind = 'ip6gretap'; Mode = 'Ip6GreTap'; AdminState = 'Down'; NetNamespace = $hostA }
        }
        # Events as a watch on this lab reports them: the objects are the real ones of $hostA.
        'OverlayNet.NetlinkEvent'         = {
            $neighbor = Get-IpNeighbor -IPAddress 10.20.1.4 -NetNamespace $hostA
            $fdb = Get-BridgeFdbEntry -InterfaceName vxlan0 -NetNamespace $hostA | Where-Object Vni -EQ 4200
            $address = Get-IpAddress -InterfaceName br0 -NetNamespace $hostA | Where-Object PrefixLength -EQ 16
            $route = Get-IpRoute -DestinationPrefix 10.0.3.0/24 -NetNamespace $hostA
            $rule = Get-IpRule -NetNamespace $hostA | Where-Object Priority -EQ 1000
            $link = Get-IpLink -Name vxlan0 -NetNamespace $hostA
            foreach ($e in @(
                    @{ Action = 'New'; Type = 'Neighbor'; Object = $neighbor; InterfaceName = 'vxlan0' }
                    @{ Action = 'Deleted'; Type = 'Fdb'; Object = $fdb; InterfaceName = 'vxlan0' }
                    @{ Action = 'New'; Type = 'Address'; Object = $address; InterfaceName = 'br0' }
                    @{ Action = 'Changed'; Type = 'Route'; Object = $route; InterfaceName = 'eth0' }
                    @{ Action = 'New'; Type = 'Rule'; Object = $rule }
                    @{ Action = 'Changed'; Type = 'Link'; Object = $link; InterfaceName = 'vxlan0' }
                    @{ Action = 'Miss'; Type = 'L3Miss'; Object = [OverlayNet.IpNeighbor]@{ IPAddress = [ipaddress]'10.20.1.77'; InterfaceName = 'vxlan0' }; InterfaceName = 'vxlan0' }
                    @{ Action = 'Resync'; Type = 'Neighbor'; Message = 'the kernel dropped notifications (ENOBUFS)' })) {
                $e.Time = $now; $e.NetNamespace = $hostA
                [OverlayNet.NetlinkEvent]$e
            }
        }
        'OverlayNet.TunForwarder'         = { Get-TunForwarder -NetNamespace $hostA }
        'OverlayNet.TunForwarderPeer'     = { (Get-TunForwarder -NetNamespace $hostA).Peers }
        'OverlayNet.TunForwarderDrops'    = { (Get-TunForwarder -NetNamespace $hostA).Drops }
        'OverlayNet.LabTopology'          = { $lab; Get-ChildItem (Join-Path $PSScriptRoot '../../examples/labs/*.lab.yml') | Import-OverlayTopology }
        'OverlayNet.LabChange'            = { $labChanges }
        # Control-plane objects need etcd (Agents.Tests.ps1 makes them for real): built as a lab's store and agents show them.
        'OverlayNet.OverlayStore'         = {
            [OverlayNet.OverlayStore]@{ Name = 'ont-1a2b3c4d'; Endpoints = 'http://127.0.0.1:40123', 'http://127.0.0.1:40125', 'http://127.0.0.1:40127'
                PeerUrls = 'http://127.0.0.1:40124', 'http://127.0.0.1:40126', 'http://127.0.0.1:40128'; ProcessIds = 4194301, 4194302, 4194303; DataPath = '/tmp/overlaynet-etcd-ont-1a2b3c4d' }
            [OverlayNet.OverlayStore]@{ Name = 'lab'; Endpoints = 'http://127.0.0.1:2379'; PeerUrls = 'http://127.0.0.1:2380'; ProcessIds = 4711; DataPath = '/tmp/overlaynet-etcd-lab' }
        }
        'OverlayNet.OverlayNetwork'       = {
            [OverlayNet.OverlayNetwork]@{ Name = 'ont-1a2b3c4d-overlay'; Vni = 16777215; Port = 4789; Subnet = '10.244.0.0/16' }
            [OverlayNet.OverlayNetwork]@{ Name = 'demo'; Vni = 42; Port = 65535; Subnet = '172.31.255.0/24' }
        }
        'OverlayNet.OverlayEndpoint'      = {
            [OverlayNet.OverlayEndpoint]@{ NetworkName = 'ont-1a2b3c4d-ovl'; IPAddress = [ipaddress]'172.31.255.254'; MacAddress = [OverlayNet.MacAddress]::Parse('52:5e:55:58:9a:ab'); HostName = 'ont-1a2b3c4d' }
            [OverlayNet.OverlayEndpoint]@{ NetworkName = 'demo'; IPAddress = [ipaddress]'10.20.1.4'; MacAddress = [OverlayNet.MacAddress]::Parse('02:42:0a:14:01:04'); HostName = 'node1' }
        }
        'OverlayNet.AgentEvent'           = {
            [OverlayNet.AgentEvent]@{ Time = $now; HostName = 'ont-1a2b3c4d'; Action = 'Lease'; Detail = 'lease 694d7a1b2c3d4e5f ttl 60s' }
            [OverlayNet.AgentEvent]@{ Time = $now; HostName = 'ont-1a2b3c4d'; Action = 'Applied'; Detail = 'neigh 172.31.255.254 lladdr 52:5e:55:58:9a:ab' }
            [OverlayNet.AgentEvent]@{ Time = $now; HostName = 'ont-1a2b3c4d'; Action = 'Applied'; Detail = 'fdb 52:5e:55:58:9a:ab dst 192.168.255.254' }
            [OverlayNet.AgentEvent]@{ Time = $now; HostName = 'ont-1a2b3c4d'; Action = 'Removed'; Detail = 'route 10.244.103.0/24 via 10.244.103.0 onlink' }
            [OverlayNet.AgentEvent]@{ Time = $now; HostName = 'ont-1a2b3c4d'; Action = 'Resync'; Detail = 'store reachable again at http://127.0.0.1:40125' }
        }
        'OverlayNet.OverlayAgentInfo'     = {
            [OverlayNet.OverlayAgentInfo]@{ HostName = 'ont-1a2b3c4d'; NetNamespace = 'ont-1a2b3c4d'; Schema = 'OverlayNet'; Network = 'ont-1a2b3c4d-ovl'; Device = 'vxlan-ovl-12345'; State = 'Starting'
                EtcdEndpoint = 'http://127.0.0.1:40123'; Lease = '694d7a1b2c3d4e5f'; Revision = 1234567; Applied = 1048576; Removed = 1048576; StartTime = $now; JobId = 12345 }
            [OverlayNet.OverlayAgentInfo]@{ HostName = 'node2'; NetNamespace = 'node2'; Schema = 'Flannel'; Network = '10.244.103.0/24'; Device = 'flannel.1'; State = 'Running'
                EtcdEndpoint = 'http://127.0.0.1:2379'; Lease = '694d7a1b2c3d4e60'; Revision = 42; Applied = 3; Removed = 0; StartTime = $now }
        }
        'OverlayNet.LabInfo'              = {
            [OverlayNet.LabInfo]@{ Name = 'lab000'; State = 'Applied'; Namespaces = 'lab000-a', 'lab000-b', 'lab000-ra', 'lab000-rb', 'lab000-va', 'lab000-vb'; Path = '/root/labs/000-routed-vxlan.lab.yml'; LastRun = $now }
            [OverlayNet.LabInfo]@{ Name = 'ont-1a2b3c4d-lab'; State = 'Pending'; Namespaces = @('ont-1a2b3c4d-h1'); Path = '/work/wt/views/examples/labs/003-multicast-nat.lab.yml'; LastRun = $now; Detail = 'a run did not finish' }
            [OverlayNet.LabInfo]@{ Name = 'lab002'; State = 'Empty' }
        }
        'OverlayNet.LabCheckResult'       = {
            [OverlayNet.LabCheckResult]@{ Lab = 'ont-1a2b3c4d'; From = 'ctr-vxlan-a1'; To = 'ctr-vxlan-b12'; Destination = '172.31.255.254'; Expect = 'Success'; Reached = $true; RoundTripMs = 0.087 }
            [OverlayNet.LabCheckResult]@{ Lab = 'lab002'; From = 'c1'; To = '172.31.255.254'; Destination = '172.31.255.254'; Expect = 'Failure'; Reached = $true }
        }
    }

    function Test-TableFits([object[]] $Objects, [string] $TypeName) {
        <# Renders the objects with their table view at 80 columns; returns what does not fit, one line each. #>
        $text = $Objects | Format-Table | Out-String -Width 80
        $lines = @($text -split '\r?\n' | ForEach-Object { $_.TrimEnd() } | Where-Object { $_ })
        $labels = @((Get-FormatData -TypeName $TypeName).FormatViewDefinition.Control |
                Where-Object { $_ -is [System.Management.Automation.TableControl] } | Select-Object -First 1).Headers.Label
        $dash = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l -match '^-+( +-+)*$' })
        $problems = @(
            if ($dash -ne 1) { "the header takes $dash lines (wrapped), not 1" }
            else {
                $header = $lines[0]
                $missing = @($labels | Where-Object { $header -notmatch "(^| )$([regex]::Escape($_))( |$)" })
                if ($missing) { "header lacks $($missing -join ', ') (cut or dropped): '$header'" }
                if (@($lines[1] -split ' +').Count -ne $labels.Count) { "$(@($lines[1] -split ' +').Count) columns shown of $($labels.Count)" }
                if ($lines.Count - 2 -ne $Objects.Count) { "$($lines.Count - 2) rows for $($Objects.Count) objects (a row wrapped)" }
            }
            $lines | Where-Object { $_.Length -gt 80 } | ForEach-Object { "wider than 80: '$_'" }
            $lines | Where-Object { $_.Contains([char]0x2026) } | ForEach-Object { "truncated: '$_'" }
        )
        if ($problems) { $problems + @('', $text) }
    }
}

Describe 'The <Type> table view' -ForEach $viewTypes {
    It 'has samples in this file' {
        $samples.Keys | Should -Contain $Type -Because 'every table view is checked at 80 columns (add objects of the new type to $samples)'
    }

    It 'fits 80 columns with every cell whole' {
        $objects = @(& $samples[$Type] | Where-Object { $_.PSObject.TypeNames -contains $Type -and $_.GetType().FullName -eq $Type })
        $objects.Count | Should -BeGreaterThan 0 -Because "the samples must hold $Type objects"
        Test-TableFits $objects $Type | Should -BeNullOrEmpty
    }
}

AfterAll {
    if ($fwdJob) { Stop-TunForwarder -TunName flannel-udp-001 -NetNamespace $hostA; Remove-Job $fwdJob -Force }
    Remove-TestNamespace $hostA, $hostB
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
