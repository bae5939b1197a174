# Register-NetNamespace (ip netns attach) and Unregister-NetNamespace, with a process we start in a test namespace.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    # `ip netns identify` prints only the first name that matches, so compare inodes directly.
    function Test-SameNamespace([string] $Name, [int] $ProcessId) {
        (stat -L -c %i "/run/netns/$Name") -eq (stat -L -c %i "/proc/$ProcessId/ns/net")
    }
}

Describe 'Registering namespaces' {
    BeforeEach {
        $ns = New-TestNamespace
        $alias = New-TestName 'ontr'
        $proc = Start-Process -FilePath ip -ArgumentList 'netns', 'exec', $ns, 'sleep', '300' -PassThru
        # The process is in the namespace once `ip netns exec` has switched: its ns/net inode equals the namespace's.
        Wait-Until -Because 'the sleeper to enter its namespace' {
            (ip netns identify $proc.Id 2>$null) -contains $ns
        }
    }
    AfterEach {
        Stop-Process -Id $proc.Id -ErrorAction SilentlyContinue
        if (Test-Path "/run/netns/$alias") { ip netns del $alias 2>$null }
        Remove-TestNamespace $ns
    }

    It 'names a process''s namespace by pid, as ip netns attach does' {
        $out = Register-NetNamespace -Name $alias -ProcessId $proc.Id -ErrorAction Stop
        $out.Name | Should -Be $alias
        $out.ProcessIds | Should -Contain $proc.Id
        Test-SameNamespace $alias $proc.Id | Should -BeTrue
        ip -n $alias link add d0 type veth peer name d1
        (ip -n $ns -j link show d0 | ConvertFrom-Json).ifname | Should -Be 'd0'
    }

    It 'names a namespace file with -Path' {
        Register-NetNamespace -Name $alias -Path "/proc/$($proc.Id)/ns/net" -ErrorAction Stop | Out-Null
        Test-SameNamespace $alias $proc.Id | Should -BeTrue
    }

    It 'Unregister-NetNamespace removes only the name' {
        Register-NetNamespace -Name $alias -ProcessId $proc.Id | Out-Null
        Unregister-NetNamespace -Name $alias
        Test-Path "/run/netns/$alias" | Should -BeFalse
        Test-SameNamespace $ns $proc.Id | Should -BeTrue
    }

    It 'errors for a missing process and a taken name' {
        { Register-NetNamespace -Name $alias -ProcessId 999999999 -ErrorAction Stop } | Should -Throw '*no process*'
        { Register-NetNamespace -Name $ns -ProcessId $proc.Id -ErrorAction Stop } | Should -Throw '*already exists*'
    }

    It 'NetNamespaceStore.Identify finds every name of a process''s namespace' {
        Register-NetNamespace -Name $alias -ProcessId $proc.Id | Out-Null
        $names = [OverlayNet.Netlink.Namespaces.NetNamespaceStore]::Identify($proc.Id)
        $names | Should -Contain $ns
        $names | Should -Contain $alias
    }
}
