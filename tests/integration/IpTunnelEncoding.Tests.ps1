# The tunnel kinds are missing from this machine's kernel, so their encoding is checked here byte for byte
# against what iproute2 sends for the same tunnel (see IpTunnelRequests.psm1); the kernel tier checks the
# resulting kernel state.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'IpTunnelRequests.psm1') -Force
    $cases = Get-IpTunnelRequestCase
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    Import-Module (Join-Path $PSScriptRoot 'IpTunnelRequests.psm1') -Force
    $script:Fixture = Get-IpTunnelRequestFixture
}

Describe 'IP tunnel requests match iproute2 byte for byte' {
    It '<Name>: ip link add t1 <Ip>' -ForEach $cases {
        $spec = ConvertTo-RequestSpec $Spec
        $ours = ConvertTo-NormalizedRequest $spec.EncodeRequest($true)
        $theirs = ConvertTo-NormalizedRequest (ConvertFrom-HexString $script:Fixture[$Name])
        $ours | Should -Be $theirs
    }

    It 'the change form (ip tunnel change) differs only in the flags: no NLM_F_CREATE|NLM_F_EXCL' {
        $case = Get-IpTunnelRequestCase | Where-Object Name -EQ 'gre-seed001'
        $spec = ConvertTo-RequestSpec $case.Spec
        $create = $spec.EncodeRequest($true)
        $change = $spec.EncodeRequest($false)
        [BitConverter]::ToUInt16($change, 6) | Should -Be 0x5
        $change[8..($change.Length - 1)] | Should -Be $create[8..($create.Length - 1)]
    }
}

Describe 'The fixtures are what this iproute2 sends' {
    BeforeAll {
        $script:HasStrace = [bool](Get-Command strace -ErrorAction SilentlyContinue)
        if ($script:HasStrace) { $script:Ns = New-TestNamespace }
    }
    AfterAll { if ($script:Ns) { Remove-TestNamespace $script:Ns } }

    It '<Name> captured live equals the fixture' -ForEach $cases {
        if (-not $script:HasStrace) { Set-ItResult -Skipped -Because 'strace is not installed'; return }
        $live = ConvertTo-NormalizedRequest (ConvertFrom-HexString (Get-IprouteRequest -Namespace $script:Ns -Ip $Ip))
        $live | Should -Be (ConvertTo-NormalizedRequest (ConvertFrom-HexString $script:Fixture[$Name]))
    }
}

Describe 'Tunnel keys are read as ip tunnel reads them' {
    It "'<Text>' is <Value>" -ForEach @(
        @{ Text = '0x111111'; Value = 1118481 }, @{ Text = '1118481'; Value = 1118481 },
        @{ Text = '0.17.17.17'; Value = 1118481 }, @{ Text = '010'; Value = 8 }, @{ Text = '0'; Value = 0 },
        @{ Text = '4294967295'; Value = 4294967295 }, @{ Text = '255.255.255.255'; Value = 4294967295 }
    ) {
        [OverlayNet.Netlink.Route.Tunnels.TunnelKey]::Parse($Text, 'Key') | Should -Be $Value
    }

    It "'<Text>' is refused" -ForEach @(@{ Text = 'abc' }, @{ Text = '4294967296' }, @{ Text = '1.2.3' }, @{ Text = '09' }, @{ Text = '1.2.3.256' }, @{ Text = '' }) {
        { [OverlayNet.Netlink.Route.Tunnels.TunnelKey]::Parse($Text, 'Key') } | Should -Throw '*Key*'
    }
}
