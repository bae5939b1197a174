# The demo lab (build.ps1 demo) runs end to end and leaves no namespace behind.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
}

Describe 'build.ps1 demo (seed 001: VXLAN with a hand-kept FDB and ARP table)' {
    It 'pings across the overlay and removes every namespace it made' {
        $module = if ($env:OVERLAYNET_MODULE) { $env:OVERLAYNET_MODULE } else { Join-Path $PSScriptRoot '../../out/OverlayNet' }
        $before = @(Get-NetNamespace | Where-Object Name -like 'demo-*').Name
        $output = & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../../examples/Demo.ps1') -ModulePath $module 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        ($output | Out-String) | Should -Match 'The overlay works'
        ($output | Out-String) | Should -Match '52:5e:55:58:9a:ab'
        @(Get-NetNamespace | Where-Object { $_.Name -like 'demo-*' -and $_.Name -notin $before }) | Should -BeNullOrEmpty
    }
}
