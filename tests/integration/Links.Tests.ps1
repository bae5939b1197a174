# Links: every form is run through iproute2 in one fresh namespace and through OverlayNet in another, and
# both are read back with `ip -d -j link show` (see ../Differential.psm1).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Differential.psm1') -Force
    Import-OverlayNet

    function Invoke-Both([scriptblock] $Setup, [string[]] $Namespaces) {
        foreach ($n in $Namespaces) {
            & $Setup $n
            if ($LASTEXITCODE -ne 0) { throw "setup failed in $n" }
        }
    }

    function Assert-CreatedLikeIproute2([scriptblock] $Ip, [scriptblock] $Ours, [string[]] $Compare, [scriptblock] $Pre, [switch] $WithAddress) {
        # $nsIp and $nsOn come from the Describe's BeforeEach.
        $ErrorActionPreference = 'Stop'
        if ($Pre) { Invoke-Both $Pre $nsIp, $nsOn }
        & $Ip $nsIp
        $LASTEXITCODE | Should -Be 0
        $created = & $Ours $nsOn
        $created | Should -Not -BeNullOrEmpty
        $created.NetNamespace | Should -Be $nsOn
        foreach ($name in $Compare) {
            Get-LinkFacts $nsOn $name -WithAddress:$WithAddress | Should -Be (Get-LinkFacts $nsIp $name -WithAddress:$WithAddress) -Because $name
        }
    }

    function Start-LinkMonitor([string] $Namespace) {
        <# `ip monitor link` in a namespace (or the caller's, if none), ready once it has seen an event. #>
        $file = New-TemporaryFile
        $nsArgs = if ($Namespace) { @('-n', $Namespace) } else { @() }
        $p = Start-Process -FilePath ip -ArgumentList ($nsArgs + 'monitor', 'link') -RedirectStandardOutput $file.FullName -PassThru
        if ($Namespace) {
            # Flip lo until the monitor reports it: then it is listening. It must really flip (a hashtable the
            # script block shares, not a variable it would shadow): setting lo up twice is no event, and a
            # monitor that missed the first change would wait for nothing.
            $lo = @{ Up = $true }
            Wait-Until -Because 'ip monitor to listen' {
                & ip -n $Namespace link set lo $(if ($lo.Up) { 'up' } else { 'down' }); $lo.Up = -not $lo.Up
                (Get-Content -Raw $file.FullName) -match 'lo:'
            }
        }
        return [pscustomobject]@{ Process = $p; File = $file.FullName }
    }

    function Stop-LinkMonitor($Monitor) {
        Stop-Process -Id $Monitor.Process.Id -ErrorAction SilentlyContinue
        $Monitor.Process.WaitForExit()
        $text = Get-Content -Raw $Monitor.File
        Remove-Item $Monitor.File
        return "$text"
    }
}

