# What the core must survive: a caller without privileges (every state-changing cmdlet is refused with
# PermissionDenied and changes nothing) and a namespace deleted under a running pipeline (one clear error,
# every input it stopped reported in it, nothing lost silently).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $script:ModuleDir = Split-Path (Get-Module OverlayNet).Path

    function Get-State([string] $Namespace) {
        # Everything the cmdlets could change, as iproute2 and nft print it.
        @(
            ip -n $Namespace -d link show
            ip -n $Namespace addr show
            ip -n $Namespace route show table all
            ip -n $Namespace neigh show
            ip -n $Namespace rule show
            bridge -n $Namespace fdb show
            bridge -n $Namespace -d link show
            ip netns exec $Namespace nft list ruleset
            ip netns exec $Namespace sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.rp_filter net.ipv4.conf.all.proxy_arp
        ) -join "`n" -replace '\w*_timer\s+[\d.]+', '' # bridge timers tick on their own
    }
}

Describe 'A caller without privileges' {
    BeforeAll {
        $ns, $other = New-TestNamespace -Count 2
        # No IPv6: link-local addresses and their DAD would change the state on their own while we compare.
        foreach ($n in $ns, $other) { ip netns exec $n sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 }
        ip -n $ns link add v0 type veth peer name v1
        ip -n $ns link add down0 type veth peer name down1
        ip -n $ns link add br0 type bridge
        ip -n $ns link add vx0 type vxlan id 42 dstport 4789 nolearning
        ip -n $ns link set vx0 master br0
        foreach ($l in 'v0', 'v1', 'br0', 'vx0') { ip -n $ns link set $l up }
        ip -n $ns addr add 10.0.0.1/24 dev v0
        ip -n $ns route add 10.9.0.0/24 dev v0
        ip -n $ns neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev v0 nud permanent
        ip -n $ns rule add priority 100 table 100
        bridge -n $ns fdb append 02:00:00:00:00:30 dev vx0 dst 10.0.0.30
        Add-ForwardRule -NetNamespace $ns -SourcePrefix 10.6.0.0/16 | Out-Null
        Add-NatMasquerade -NetNamespace $ns -SourcePrefix 10.6.0.0/16 | Out-Null
        $before = Get-State $ns
        $beforeOther = Get-State $other
        # uid 0 with every capability gone (bounding and inheritable sets empty, so exec grants none), in $ns.
        $script:Lines = @(ip netns exec $ns setpriv --inh-caps=-all --bounding-set=-all -- dotnet pwsh -NoProfile -NonInteractive `
            -File (Join-Path $PSScriptRoot 'fixtures/Unprivileged.ps1') -ModulePath $ModuleDir -Other $other -Pid1 $PID 2>&1)
        $script:Results = @($Lines | Where-Object { "$_" -like '{*' } | ForEach-Object { "$_" | ConvertFrom-Json })
    }
    AfterAll {
        Remove-OverlayLab -Name $other -ErrorAction SilentlyContinue
        Remove-TestNamespace $ns, $other, "$other-new", "$other-reg", "$other-a", "$other-b"
    }

    It 'tries every state-changing cmdlet' {
        $changing = 'New', 'Add', 'Set', 'Remove', 'Clear', 'Enable', 'Disable', 'Move', 'Register', 'Unregister'
        # Set-IpTunnel needs an existing tunnel, and this machine's kernel has no tunnel modules. Left out as
        # they change no kernel state: the etcd store's networks and endpoints (the store's own access control
        # applies), a running forwarder's in-process route table, and Remove-OverlayLab, which acts only on a
        # lab journal that an unprivileged caller could not have made.
        $notKernel = 'Set-IpTunnel', 'New-OverlayNetwork', 'Remove-OverlayNetwork', 'Add-OverlayEndpoint',
            'Remove-OverlayEndpoint', 'Set-TunForwarderRoute', 'Remove-TunForwarderRoute', 'Remove-OverlayLab'
        $expected = @(Get-Command -Module OverlayNet -CommandType Cmdlet | Where-Object Verb -in $changing |
            Where-Object Name -notin $notKernel | ForEach-Object Name | Sort-Object)
        @($Results.Cmdlet | Sort-Object) | Should -Be $expected -Because ($Lines -join "`n")
    }

    It 'is refused with PermissionDenied by every one of them' {
        $wrong = @($Results | Where-Object Category -ne 'PermissionDenied' | ForEach-Object { "$($_.Cmdlet): $($_.Category) $($_.Message)" })
        $wrong | Should -BeNullOrEmpty
    }

    It 'changes nothing' {
        Get-State $ns | Should -Be $before
        Get-State $other | Should -Be $beforeOther
        # Other helpers' namespaces come and go on this machine: check the ones the cmdlets named.
        "/run/netns/$other" | Should -Exist
        "/run/netns/$other-new" | Should -Not -Exist
        "/run/netns/$other-reg" | Should -Not -Exist
        "/run/netns/$other-a" | Should -Not -Exist
        # The refused lab run is on record (Get-OverlayLab shows it Failed) and owns no namespace.
        (Get-OverlayLab -Name $other).State | Should -Be 'Failed'
    }
}

Describe 'A namespace deleted under a running pipeline' {
    BeforeEach {
        $ns, $keep = New-TestNamespace -Count 2
        foreach ($n in $ns, $keep) {
            ip -n $n link add d0 type veth peer name d1
            ip -n $n link set d0 up
        }
    }
    AfterEach { Remove-TestNamespace $ns, $keep }

    It 'gives one error naming it, with every input it stopped, and goes on with the other namespace' {
        $count = 6000
        $err = $null
        # Rows alternate between the namespace that goes away (after 2,500 of its rows) and one that stays.
        $out = 1..$count | ForEach-Object {
            if ($_ -eq 5000) { ip netns del $ns }
            $target = if ($_ % 2) { $ns } else { $keep }
            [pscustomobject]@{ DestinationPrefix = '10.{0}.{1}.0/24' -f ($_ -shr 8), ($_ -band 255); NetNamespace = $target }
        } | Add-IpRoute -InterfaceName d0 -ErrorVariable err -ErrorAction SilentlyContinue

        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NetNamespaceDeleted,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$err" | Should -BeLike "*input(s) for namespace '$ns' were not applied*Network namespace '$ns' was deleted while this ran*"
        $lost = @($err[0].TargetObject)
        $lost.Count | Should -BeGreaterThan 0
        # Nothing is lost silently: every input is either output (applied) or listed in the error.
        ($out.Count + $lost.Count) | Should -Be $count
        @($out | Where-Object NetNamespace -eq $keep).Count | Should -Be ($count / 2)
        @(ip -n $keep route show dev d0 | Where-Object { $_ -like '10.*' }).Count | Should -Be ($count / 2)
    }
}
