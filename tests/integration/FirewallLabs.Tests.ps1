# The firewall labs in examples/: each builds its namespaces, proves the rules matter, and removes everything.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $script:ModulePath = if ($env:OVERLAYNET_MODULE) { $env:OVERLAYNET_MODULE } else { Join-Path $PSScriptRoot '../../out/OverlayNet' }
    $script:Examples = Join-Path $PSScriptRoot '../../examples'
    function Get-LabNamespaces { @(& ip netns list | Where-Object { $_ -match '^(nat-|rt-)' }) }
}

Describe 'examples/Nat-Out.ps1 (seed 003 NAT)' {
    It 'reaches the outside only through the masquerade, and cleans up' {
        $before = Get-LabNamespaces
        $r = & (Join-Path $Examples 'Nat-Out.ps1') -ModulePath $ModulePath
        $r.BeforeMasquerade | Should -BeFalse
        $r.AfterMasquerade | Should -BeTrue
        $r.Rule | Should -Be 'ip saddr 10.233.0.0/16 ip daddr != 10.233.0.0/16 masquerade'
        (Get-LabNamespaces).Count | Should -Be $before.Count
    }
}

Describe 'examples/Router-Forward.ps1 (seed 004 router)' {
    It 'forwards between the VLAN stand-ins only with the seed''s rules, and cleans up' {
        $before = Get-LabNamespaces
        $r = & (Join-Path $Examples 'Router-Forward.ps1') -ModulePath $ModulePath
        $r.BeforeRules | Should -BeFalse
        $r.AfterRules | Should -BeTrue
        $r.ForwardRules | Should -Be 5
        $r.NatMasquerades | Should -Be 2
        (Get-LabNamespaces).Count | Should -Be $before.Count
    }
}