Describe 'Creating links, against iproute2' {
    BeforeEach { $nsIp, $nsOn = New-TestNamespace -Count 2 }
    AfterEach { Remove-TestNamespace $nsIp, $nsOn }

    It '<Case>' -ForEach @(
        @{ Case = 'veth'; Compare = 'v0', 'v1'
            Ip = { param($n) ip -n $n link add name v0 type veth peer name v1 }
            Ours = { param($n) New-VethLink -NetNamespace $n -Name v0 -PeerName v1 } }
        @{ Case = 'veth with mtu, up'; Compare = 'v0', 'v1'
            Ip = { param($n) ip -n $n link add name v0 mtu 9000 type veth peer name v1; ip -n $n link set v0 up }
            Ours = { param($n) New-VethLink -NetNamespace $n -Name v0 -PeerName v1 -Mtu 9000 -Up } }
        @{ Case = 'veth with master, up (acts on the named end)'; Compare = 'v0', 'v1', 'br0'
            Pre = { param($n) ip -n $n link add name br0 type bridge }
            Ip = { param($n) ip -n $n link add name v0 master br0 up type veth peer name v1 }
            Ours = { param($n) New-VethLink -NetNamespace $n -Name v0 -PeerName v1 -Master br0 -Up } }
        @{ Case = 'veth with addresses for both ends'; Compare = 'v0', 'v1'; WithAddress = $true
            Ip = { param($n) ip -n $n link add name v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02 }
            Ours = { param($n) New-VethLink -NetNamespace $n -Name v0 -PeerName v1 -MacAddress 02-00-00-00-00-01 -PeerMacAddress 02:00:00:00:00:02 } }
        @{ Case = 'bridge'; Compare = , 'br0'
            Ip = { param($n) ip -n $n link add name br0 type bridge }
            Ours = { param($n) New-BridgeLink -NetNamespace $n -Name br0 } }
        @{ Case = 'bridge stp_state 1'; Compare = , 'br0'
            Ip = { param($n) ip -n $n link add name br0 type bridge stp_state 1 }
            Ours = { param($n) New-BridgeLink -NetNamespace $n -Name br0 -StpEnabled } }
        @{ Case = 'bridge ageing_time, forward_delay'; Compare = , 'br0'
            Ip = { param($n) ip -n $n link add name br0 type bridge ageing_time 1000 forward_delay 500 }
            Ours = { param($n) New-BridgeLink -NetNamespace $n -Name br0 -AgeingTime '00:00:10' -ForwardDelay '00:00:05' } }
    ) {
        Assert-CreatedLikeIproute2 $Ip $Ours $Compare -Pre $Pre -WithAddress:([bool]$WithAddress)
    }

    # This host's bridge has no VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING); the guest kernel has.
    It '<Case>' -Tag KernelTier -ForEach @(
        @{ Case = 'bridge vlan_filtering 1'; Compare = , 'br0'
            Ip = { param($n) ip -n $n link add name br0 type bridge vlan_filtering 1 }
            Ours = { param($n) New-BridgeLink -NetNamespace $n -Name br0 -VlanFiltering } }
    ) {
        Assert-CreatedLikeIproute2 $Ip $Ours $Compare
    }

    It 'veth with the peer straight into another namespace, never in the caller''s' {
        $peerIp, $peerOn = New-TestNamespace -Count 2
        try {
            $peer = New-TestName 'p'
            & ip -n $nsIp link add name v0 type veth peer name $peer netns $peerIp
            $monitors = (Start-LinkMonitor $nsOn), (Start-LinkMonitor $null)
            try {
                $v = New-VethLink -NetNamespace $nsOn -Name v0 -PeerName $peer -PeerNetNamespace $peerOn -ErrorAction Stop
            }
            finally {
                $seen = $monitors | ForEach-Object { Stop-LinkMonitor $_ }
            }
            $seen -join "`n" | Should -Not -Match ([regex]::Escape($peer))
            $v.PeerName | Should -Be $peer
            $v.PeerNetNamespace | Should -Be $peerOn
            Get-LinkFacts $nsOn v0 | Should -Be (Get-LinkFacts $nsIp v0)
            Get-LinkFacts $peerOn $peer | Should -Be (Get-LinkFacts $peerIp $peer)
        }
        finally { Remove-TestNamespace $peerIp, $peerOn }
    }
}

