# Namespaces: OverlayNet and iproute2 see each other's named namespaces; Invoke-NetNamespace runs code and
# programs inside; -NetNamespace takes paths; Test-IpConnectivity pings between namespaces.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Differential.psm1') -Force
    Import-OverlayNet

    function Get-IpNetnsNames { @(& ip netns list | ForEach-Object { ($_ -split ' ')[0] }) }
}

Describe 'Named namespaces shared with iproute2' {
    It 'New-NetNamespace makes one that ip netns lists and runs in' {
        $name = New-TestName
        try {
            $n = New-NetNamespace -Name $name -ErrorAction Stop
            $n | Should -BeOfType OverlayNet.NetNamespace
            $n.Name | Should -Be $name
            $n.Path | Should -Be "/run/netns/$name"
            $n.Inode | Should -Not -BeNullOrEmpty
            Get-IpNetnsNames | Should -Contain $name
            & ip netns exec $name true
            $LASTEXITCODE | Should -Be 0
            # It is a namespace of its own: only lo, and not the caller's namespace.
            Get-LinkNames $name | Should -Be 'lo'
            (& ip netns exec $name readlink /proc/self/ns/net) | Should -Be "net:[$($n.Inode)]"
        }
        finally { Remove-TestNamespace $name }
    }

    It 'New-NetNamespace refuses a name that exists' {
        $name = New-TestNamespace
        try {
            New-NetNamespace -Name $name -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $e | Should -HaveCount 1
            $e[0].CategoryInfo.Category | Should -Be 'ResourceExists'
            "$($e[0])" | Should -Match ([regex]::Escape($name))
            & ip netns exec $name true
            $LASTEXITCODE | Should -Be 0 -Because 'the existing namespace is untouched'
        }
        finally { Remove-TestNamespace $name }
    }

    It 'Get-NetNamespace lists a namespace made by ip netns add' {
        $name = New-TestNamespace
        try {
            $n = Get-NetNamespace -Name $name -ErrorAction Stop
            $n.Name | Should -Be $name
            $n.Inode | Should -Not -BeNullOrEmpty
            (Get-NetNamespace).Name | Should -Contain $name
            (Get-NetNamespace -Name 'ont-*').Name | Should -Contain $name
        }
        finally { Remove-TestNamespace $name }
    }

    It 'Remove-NetNamespace removes it, and its veths go with it' {
        $gone, $other = New-TestNamespace -Count 2
        try {
            & ip -n $gone link add name v0 type veth peer name v1 netns $other
            Get-LinkNames $other | Should -Contain 'v1'
            Remove-NetNamespace -Name $gone -ErrorAction Stop | Should -BeNullOrEmpty
            Get-IpNetnsNames | Should -Not -Contain $gone
            Test-Path "/run/netns/$gone" | Should -BeFalse
            # The kernel tears the namespace down asynchronously; the peer goes with it.
            Wait-Until -Because 'the veth peer to vanish' { (Get-LinkNames $other) -notcontains 'v1' }
        }
        finally { Remove-TestNamespace $gone, $other }
    }

    It 'Remove-NetNamespace reports a name that does not exist' {
        $name = New-TestName
        Remove-NetNamespace -Name $name -ErrorVariable e -ErrorAction SilentlyContinue
        $e | Should -HaveCount 1
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($e[0])" | Should -Match $name
    }
}

Describe 'A process inside a namespace' {
    BeforeAll {
        $ns = New-TestNamespace
        & ip -n $ns link add name v0 type veth peer name v1
        # ip netns exec execs sleep in the same process, so this pid ends up inside the namespace.
        $proc = Start-Process -FilePath ip -ArgumentList 'netns', 'exec', $ns, 'sleep', '60' -PassThru
        $inode = (Get-NetNamespace -Name $ns).Inode
        Wait-Until -Because 'the process to enter the namespace' { (readlink "/proc/$($proc.Id)/ns/net") -eq "net:[$inode]" }
    }
    AfterAll {
        if ($proc) { Stop-Process -Id $proc.Id -ErrorAction SilentlyContinue; $proc.WaitForExit() }
        Remove-TestNamespace $ns
    }

    It 'Get-NetNamespace -ProcessId names its namespace' {
        $n = Get-NetNamespace -ProcessId $proc.Id -ErrorAction Stop
        $n.Name | Should -Be $ns
        $n.ProcessIds | Should -Contain $proc.Id
    }

    It 'Get-NetNamespace -ProcessId outputs nothing for a process in no named namespace' {
        Get-NetNamespace -ProcessId $PID -ErrorAction Stop | Where-Object Name -eq $ns | Should -BeNullOrEmpty
    }

    It '-NetNamespace takes <Form>' -ForEach @(@{ Form = '/run/netns/NAME' }, @{ Form = '/proc/PID/ns/net' }) {
        $path = if ($Form -eq '/run/netns/NAME') { "/run/netns/$ns" } else { "/proc/$($proc.Id)/ns/net" }
        $links = Get-IpLink -NetNamespace $path -ErrorAction Stop
        $links.Name | Sort-Object | Should -Be 'lo', 'v0', 'v1'
        $links[0].NetNamespace | Should -Be $path
        (Invoke-NetNamespace -Name $path -ScriptBlock { (Get-IpLink).Name } -ErrorAction Stop) | Sort-Object | Should -Be 'lo', 'v0', 'v1'
    }
}

