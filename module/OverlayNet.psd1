# Template: build.ps1 fills CmdletsToExport from the compiled cmdlets and writes the result to out/OverlayNet.
@{
    RootModule           = 'OverlayNet.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f4c2f0e-3d7a-4b8e-9d59-0b6f5c1e2a77'
    Author               = 'OverlayNet developers'
    Description          = 'Overlay networks on Linux from typed, composable cmdlets: VXLAN, bridges, veth, namespaces, routes, neighbours and FDB over netlink.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('OverlayNet.Format.ps1xml')
    CmdletsToExport      = @(<#CMDLETS#>)
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('Linux', 'Network', 'VXLAN', 'Netlink', 'Overlay')
        }
    }
}
