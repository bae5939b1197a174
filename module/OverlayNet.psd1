# Template: build.ps1 fills CmdletsToExport from the compiled cmdlets and writes the result to out/OverlayNet.
# ModuleVersion here is the version of the build: install and package use it for the <Name>/<version>/
# folder and the .nupkg (build.ps1 package -Version stamps another one into the packaged copy).
@{
    RootModule           = 'OverlayNet.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f4c2f0e-3d7a-4b8e-9d59-0b6f5c1e2a77'
    Author               = 'OverlayNet developers'
    CompanyName          = 'OverlayNet developers'
    Copyright            = '(c) 2026 OverlayNet developers. MIT License.'
    Description          = 'Overlay networks on Linux from typed, composable cmdlets instead of iproute2 recipes: VXLAN, bridges, veth, tunnels, network namespaces, addresses, routes, rules, neighbours and the bridge FDB, over its own netlink library (no ip/bridge/sysctl processes). Pester helpers for network labs ship as the companion module OverlayNet.Testing.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('OverlayNet.Format.ps1xml')
    CmdletsToExport      = @(<#CMDLETS#>)
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Linux', 'netlink', 'vxlan', 'overlay', 'PSEdition_Core', 'network', 'namespace', 'iproute2')
            ProjectUri   = 'https://github.com/overlaynet/OverlayNet'
            LicenseUri   = 'https://github.com/overlaynet/OverlayNet/blob/main/LICENSE'
            ReleaseNotes = @'
0.1.0
- Links (vxlan, bridge, veth, macvlan, ipvlan, vlan, vrf, dummy, tun/tap), IP tunnels, addresses, routes,
  rules, neighbours and bridge FDB entries as typed cmdlets over netlink, each mirroring its iproute2 command.
- Network namespaces by name or path; -NetNamespace on every cmdlet; Invoke-NetNamespace, Test-IpConnectivity.
- Bulk pipelines for routes, neighbours and FDB entries; nf_tables NAT and forward rules; net.* sysctls.
- Get-OverlayNetDiagnostic: one object with a namespace's tables, for bug reports and failed tests.
- Help topics about_OverlayNet and about_OverlayNet_Recipes; Pester helpers in OverlayNet.Testing.
- Installs by name: build.ps1 install, or Install-PSResource from the .nupkg that build.ps1 package makes.
'@
        }
    }
}