Describe 'Changing links, against iproute2' {
    BeforeEach {
        $nsIp, $nsOn = New-TestNamespace -Count 2
        Invoke-Both { param($n) ip -n $n link add name v0 type veth peer name v1; ip -n $n link add name br0 type bridge } $nsIp, $nsOn
    }
    AfterEach { Remove-TestNamespace $nsIp, $nsOn }

    It '<Case>' -ForEach @(
        @{ Case = 'up'; Compare = 'v0', 'v1'
            Ip = { param($n) ip -n $n link set v0 up }
            Ours = { param($n) Enable-IpLink -NetNamespace $n -Name v0 } }
        @{ Case = 'up, both ends'; Compare = 'v0', 'v1'
            Ip = { param($n) ip -n $n link set v0 up; ip -n $n link set v1 up }
            Ours = { param($n) Get-VethLink -NetNamespace $n | Enable-IpLink } }
        @{ Case = 'down'; Compare = 'v0', 'v1'
            Pre = { param($n) ip -n $n link set v0 up; ip -n $n link set v1 up }
            Ip = { param($n) ip -n $n link set v0 down }
            Ours = { param($n) Disable-IpLink -NetNamespace $n -Name v0 } }
        @{ Case = 'mtu'; Compare = , 'v0'
            Ip = { param($n) ip -n $n link set v0 mtu 1400 }
            Ours = { param($n) Set-IpLink -NetNamespace $n -Name v0 -Mtu 1400 } }
        @{ Case = 'address'; Compare = , 'v0'; WithAddress = $true
            Ip = { param($n) ip -n $n link set v0 address 02:11:22:33:44:55 }
            Ours = { param($n) Set-IpLink -NetNamespace $n -Name v0 -MacAddress '02-11-22-33-44-55' } }
        @{ Case = 'master'; Compare = 'v0', 'br0'
            Ip = { param($n) ip -n $n link set v0 master br0 }
            Ours = { param($n) Set-IpLink -NetNamespace $n -Name v0 -Master br0 } }
        @{ Case = 'nomaster'; Compare = 'v0', 'br0'
            Pre = { param($n) ip -n $n link set v0 master br0 }
            Ip = { param($n) ip -n $n link set v0 nomaster }
            Ours = { param($n) Set-IpLink -NetNamespace $n -Name v0 -NoMaster } }
        @{ Case = 'rename'; Compare = 'v9', 'v1'
            Ip = { param($n) ip -n $n link set v0 name v9 }
            Ours = { param($n) Set-IpLink -NetNamespace $n -Name v0 -NewName v9 } }
        @{ Case = 'promisc on'; Compare = , 'v0'
            Ip = { param($n) ip -n $n link set v0 promisc on }
            Ours = { param($n) Set-IpLink -NetNamespace $n -Name v0 -Promiscuous $true } }
        @{ Case = 'promisc off'; Compare = , 'v0'
            Pre = { param($n) ip -n $n link set v0 promisc on }
            Ip = { param($n) ip -n $n link set v0 promisc off }
            Ours = { param($n) Set-IpLink -NetNamespace $n -Name v0 -Promiscuous $false } }
        @{ Case = 'alias'; Compare = , 'v0'
            Ip = { param($n) ip -n $n link set v0 alias 'uplink to the lab' }
            Ours = { param($n) Set-IpLink -NetNamespace $n -Name v0 -Alias 'uplink to the lab' } }
        @{ Case = 'txqueuelen'; Compare = , 'v0'
            Ip = { param($n) ip -n $n link set v0 txqueuelen 500 }
            Ours = { param($n) Set-IpLink -NetNamespace $n -Name v0 -TxQueueLength 500 } }
        @{ Case = 'del (takes the peer too)'; Compare = 'v0', 'v1'
            Ip = { param($n) ip -n $n link del v0 }
            Ours = { param($n) Remove-IpLink -NetNamespace $n -Name v0 } }
        @{ Case = 'del by index, piped'; Compare = 'v0', 'v1', 'br0'
            Ip = { param($n) ip -n $n link del v1 }
            Ours = { param($n) Get-IpLink -NetNamespace $n -Name v1 | Select-Object Index, NetNamespace | Remove-IpLink } }
        @{ Case = 'several at once, piped'; Compare = , 'v0'
            Ip = { param($n) ip -n $n link set v0 mtu 1300 txqueuelen 200 promisc on }
            Ours = { param($n) Get-IpLink -NetNamespace $n -Name v0 | Set-IpLink -Mtu 1300 -TxQueueLength 200 -Promiscuous $true } }
    ) {
        $ErrorActionPreference = 'Stop'
        if ($Pre) { Invoke-Both $Pre $nsIp, $nsOn }
        & $Ip $nsIp
        $LASTEXITCODE | Should -Be 0
        & $Ours $nsOn -ErrorAction Stop | Should -BeNullOrEmpty -Because 'Set-, Enable- and Disable- output nothing without -PassThru'
        foreach ($name in $Compare) {
            Get-LinkFacts $nsOn $name -WithAddress:([bool]$WithAddress) | Should -Be (Get-LinkFacts $nsIp $name -WithAddress:([bool]$WithAddress)) -Because $name
        }
    }

    It '-PassThru outputs the changed link' {
        $l = Set-IpLink -NetNamespace $nsOn -Name v0 -Mtu 1280 -PassThru
        $l | Should -BeOfType OverlayNet.VethLink
        $l.Mtu | Should -Be 1280
    }

    It 'netns: Move-IpLink (<Form>)' -ForEach @(@{ Form = 'name' }, @{ Form = 'path' }) {
        $destIp, $destOn = New-TestNamespace -Count 2
        try {
            & ip -n $nsIp link set v0 netns $destIp
            $dest = if ($Form -eq 'path') { "/run/netns/$destOn" } else { $destOn }
            Move-IpLink -NetNamespace $nsOn -Name v0 -Destination $dest -ErrorAction Stop | Should -BeNullOrEmpty
            Get-LinkNames $nsOn | Should -Not -Contain 'v0'
            Get-LinkFacts $destOn v0 | Should -Be (Get-LinkFacts $destIp v0)
            Get-LinkFacts $nsOn v1 | Should -Be (Get-LinkFacts $nsIp v1)
        }
        finally { Remove-TestNamespace $destIp, $destOn }
    }
}

