# Lab files with overlays this machine's kernel lacks (GRE, VLAN): applied whole in the kernel tier's guest.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../LabTopologies.psm1') -Force
    Import-OverlayNet
    Import-Module (Join-Path $PSScriptRoot '../../examples/Lab.psm1') -Force

    # Export-OverlayTopology of a lab's namespaces, applied to them (no change), then after Remove-OverlayLab
    # (the same tables from the file alone); returns the exported YAML.
    function Assert-ExportRoundTrip([string] $Lab, [string[]] $Interfaces) {
        $names = @((Get-OverlayLab -Name $Lab).Namespaces | Sort-Object)
        $before = $names | ForEach-Object { Get-LabTables $_ $Interfaces }
        $yaml = Export-OverlayTopology -NetNamespace $names
        $file = Join-Path ([IO.Path]::GetTempPath()) "$Lab.export.lab.yml"
        Set-Content $file $yaml
        @(Set-OverlayLab -Path $file) | ForEach-Object { "$($_.Action) $($_.Kind) $($_.Name) ($($_.Host))" } | Should -BeNullOrEmpty
        Remove-OverlayLab -Name $Lab
        $names | Where-Object { Test-Path "/run/netns/$_" } | Should -BeNullOrEmpty
        Set-OverlayLab -Path $file -ProgressAction SilentlyContinue | Out-Null
        $names | ForEach-Object { Get-LabTables $_ $Interfaces } | Should -Be $before
        @(Set-OverlayLab -Path $file).Count | Should -Be 0
        $yaml
    }
}

Describe 'Seed 001 lab file with its keyed GRE tunnel' -Tag KernelTier {
    BeforeAll {
        $script:Name = New-TestName 'lk'
        $script:Path = Copy-SeedLab -Seed 001 -Name $script:Name
    }
    AfterAll {
        Remove-OverlayLab -Name $script:Name -ErrorAction SilentlyContinue
    }

    It 'applies, passes every check (GRE included), and re-applies with zero changes' {
        $changes = @(Set-OverlayLab -Path $script:Path -ProgressAction SilentlyContinue)
        $changes | Where-Object { $_.Kind -eq 'Link' -and $_.Name -eq 'gre01' } | Should -HaveCount 2
        $results = @(Test-OverlayLab -Name $script:Name)
        $results | Should -HaveCount 5
        $results | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.From) -> $($_.To)" } | Should -BeNullOrEmpty
        # The seed's ikey 0x111111 okey 0x222222 csum seq ttl 255 on h0, the mirror image on h1.
        foreach ($h in @(@{ Host = 'h0'; In = 0x111111; Out = 0x222222; Remote = '192.168.8.101' }, @{ Host = 'h1'; In = 0x222222; Out = 0x111111; Remote = '192.168.8.100' })) {
            $t = Get-IpTunnel -NetNamespace "$($script:Name)-$($h.Host)" -Name gre01
            "$($t.Remote) $($t.InputKey) $($t.OutputKey) $($t.InputChecksum) $($t.OutputChecksum) $($t.InputSequence) $($t.OutputSequence) $($t.Ttl)" |
                Should -Be "$($h.Remote) $($h.In) $($h.Out) True True True True 255"
        }
        @(Set-OverlayLab -Path $script:Path).Count | Should -Be 0
    }

    It 'exports it (GRE keys, checksums, sequence numbers, ttl): applying the file changes nothing, and after removal rebuilds the same tables' {
        $yaml = Assert-ExportRoundTrip $script:Name eth0, br0, vxlan0, gre01, v-c0, v-c1, v-c2
        $yaml | Should -Match '(?ms)^  - name: gre01\r?\n    type: gre\r?\n    hosts: \[h0, h1\]\r?\n    addresses: \{ h0: 10.1.1.1/24, h1: 10.1.1.2/24 \}\r?\n    ttl: 255\r?\n    input-key: 0x111111\r?\n    output-key: 0x222222\r?\n    checksum: true\r?\n    sequence: true\r?$'
        (Get-IpTunnel -NetNamespace "$($script:Name)-h1" -Name gre01).InputKey | Should -Be 0x222222
    }

    It 'changes one direction''s key as one Update per host, and the tunnel still carries traffic' {
        $edited = $script:Path -replace '\.lab\.yml$', '.key.lab.yml'
        (Get-Content $script:Path -Raw) -replace 'input-key: 0x111111', 'input-key: 0x333333' | Set-Content $edited
        $diff = @(Set-OverlayLab -Path $edited -WhatIf)
        $diff | ForEach-Object { "$($_.Action) $($_.Kind) $($_.Name)" } | Should -Be @('Update Link gre01', 'Update Link gre01')
        Set-OverlayLab -Path $edited | Out-Null
        @(Set-OverlayLab -Path $edited).Count | Should -Be 0
        (Get-IpTunnel -NetNamespace "$($script:Name)-h0" -Name gre01).InputKey | Should -Be 0x333333
        (Get-IpTunnel -NetNamespace "$($script:Name)-h1" -Name gre01).OutputKey | Should -Be 0x333333
        (Get-IpTunnel -NetNamespace "$($script:Name)-h1" -Name gre01).InputKey | Should -Be 0x222222
        (Test-OverlayLab -Name $script:Name | Where-Object To -eq '10.1.1.2').Passed | Should -BeTrue
    }

    It 'removes every namespace' {
        Remove-OverlayLab -Name $script:Name
        Get-ChildItem /run/netns | Where-Object Name -like "$($script:Name)-*" | Should -BeNullOrEmpty
    }
}

