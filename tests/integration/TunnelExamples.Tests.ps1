# The tunnel labs in examples/ run end to end in the kernel tier (they need ipip, ip_gre, sit, ip_vti);
# here they are at least parsed, so a typo does not wait for the guest to show.
BeforeDiscovery {
    $labs = @('Ipip-Tunnel.ps1', 'Gre-Keys.ps1', 'Sit-Isatap-Vti.ps1') | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $script:examples = Join-Path $PSScriptRoot '../../examples'
    $script:modulePath = if ($env:OVERLAYNET_MODULE) { $env:OVERLAYNET_MODULE } else { Join-Path $PSScriptRoot '../../out/OverlayNet' }
}

Describe 'Tunnel labs parse' {
    It '<Name>' -ForEach $labs {
        $tokens = $errors = $null
        [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $script:examples $Name), [ref]$tokens, [ref]$errors) | Out-Null
        $errors | Should -BeNullOrEmpty
    }
}

Describe 'Tunnel labs' -Tag KernelTier {
    It '<Name> connects and cleans up' -ForEach $labs {
        $before = @(& ip netns list)
        $out = & (Join-Path $script:examples $Name) -ModulePath $script:modulePath
        ($out | Where-Object { $_.PSObject.Properties['Status'] -and $_.Status -eq 'Success' }) | Should -Not -BeNullOrEmpty
        @(& ip netns list).Count | Should -Be $before.Count
    }

    It 'Gre-Keys.ps1 shows that a mismatched key passes no traffic' {
        $out = & (Join-Path $script:examples 'Gre-Keys.ps1') -ModulePath $script:modulePath
        ($out | Where-Object { $_.PSObject.Properties['Check'] -and $_.Check -eq 'mismatched key' }).Status | Should -Be 'NoTraffic'
    }
}
