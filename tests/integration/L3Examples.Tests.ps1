# The L3 labs in examples/ run end to end; each checks its own connectivity with Test-IpConnectivity and
# throws when a reply is missing, and removes its namespaces in finally.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $script:modulePath = Split-Path (Get-Module OverlayNet).Path
    $script:examples = Join-Path $PSScriptRoot '../../examples'
    function Invoke-Lab([string] $Name) {
        $out = & (Join-Path $examples $Name) -ModulePath $modulePath
        ($out | Where-Object { $_.PSObject.Properties['Status'] -and $_.Status -eq 'Success' }) | Should -Not -BeNullOrEmpty
    }
}

Describe 'L3 labs' {
    It 'Macvlan-IntoProcess (seed 000 §1)' { Invoke-Lab 'Macvlan-IntoProcess.ps1' }
    It 'Routed-Overlay (seed 000 §2)' { Invoke-Lab 'Routed-Overlay.ps1' }
}

Describe 'L3 labs needing vrf / 8021q' -Tag KernelTier {
    It 'Vrf-ProxyArp-Vxlan (seed 000 §4)' { Invoke-Lab 'Vrf-ProxyArp-Vxlan.ps1' }
    It 'Vlan-Macvlan (seed 004)' { Invoke-Lab 'Vlan-Macvlan.ps1' }
}
