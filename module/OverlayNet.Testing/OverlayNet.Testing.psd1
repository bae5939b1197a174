# Pester helpers for OverlayNet labs. A module of its own next to OverlayNet (not a nested module of it):
# PowerShell finds a module by name only as a folder on PSModulePath, and OverlayNet itself must load
# without Pester. build.ps1 stamps both versions from module/OverlayNet.psd1.
@{
    RootModule           = 'OverlayNet.Testing.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'c0b6a7d2-52c1-4d0f-8f43-6e9a1d7c3b15'
    Author               = 'OverlayNet developers'
    CompanyName          = 'OverlayNet developers'
    Copyright            = '(c) 2026 OverlayNet developers. MIT License.'
    Description          = 'Pester 5 helpers for OverlayNet labs: New-TestNetNamespace (unique network namespaces removed when the Pester block ends, even on failure) and Should -BeReachable, -HaveFdbEntry, -HaveRoute, -HaveNeighbor, whose failures show what the namespace''s kernel tables hold.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredModules      = @(@{ ModuleName = 'OverlayNet'; RequiredVersion = '0.1.0' })
    FunctionsToExport    = @('New-TestNetNamespace', 'Remove-TestNetNamespace')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Linux', 'netlink', 'vxlan', 'overlay', 'PSEdition_Core', 'Pester', 'testing')
            ProjectUri   = 'https://github.com/overlaynet/OverlayNet'
            LicenseUri   = 'https://github.com/overlaynet/OverlayNet/blob/main/LICENSE'
            ReleaseNotes = '0.1.0: New-TestNetNamespace and the Should operators BeReachable, HaveFdbEntry, HaveRoute, HaveNeighbor.'
        }
    }
}