Describe 'Get-IpLink' {
    BeforeAll {
        $ns, $peerNs = New-TestNamespace -Count 2
        & ip -n $ns link add name br0 type bridge
        & ip -n $ns link add name v0 type veth peer name v1
        & ip -n $ns link add name x0 type veth peer name x1 netns $peerNs
        & ip -n $ns link set v0 master br0
    }
    AfterAll { Remove-TestNamespace $ns, $peerNs }

    It 'returns a VethLink with its peer in the same namespace' {
        $l = Get-IpLink -NetNamespace $ns -Name v0
        $l | Should -BeOfType OverlayNet.VethLink
        $l.Kind | Should -Be 'veth'
        $l.PeerName | Should -Be 'v1'
        $l.PeerIndex | Should -Be (Invoke-Ip -Namespace $ns link show dev v1).ifindex
        $l.PeerNetNamespace | Should -BeNullOrEmpty
        $l.Master | Should -Be 'br0'
        $l.NetNamespace | Should -Be $ns
        "$($l.AdminState)" | Should -Be 'Down'
    }

    It 'returns a VethLink with its peer in another namespace' {
        $l = Get-IpLink -NetNamespace $ns -Name x0
        $l | Should -BeOfType OverlayNet.VethLink
        $l.PeerName | Should -Be 'x1'
        $l.PeerNetNamespace | Should -Be $peerNs
        (Get-VethLink -NetNamespace $peerNs -Name x1).PeerNetNamespace | Should -Be $ns
    }

    It 'returns a BridgeLink with the bridge''s settings' {
        $b = Get-IpLink -NetNamespace $ns -Name br0
        $b | Should -BeOfType OverlayNet.BridgeLink
        $b.StpEnabled | Should -BeFalse
        $b.VlanFiltering | Should -BeFalse
        $b.AgeingTime | Should -Be ([timespan]::FromSeconds(300))
        $b.ForwardDelay | Should -Be ([timespan]::FromSeconds(15))
        $facts = Invoke-Ip -Namespace $ns link show dev br0
        "$($b.MacAddress)" | Should -Be $facts.address
        $b.Mtu | Should -Be $facts.mtu
    }

    It 'lists every link, as iproute2 does' {
        (Get-IpLink -NetNamespace $ns).Name | Sort-Object | Should -Be (Get-LinkNames $ns)
    }

    It 'filters by -Kind' {
        (Get-IpLink -NetNamespace $ns -Kind bridge).Name | Should -Be 'br0'
        (Get-IpLink -NetNamespace $ns -Kind VETH).Name | Sort-Object | Should -Be 'v0', 'v1', 'x0'
        Get-IpLink -NetNamespace $ns -Kind vxlan | Should -BeNullOrEmpty
    }

    It 'filters by -Master' {
        (Get-IpLink -NetNamespace $ns -Master br0).Name | Should -Be 'v0'
    }

    It 'takes wildcards' {
        (Get-IpLink -NetNamespace $ns -Name 'v*').Name | Sort-Object | Should -Be 'v0', 'v1'
        (Get-IpLink -NetNamespace $ns -Name 'x?', 'br*').Name | Sort-Object | Should -Be 'br0', 'x0'
        Get-IpLink -NetNamespace $ns -Name 'zz*' -ErrorVariable e | Should -BeNullOrEmpty
        $e | Should -BeNullOrEmpty -Because 'a wildcard that matches nothing is no error'
    }

    It 'the typed cmdlets list only their kind' {
        (Get-BridgeLink -NetNamespace $ns).Name | Should -Be 'br0'
        (Get-VethLink -NetNamespace $ns).Name | Sort-Object | Should -Be 'v0', 'v1', 'x0'
    }

    It 'reports a name that does not exist' {
        Get-IpLink -NetNamespace $ns -Name nosuch0 -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e | Should -HaveCount 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'LinkNotFound*'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($e[0])" | Should -Match 'nosuch0'
        $e[0].TargetObject | Should -Be 'nosuch0'
    }

    It 'reports a name that does not exist but lists the ones that do' {
        $found = Get-IpLink -NetNamespace $ns -Name v0, nosuch0, v1 -ErrorVariable e -ErrorAction SilentlyContinue
        $found.Name | Sort-Object | Should -Be 'v0', 'v1'
        $e | Should -HaveCount 1
    }
}

AfterAll {
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