# Seed 004: VLAN devices (8021q, absent on the dev machine's kernel) with macvlan containers and a router.
Describe 'Seed 004 lab file with VLANs, macvlan containers and a router' -Tag KernelTier {
    BeforeAll {
        $script:Name = New-TestName 'lk'
        $script:Path = Copy-SeedLab -Seed 004 -Name $script:Name
    }
    AfterAll {
        Remove-OverlayLab -Name $script:Name -ErrorAction SilentlyContinue
    }

    It 'applies, passes every check (same VLAN across hosts, and across VLANs through the router), and re-applies with zero changes' {
        $changes = @(Set-OverlayLab -Path $script:Path -ProgressAction SilentlyContinue)
        $changes | Should -HaveCount 52
        $results = @(Test-OverlayLab -Name $script:Name)
        $results | Should -HaveCount 5
        $results | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.From) -> $($_.To)" } | Should -BeNullOrEmpty
        @(Get-VlanLink -NetNamespace "$($script:Name)-router" | Sort-Object Name | ForEach-Object { "$($_.Name) $($_.VlanId) $($_.Parent)" }) |
            Should -Be @('eth0.10 10 eth0', 'eth0.20 20 eth0')
        $mv = Get-MacvlanLink -NetNamespace "$($script:Name)-bbox40" -Name eth0
        $mv.Mode | Should -Be 'Bridge'
        (Get-IpAddress -NetNamespace "$($script:Name)-bbox40" -InterfaceName eth0 -AddressFamily IPv4).IPAddress.ToString() | Should -Be '172.19.0.4'
        @(Set-OverlayLab -Path $script:Path).Count | Should -Be 0
    }

    It 'builds the same tables as seed 004 built by hand (New-LabVlanRouter)' {
        $p = New-TestName 'ks'
        try {
            New-LabVlanRouter -Prefix $p
            foreach ($h in 'h1', 'h2', 'router') {
                $lab = Get-LabTables "$($script:Name)-$h" eth0, eth0.10, eth0.20
                $lab | Where-Object { $_ -like 'link eth0.* vlan *' } | Should -HaveCount 2
                $lab | Should -Be (Get-LabTables "$p-$h" eth0, eth0.10, eth0.20)
                (Get-NatMasquerade -NetNamespace "$($script:Name)-$h" | ForEach-Object ToString) | Should -Be (Get-NatMasquerade -NetNamespace "$p-$h" | ForEach-Object ToString)
            }
            foreach ($c in 'bbox10', 'bbox20', 'bbox30', 'bbox40') {
                $lab = Get-LabTables "$($script:Name)-$c" eth0
                $lab | Where-Object { $_ -like 'link eth0 macvlan *mode=bridge' } | Should -HaveCount 1
                $lab | Should -Be (Get-LabTables "$p-$c" eth0)
            }
            (Test-IpConnectivity -NetNamespace "$p-bbox10" -Destination 172.19.0.4 -Count 1 -TimeoutMs 3000).Status | Should -Be 'Success'
        }
        finally { Remove-Lab }
    }

    It 'exports it (VLAN devices, macvlan containers, the router''s NAT): applying the file changes nothing, and after removal rebuilds the same tables' {
        $yaml = Assert-ExportRoundTrip $script:Name eth0, eth0.10, eth0.20
        $yaml | Should -Match '(?ms)^  - name: vlan10\r?\n    type: vlan\r?\n    id: 10\r?\n    interface: eth0.10\r?\n    hosts: \[h1, h2, router\]\r?\n'
        $yaml | Should -Match 'name: bbox40, host: h2, overlay: vlan20, address: 172.19.0.4/24, mac: [0-9a-f:]{17}, gateway: true'
        $yaml | Should -Match 'host: router, source: 172.18.0.0/24, out: eth0.20'
    }

    It 'moves a container to the other VLAN as Updates of its macvlan, address and route' {
        $edited = $script:Path -replace '\.lab\.yml$', '.moved.lab.yml'
        (Get-Content $script:Path -Raw) -replace 'overlay: vlan10, address: 172.18.0.5', 'overlay: vlan20, address: 172.19.0.5' | Set-Content $edited
        $diff = @(Set-OverlayLab -Path $edited -WhatIf)
        $diff | ForEach-Object { "$($_.Action) $($_.Kind) $($_.Name)" } | Should -Be @('Update Link eth0', 'Update Address eth0', 'Update Route default')
        Set-OverlayLab -Path $edited | Out-Null
        @(Set-OverlayLab -Path $edited).Count | Should -Be 0
        (Test-OverlayLab -Name $script:Name | Where-Object { -not $_.Passed }) | Should -BeNullOrEmpty
    }

    It 'removes every namespace' {
        Remove-OverlayLab -Name $script:Name
        Get-ChildItem /run/netns | Where-Object Name -like "$($script:Name)-*" | Should -BeNullOrEmpty
    }
}
