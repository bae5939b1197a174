# Lab files with overlays this machine's kernel lacks (GRE, VLAN): applied whole in the kernel tier's guest.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../LabTopologies.psm1') -Force
    Import-OverlayNet
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
