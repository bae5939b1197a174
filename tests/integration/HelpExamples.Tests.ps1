# Every example in module/help/*.md runs, without errors, in throw-away namespaces (see tests/HelpExamples.psm1),
# so Get-Help never shows an example that does not work.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../HelpExamples.psm1') -Force
    # Hashtables, so that Pester makes each key a variable of the test and expands it in the test's name.
    $examples = @(Get-HelpExample -HelpDirectory (Join-Path $PSScriptRoot '../../module/help') | ForEach-Object {
            @{ Command = $_.Command; Title = $_.Title; Example = $_; Skip = $_.Skip }
        })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    Import-Module (Join-Path $PSScriptRoot '../HelpExamples.psm1') -Force
}

Describe 'Help examples' {
    It '<Command>: <Title>' -ForEach $examples {
        if ($Skip) { Set-ItResult -Skipped -Because $Skip; return }
        $result = Invoke-HelpExample $Example
        ($result.Errors | ForEach-Object { "$_" }) -join "`n" | Should -BeNullOrEmpty
    }
}