Describe 'Invoke-NetNamespace' {
    BeforeAll {
        $ns = New-TestNamespace
        & ip -n $ns link add name v0 type veth peer name v1
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'runs a script block inside: Get-IpLink there sees the namespace''s links' {
        $names = Invoke-NetNamespace -Name $ns -ScriptBlock { Get-IpLink | ForEach-Object Name } -ErrorAction Stop
        $names | Sort-Object | Should -Be 'lo', 'v0', 'v1'
        # ...and the caller's namespace is untouched afterwards.
        (Get-IpLink).Name | Should -Not -Contain 'v1'
    }

    It 'returns objects, not text' {
        $l = Invoke-NetNamespace $ns { Get-IpLink -Name v0 }
        $l.Kind | Should -Be 'veth'
        $l.PeerName | Should -Be 'v1'
    }

    It 'passes -ArgumentList to the script block' {
        Invoke-NetNamespace -Name $ns -ScriptBlock { param($a, $b) "$a+$b" } -ArgumentList 'x', 42 | Should -Be 'x+42'
        Invoke-NetNamespace -Name $ns -ScriptBlock { param($link) (Get-IpLink -Name $link).Name } -ArgumentList v1 | Should -Be 'v1'
    }

    It 'brings errors back' {
        $out = Invoke-NetNamespace -Name $ns -ScriptBlock { 'before'; Write-Error 'inner failure'; 'after' } -ErrorVariable e -ErrorAction SilentlyContinue
        $out | Should -Be 'before', 'after'
        $e | Should -HaveCount 1
        "$($e[0])" | Should -Match 'inner failure'
        Invoke-NetNamespace -Name $ns -ScriptBlock { Get-IpLink -Name nosuch0 } -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2 | Should -HaveCount 1
        $e2[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'brings a terminating error back' {
        Invoke-NetNamespace -Name $ns -ScriptBlock { throw 'thrown inside' } -ErrorVariable e -ErrorAction SilentlyContinue
        $e | Should -Not -BeNullOrEmpty
        "$e" | Should -Match 'thrown inside'
    }

    It 'runs a program inside (-FilePath): output lines and $LASTEXITCODE 0' {
        $global:LASTEXITCODE = 99
        $lines = Invoke-NetNamespace -Name $ns -FilePath ip -ArgumentList '-br', 'link', 'show' -ErrorAction Stop
        $LASTEXITCODE | Should -Be 0
        $lines.Count | Should -Be 3
        $lines | Should -Match '^(lo|v0@v1|v1@v0)\s'
        $inode = (Get-NetNamespace -Name $ns).Inode
        Invoke-NetNamespace -Name $ns -FilePath readlink -ArgumentList /proc/self/ns/net | Should -Be "net:[$inode]"
    }

    It 'runs a program inside (-FilePath): non-zero $LASTEXITCODE' {
        Invoke-NetNamespace -Name $ns -FilePath sh -ArgumentList '-c', 'echo out; exit 3' | Should -Be 'out'
        $LASTEXITCODE | Should -Be 3
    }

    It 'reports a namespace that does not exist, naming it' {
        $name = New-TestName
        Invoke-NetNamespace -Name $name -ScriptBlock { 'never' } -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e | Should -HaveCount 1
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($e[0])" | Should -Match $name
    }
}

Describe 'Test-IpConnectivity' {
    BeforeAll {
        $a, $b = New-TestNamespace -Count 2 -LoopbackUp
        & ip -n $a link add name v0 type veth peer name v1 netns $b
        & ip -n $a addr add 10.0.0.1/24 dev v0
        & ip -n $b addr add 10.0.0.2/24 dev v1
        & ip -n $a addr add fd00::1/64 dev v0 nodad
        & ip -n $b addr add fd00::2/64 dev v1 nodad
        & ip -n $a link set v0 up
        & ip -n $b link set v1 up
    }
    AfterAll { Remove-TestNamespace $a, $b }

    It 'gets replies across a veth (<Address>)' -ForEach @(@{ Address = '10.0.0.2' }, @{ Address = 'fd00::2' }) {
        $r = Test-IpConnectivity -NetNamespace $a -Destination $Address -Count 2 -TimeoutMs 2000 -ErrorAction Stop
        $r | Should -HaveCount 2
        $r | ForEach-Object { "$($_.Status)" } | Should -Be 'Success', 'Success'
        $r[0].Destination | Should -Be ([ipaddress]$Address)
        $r.Sequence | Should -Be 1, 2
        $r[0].NetNamespace | Should -Be $a
    }

    It 'times out to an address nobody has' {
        $r = Test-IpConnectivity -NetNamespace $a -Destination 10.0.0.99 -Count 1 -TimeoutMs 300
        "$($r.Status)" | Should -Be 'TimedOut'
    }

    It '-Quiet says True or False' {
        Test-IpConnectivity -NetNamespace $b -Destination 10.0.0.1 -Count 1 -Quiet | Should -BeTrue
        Test-IpConnectivity -NetNamespace $b -Destination 10.0.0.99 -Count 1 -TimeoutMs 300 -Quiet | Should -BeFalse
    }
}

AfterAll {
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
