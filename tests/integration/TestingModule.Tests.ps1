# OverlayNet.Testing, the Pester helpers users write lab tests with: New-TestNetNamespace's lifetimes (test,
# block, a failed test, a killed run) and the Should operators, passing and failing; a failing assert must
# print what the namespace's kernel tables hold. build.ps1 test puts out/ on PSModulePath, so the module is
# imported by name as a user would.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    Import-Module OverlayNet.Testing -Force
    # A new pwsh like this one: `dotnet pwsh.dll` under the dotnet tool (build.ps1), or the pwsh executable.
    $pwshStart = if ((Split-Path -Leaf ([Environment]::ProcessPath)) -like 'dotnet*') { @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll')) } else { @([Environment]::ProcessPath) }
    $pester = Get-Module Pester | Select-Object -First 1
}

Describe 'New-TestNetNamespace' {
    It 'makes namespaces with unique names and their loopback up' {
        $a, $b = New-TestNetNamespace -Count 2
        $script:testOwned = @($a, $b)
        $a | Should -Not -Be $b
        $a | Should -Match '^ont-[0-9a-f]{8}$'
        "/run/netns/$a" | Should -Exist
        "$((Get-IpLink -Name lo -NetNamespace $b).AdminState)" | Should -Be 'Up'
    }

    It 'removed the namespaces of a test once that test ended' {
        $script:testOwned.Count | Should -Be 2
        foreach ($n in $script:testOwned) { "/run/netns/$n" | Should -Not -Exist }
    }

    Context 'namespaces made in BeforeAll' {
        BeforeAll { $script:blockOwned = New-TestNetNamespace -Prefix ontb }

        It 'live through every test of the block' { "/run/netns/$script:blockOwned" | Should -Exist }
        It 'still live in the next test' { "/run/netns/$script:blockOwned" | Should -Exist }
    }

    It 'removed the namespaces of a block once that block ended' {
        $script:blockOwned | Should -Match '^ontb-[0-9a-f]{8}$'
        "/run/netns/$script:blockOwned" | Should -Not -Exist
    }

    It 'refuses a prefix that is not a plain name' {
        { New-TestNetNamespace -Prefix 'bad name' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,New-TestNetNamespace'
    }

    It 'refuses to remove a namespace it did not make' {
        Remove-TestNetNamespace -Name 'ont-notours' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'NotATestNetNamespace,Remove-TestNetNamespace'
    }

    It 'removes the namespaces of a failed test, and those of a killed run at the next call' {
        # A user's test file, run by Invoke-Pester in another pwsh: a failing test, then one that hangs
        # until this process kills it (as an interrupted run would end).
        $dir = Join-Path ([IO.Path]::GetTempPath()) (New-TestName 'ontt')
        New-Item -ItemType Directory -Path $dir | Out-Null
        $names = Join-Path $dir 'names.txt'
        Set-Content (Join-Path $dir 'User.Tests.ps1') -Value @'
BeforeAll { Import-Module OverlayNet.Testing }
Describe 'a failing lab' {
    BeforeAll { Add-Content $env:ONT_NAMES "block $(New-TestNetNamespace -Prefix ontf)" }
    It 'fails' { Add-Content $env:ONT_NAMES "test $(New-TestNetNamespace -Prefix ontf)"; throw 'deliberate failure' }
}
Describe 'a run that gets killed' {
    It 'hangs' { Add-Content $env:ONT_NAMES "killed $(New-TestNetNamespace -Prefix ontk)"; Start-Sleep -Seconds 600 }
}
'@
        $env:ONT_NAMES = $names
        $child = Start-Process -FilePath $pwshStart[0] -PassThru -RedirectStandardOutput (Join-Path $dir 'out.txt') -ArgumentList @(
            @($pwshStart | Select-Object -Skip 1) + '-NoProfile', '-NonInteractive', '-Command',
            "Import-Module '$($pester.Path)'; Invoke-Pester -Path '$dir/User.Tests.ps1' -Output Detailed")
        try {
            Wait-Until -TimeoutSeconds 120 -Because 'the child run to reach its hanging test' -Condition {
                (Test-Path $names) -and (Get-Content $names) -match '^killed '
            }
            $lines = Get-Content $names
            $failed = $lines | Where-Object { $_ -match '^(block|test) ' } | ForEach-Object { ($_ -split ' ')[1] }
            $killed = ($lines | Where-Object { $_ -match '^killed ' }) -replace '^killed '
            @($failed).Count | Should -Be 2
            foreach ($n in $failed) { "/run/netns/$n" | Should -Not -Exist -Because "the failed test's and its block's teardown removed $n" }
            "/run/netns/$killed" | Should -Exist
        }
        finally {
            Stop-Process -Id $child.Id -Force -ErrorAction SilentlyContinue
            $child.WaitForExit(30000) | Out-Null
            Remove-Item Env:ONT_NAMES
        }
        # The next call, in any process, sweeps namespaces whose process is gone.
        New-TestNetNamespace | Out-Null
        "/run/netns/$killed" | Should -Not -Exist
        Remove-Item $dir -Recurse -Force
    }
}

Describe 'New-TestNetNamespace after an interrupted run in this process' {
    It 'removes what a run of this process left behind (Ctrl+C skips Pester''s teardowns)' {
        # A record as New-TestNetNamespace writes it, from this process but another Invoke-Pester run.
        $left = New-TestName 'ontc'
        & ip netns add $left
        $record = @{ ProcessId = $PID; StartTime = ((Get-Content -Raw "/proc/$PID/stat") -replace '^.*\) ' -split ' ')[19]; RunId = 'an-earlier-run' }
        Set-Content -Path "/run/overlaynet/testing/$left" -Value ($record | ConvertTo-Json -Compress)
        try {
            New-TestNetNamespace | Out-Null
            "/run/netns/$left" | Should -Not -Exist
            "/run/overlaynet/testing/$left" | Should -Not -Exist
        }
        finally { Remove-TestNamespace $left; Remove-Item "/run/overlaynet/testing/$left" -ErrorAction Ignore }
    }
}

Describe 'Should operators' {
    BeforeAll {
        $a, $b = New-TestNetNamespace -Count 2
        New-VethLink -Name eth0 -PeerName eth0 -NetNamespace $a -PeerNetNamespace $b -Up | Out-Null
        Enable-IpLink -Name eth0 -NetNamespace $b
        Add-IpAddress -InterfaceName eth0 -IPAddress 10.0.0.1/24 -NetNamespace $a | Out-Null
        Add-IpAddress -InterfaceName eth0 -IPAddress 10.0.0.2/24 -NetNamespace $b | Out-Null
        Add-IpRoute -DestinationPrefix 10.9.0.0/16 -NextHop 10.0.0.2 -NetNamespace $a | Out-Null
        Add-IpNeighbor -IPAddress 10.0.0.9 -LinkLayerAddress 02:00:00:00:00:09 -InterfaceName eth0 -NetNamespace $a | Out-Null
        New-VxlanLink -Name vxlan0 -Vni 42 -Local 10.0.0.1 -Learning:$false -NetNamespace $a | Out-Null
        Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -InterfaceName vxlan0 -Destination 192.168.8.102 -Append -NetNamespace $a | Out-Null

        function Get-AssertFailure([scriptblock] $Assert) {
            # The message of the Pester assertion failure that $Assert raises.
            $e = $Assert | Should -Throw -ErrorId 'PesterAssertionFailed' -PassThru
            return $e.Exception.Message
        }
    }

    It 'passes -BeReachable for an address that answers' {
        '10.0.0.2' | Should -BeReachable -From $a
        [ipaddress]'10.0.0.1' | Should -BeReachable -From $b -Within 3
    }

    It 'prints the namespace''s tables when a reachability assert fails' {
        $message = Get-AssertFailure { '10.0.0.77' | Should -BeReachable -From $a -Within 1 -Because 'the lab needs it' }
        $message | Should -Match "^Expected 10\.0\.0\.77 to be reachable from namespace '$a' within 1 s, because the lab needs it, but none of \d+ echo requests got a reply"
        $message | Should -Match "Addresses in namespace '$a':"
        $message | Should -Match '10\.0\.0\.1/24'
        $message | Should -Match "Routes in namespace '$a':"
        $message | Should -Match '10\.9\.0\.0/16\s+10\.0\.0\.2'
        $message | Should -Match "Neighbours in namespace '$a':"
        $message | Should -Match '10\.0\.0\.9\s+02:00:00:00:00:09'
        $message | Should -Match "FDB in namespace '$a':"
        $message | Should -Match '00:00:00:00:00:00\s+vxlan0\s+192\.168\.8\.102'
    }

    It 'fails -Not -BeReachable for an address that answers' {
        $message = Get-AssertFailure { '10.0.0.2' | Should -Not -BeReachable -From $a -Within 1 }
        $message | Should -Match "^Expected 10\.0\.0\.2 not to be reachable from namespace '$a'"
    }

    It 'passes -Not -BeReachable for an address nobody has' {
        '10.0.0.66' | Should -Not -BeReachable -From $a -Within 1
    }

    It 'matches FDB entries by MAC in either spelling, device, destination and state' {
        $a | Should -HaveFdbEntry -MacAddress 00-00-00-00-00-00 -InterfaceName vxlan0 -Destination 192.168.8.102 -State Permanent
        $a | Should -Not -HaveFdbEntry -MacAddress 00:00:00:00:00:00 -Destination 192.168.8.103
    }

    It 'prints the FDB when an FDB assert fails' {
        $message = Get-AssertFailure { $a | Should -HaveFdbEntry -MacAddress 52:5e:55:58:9a:ab -InterfaceName vxlan0 }
        $message | Should -Match "^Expected namespace '$a' to have an FDB entry with InterfaceName vxlan0, MacAddress 52:5e:55:58:9a:ab but it does not\."
        $message | Should -Match "FDB in namespace '$a':"
        $message | Should -Match '00:00:00:00:00:00\s+vxlan0\s+192\.168\.8\.102'
    }

    It 'matches routes by prefix, next hop and device, and host routes by address alone' {
        $a | Should -HaveRoute -DestinationPrefix 10.9.0.0/16 -NextHop 10.0.0.2 -InterfaceName eth0
        $a | Should -HaveRoute -DestinationPrefix 10.0.0.0/24 -InterfaceName eth0
        $a | Should -HaveRoute -DestinationPrefix 10.0.0.1 -Table local
        $a | Should -Not -HaveRoute -DestinationPrefix 10.9.0.0/16 -NextHop 10.0.0.3
    }

    It 'prints the routes when a route assert fails' {
        $message = Get-AssertFailure { $a | Should -HaveRoute -DestinationPrefix default }
        $message | Should -Match "^Expected namespace '$a' to have a route with DestinationPrefix default but it does not\."
        $message | Should -Match "Routes in namespace '$a':"
        $message | Should -Match '10\.9\.0\.0/16'
    }

    It 'matches neighbours by address, MAC, device and state' {
        $a | Should -HaveNeighbor -IPAddress 10.0.0.9 -LinkLayerAddress 02-00-00-00-00-09 -InterfaceName eth0 -State Permanent
        $a | Should -Not -HaveNeighbor -IPAddress 10.0.0.9 -State Reachable
    }

    It 'prints the neighbours when a neighbour assert fails' {
        $message = Get-AssertFailure { $a | Should -HaveNeighbor -IPAddress 10.0.0.8 }
        $message | Should -Match "^Expected namespace '$a' to have a neighbour with IPAddress 10\.0\.0\.8 but it does not\."
        $message | Should -Match '10\.0\.0\.9\s+02:00:00:00:00:09'
    }

    It 'says what is wrong with the value piped in' {
        Get-AssertFailure { $null | Should -HaveRoute -DestinationPrefix default } |
            Should -Be 'Expected the name of a network namespace piped into Should ($ns | Should ...), but got $null.'
        Get-AssertFailure { 'ont-no-such-namespace' | Should -HaveNeighbor -IPAddress 10.0.0.9 } |
            Should -Be "Expected a network namespace, but 'ont-no-such-namespace' is neither a name under /run/netns nor a namespace file."
        Get-AssertFailure { 'not-an-address' | Should -BeReachable -From $a } |
            Should -Be "Expected an IP address piped into Should -BeReachable, but got 'not-an-address'."
    }
}

AfterAll {
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
