<#
    Smoke test of the kernel tier itself: the guest's kernel has the link kinds this host lacks.
    Uses iproute2 only (no OverlayNet), in a namespace of its own that AfterAll removes, pass or fail.
#>
Describe 'Kernel tier guest' -Tag 'KernelTier' {
    BeforeAll {
        $script:ns = 'ont-kt-{0}' -f ([guid]::NewGuid().ToString('N').Substring(0, 8))
        function Invoke-IpNs {
            $text = & ip -n $script:ns @args 2>&1
            if ($LASTEXITCODE -ne 0) { throw "ip -n $($script:ns) $($args -join ' ') failed: $text" }
            "$text"
        }
        & ip netns add $script:ns
        if ($LASTEXITCODE -ne 0) { throw "ip netns add $($script:ns) failed" }
        Invoke-IpNs link add kt-dummy0 type dummy
        Invoke-IpNs link add kt-vrf10 type vrf table 10
        Invoke-IpNs link add kt-ipip0 type ipip local 192.0.2.1 remote 192.0.2.2
        Invoke-IpNs link add link kt-dummy0 name kt-vlan100 type vlan id 100
        $script:links = @{}
        foreach ($l in (Invoke-IpNs -j -d link show | ConvertFrom-Json)) { $script:links[$l.ifname] = $l }
    }

    AfterAll {
        if ($script:ns -and (Test-Path "/run/netns/$($script:ns)")) { & ip netns del $script:ns }
    }

    It 'runs a kernel other than the host''s, with modules' {
        (Get-Content /proc/sys/kernel/osrelease) | Should -Match '-amd64$'
    }

    It 'has a <Name> link of kind <Kind>' -ForEach @(
        @{ Name = 'kt-dummy0'; Kind = 'dummy' }
        @{ Name = 'kt-vrf10'; Kind = 'vrf' }
        @{ Name = 'kt-ipip0'; Kind = 'ipip' }
        @{ Name = 'kt-vlan100'; Kind = 'vlan' }
    ) {
        $script:links.ContainsKey($Name) | Should -BeTrue -Because "ip link add created $Name"
        $script:links[$Name].linkinfo.info_kind | Should -Be $Kind
    }

    It 'reads back the vrf table and the vlan id' {
        $script:links['kt-vrf10'].linkinfo.info_data.table | Should -Be 10
        $script:links['kt-vlan100'].linkinfo.info_data.id | Should -Be 100
        $script:links['kt-vlan100'].link | Should -Be 'kt-dummy0'
    }
}
