BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $script:modulePath = if ($env:OVERLAYNET_MODULE) { $env:OVERLAYNET_MODULE } else { Join-Path $PSScriptRoot '../../out/OverlayNet' }
}

Describe 'VXLAN lab examples' {
    # Each lab builds hosts and containers as namespaces, pings across the overlay with Test-IpConnectivity
    # and removes everything in its finally block; it outputs one (From, To, Success) object per ping.
    It '<Script> connects every container' -ForEach @(
        @{ Script = 'Vxlan-PointToPoint.ps1'; Pings = 2 }
        @{ Script = 'Vxlan-Multicast.ps1'; Pings = 9 }
        @{ Script = 'Vxlan-StaticFdb.ps1'; Pings = 6 }
        # Seed 002: two Docker overlay networks; the third object is bbox3's ping that must get no reply.
        @{ Script = 'Docker-OverlayIsolation.ps1'; Pings = 3 }
        # Seed 001 with nothing programmed: a Watch-NetlinkEvent responder answers l2miss/l3miss.
        @{ Script = 'Vxlan-OnDemand.ps1'; Pings = 6 }
        # Seed 003's NAT out: the same three hosts, and each container reaches an outside that has no route back.
        @{ Script = 'Vxlan-Multicast.ps1'; Pings = 12; Extra = @{ NatOut = $true } }
    ) {
        $prefix = 'ex' + (Get-Random -Maximum 99999)
        $extra = if ($Extra) { $Extra } else { @{} }
        $results = & (Join-Path $PSScriptRoot "../../examples/$Script") -ModulePath $script:modulePath -Prefix $prefix @extra
        $results | Should -HaveCount $Pings
        $results | Where-Object { -not $_.Success } | ForEach-Object { "$($_.From) -> $($_.To)" } | Should -BeNullOrEmpty
        @(& ip netns list) -match "^$prefix" | Should -BeNullOrEmpty
    }
}
