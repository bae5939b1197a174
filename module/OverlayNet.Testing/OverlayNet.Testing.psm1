<#
    OverlayNet.Testing: Pester 5 helpers for network labs written with OverlayNet.
      TestNetNamespace.ps1  New-TestNetNamespace / Remove-TestNetNamespace: unique namespaces that go away when
                            the Pester block or test that made them ends (also on failure), when the session
                            exits, or (after a kill) at the next New-TestNetNamespace on the machine.
      ShouldOperators.ps1   Should -BeReachable, -HaveFdbEntry, -HaveRoute, -HaveNeighbor: failures print the
                            namespace's own tables, so a red test says what the kernel holds.
#>
if (-not (Get-Command Add-ShouldOperator -ErrorAction Ignore)) {
    # Inside Invoke-Pester, Pester is loaded already; elsewhere load it, or say what is missing.
    try { Import-Module Pester -MinimumVersion 5.0 -ErrorAction Stop }
    catch { throw "OverlayNet.Testing needs Pester 5 (Install-PSResource Pester): $($_.Exception.Message)" }
}

. (Join-Path $PSScriptRoot 'TestNetNamespace.ps1')
. (Join-Path $PSScriptRoot 'ShouldOperators.ps1')

Register-OverlayNetShouldOperator
Export-ModuleMember -Function New-TestNetNamespace, Remove-TestNetNamespace
