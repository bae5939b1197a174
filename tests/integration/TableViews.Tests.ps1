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
    Remove-TestNamespace $hostA, $hostB
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
