# How the bulk cmdlets (routes, neighbours, FDB entries) read piped objects. They bind the properties
# themselves (PipelineBinder) instead of PowerShell's by-property-name binding, so these tests pin the rules
# down: names and aliases, command line over property, empty and missing values, bad values, and the -InputObject
# array form. Every change is checked in the kernel through iproute2.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    function Get-Routes([string] $Namespace, [string] $Table = 'main') {
        # A table that was never used makes ip print a lone '[' and fail.
        $text = "$(ip -n $Namespace -j route show table $Table 2>$null)".Trim()
        if ($text -notin '', '[') { @($text | ConvertFrom-Json) } else { @() }
    }
}

Describe 'Pipeline binding of the bulk cmdlets' {
    BeforeAll {
        $ns = New-TestNamespace
        ip -n $ns link add v0 type veth peer name v1
        ip -n $ns link set v0 up
        ip -n $ns link set v1 up
        ip -n $ns addr add 10.0.0.1/24 dev v0
        ip -n $ns link add vx0 type vxlan id 42 dstport 4789 nolearning
    }
    AfterAll { Remove-TestNamespace $ns }
    AfterEach {
        ip -n $ns route flush table 100
        ip -n $ns route flush table 200
        ip -n $ns neigh flush dev v0 nud permanent
        bridge -n $ns fdb show dev vx0 | Where-Object { $_ -match '^00:00:00:00:00:00|^02:' } | ForEach-Object {
            & bridge -n $ns fdb del @(($_ -split ' ')[0..4]) 2>$null
        }
    }

    It 'binds piped strings to -DestinationPrefix' {
        $out = '10.1.0.0/24', '10.1.1.0/24' | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100
        $out.DestinationPrefix | Should -Be @('10.1.0.0/24', '10.1.1.0/24')
        (Get-Routes $ns 100).dst | Sort-Object | Should -Be @('10.1.0.0/24', '10.1.1.0/24')
    }

    It 'reads properties by parameter name and by alias' {
        [pscustomobject]@{ To = '10.2.0.0/24'; Via = '10.0.0.2'; Metric = '7'; Table = 100 } | Add-IpRoute -NetNamespace $ns | Out-Null
        $r = Get-Routes $ns 100
        $r.dst | Should -Be '10.2.0.0/24'
        $r.gateway | Should -Be '10.0.0.2'
        $r.metric | Should -Be 7
    }

    It 'lets the command line win over a property of the same name' {
        [pscustomobject]@{ DestinationPrefix = '10.3.0.0/24'; InterfaceName = 'v0'; Table = '200' } |
            Add-IpRoute -NetNamespace $ns -Table 100 | Out-Null
        (Get-Routes $ns 100).dst | Should -Be '10.3.0.0/24'
        Get-Routes $ns 200 | Should -BeNullOrEmpty
    }

    It 'goes back to the command-line value when the next object lacks the property' {
        @(
            [pscustomobject]@{ DestinationPrefix = '10.4.0.0/24'; InterfaceName = 'v0'; Table = '200' }
            [pscustomobject]@{ DestinationPrefix = '10.4.1.0/24'; InterfaceName = 'v0' }
        ) | Add-IpRoute -NetNamespace $ns | Out-Null
        (Get-Routes $ns 200).dst | Should -Be '10.4.0.0/24'
        (ip -n $ns -j route show 10.4.1.0/24 | ConvertFrom-Json).dst | Should -Be '10.4.1.0/24'
        ip -n $ns route del 10.4.1.0/24
    }

    It 'reads hashtables, "True" text as a switch, and skips empty CSV columns' {
        $rows = @'
DestinationPrefix,NextHop,InterfaceName,OnLink,Table,RouteMetric
10.5.0.0/24,192.168.9.9,v0,True,100,
10.5.1.0/24,,v0,,100,3
'@ | ConvertFrom-Csv
        $rows | Add-IpRoute -NetNamespace $ns | Out-Null
        @{ DestinationPrefix = '10.5.2.0/24'; InterfaceName = 'v0'; Table = '100' } | Add-IpRoute -NetNamespace $ns | Out-Null
        $r = Get-Routes $ns 100 | Sort-Object dst
        $r.dst | Should -Be @('10.5.0.0/24', '10.5.1.0/24', '10.5.2.0/24')
        $r[0].flags | Should -Contain 'onlink'
        $r[1].metric | Should -Be 3
    }

    It 'takes IpPrefix objects by value' {
        [OverlayNet.IpPrefix]::Parse('10.6.0.0/24') | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100 | Out-Null
        (Get-Routes $ns 100).dst | Should -Be '10.6.0.0/24'
    }

    It 'reports an input with a value that does not convert, naming it, and applies the rest' {
        $err = $null
        $out = @(
            [pscustomobject]@{ DestinationPrefix = '10.7.0.0/24'; RouteMetric = 'lots' }
            [pscustomobject]@{ DestinationPrefix = '10.7.1.0/24' }
        ) | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100 -ErrorVariable err -ErrorAction SilentlyContinue
        $out.DestinationPrefix | Should -Be '10.7.1.0/24'
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Match '^InvalidInputObject'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$err" | Should -Match 'RouteMetric'
        "$err" | Should -Match 'lots'
        $err[0].TargetObject.DestinationPrefix | Should -Be '10.7.0.0/24'
    }

    It 'reports an input without the required property and applies the rest' {
        $err = $null
        $out = @(
            [pscustomobject]@{ Prefix = '10.8.0.0/24' }
            [pscustomobject]@{ Destination = '10.8.1.0/24' }
        ) | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100 -ErrorVariable err -ErrorAction SilentlyContinue
        $out.DestinationPrefix | Should -Be '10.8.1.0/24'
        $err | Should -HaveCount 1
        "$err" | Should -Match 'no DestinationPrefix'
    }

    It 'stops before anything is sent when nothing names the required value' {
        { Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100 -ErrorAction Stop } | Should -Throw '*Give -DestinationPrefix*'
        { Add-BridgeFdbEntry -NetNamespace $ns -InterfaceName vx0 -Destination 10.0.0.9 } | Should -Throw '*Give -MacAddress*'
        { Add-IpNeighbor -NetNamespace $ns -InterfaceName v0 -LinkLayerAddress 02:00:00:00:00:09 } | Should -Throw '*Give -IPAddress*'
        Get-Routes $ns 100 | Should -BeNullOrEmpty
    }

    It 'refuses plain strings where no parameter takes them by value' {
        $err = $null
        'vx0' | Add-BridgeFdbEntry -NetNamespace $ns -MacAddress 00:00:00:00:00:00 -Destination 10.0.0.9 -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        "$err" | Should -Match 'plain string'
        bridge -n $ns fdb show dev vx0 | Should -Not -Match '10\.0\.0\.9'
    }

    It 'takes a link piped in as the device (Get-VxlanLink | Add-BridgeFdbEntry, seed 001)' {
        Get-VxlanLink -NetNamespace $ns -Name vx0 | Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -Destination 192.168.8.101 -Append | Out-Null
        Get-VxlanLink -NetNamespace $ns -Name vx0 | Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -Destination 192.168.8.102 -Append | Out-Null
        (bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json | Where-Object mac -eq '00:00:00:00:00:00').dst | Sort-Object |
            Should -Be @('192.168.8.101', '192.168.8.102')
    }

    It 'binds only the name, index and namespace of a piped link, not its own Vni, Port or MacAddress' {
        # vx0 has VNI 42 and port 4789: an entry must not inherit them just because the link was piped in.
        $out = Get-VxlanLink -NetNamespace $ns -Name vx0 | Add-BridgeFdbEntry -MacAddress 02:00:00:00:00:21 -Destination 192.168.8.121
        $out | Should -HaveCount 1
        $out.InterfaceName | Should -Be 'vx0'
        $out.NetNamespace | Should -Be $ns
        $null -eq $out.Vni | Should -BeTrue
        $null -eq $out.Port | Should -BeTrue
        $kernel = bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json | Where-Object mac -eq '02:00:00:00:00:21'
        $kernel.dst | Should -Be '192.168.8.121'
        $kernel.PSObject.Properties.Name | Should -Not -Contain 'vni'
        $kernel.PSObject.Properties.Name | Should -Not -Contain 'port'
        $read = Get-BridgeFdbEntry -NetNamespace $ns | Where-Object { "$($_.MacAddress)" -eq '02:00:00:00:00:21' }
        $null -eq $read.Vni | Should -BeTrue
        $null -eq $read.Port | Should -BeTrue

        # What the user names on the command line still goes into the entry.
        $named = Get-VxlanLink -NetNamespace $ns -Name vx0 | Add-BridgeFdbEntry -MacAddress 02:00:00:00:00:22 -Destination 192.168.8.122 -Vni 77 -Port 4790
        $named.Vni | Should -Be 77
        $named.Port | Should -Be 4790
        (bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json | Where-Object mac -eq '02:00:00:00:00:22').vni | Should -Be 77

        # The link's own MAC is not an entry's MAC: without -MacAddress the input is reported, nothing added.
        $err = $null
        Get-VxlanLink -NetNamespace $ns -Name vx0 | Add-BridgeFdbEntry -Destination 192.168.8.123 -ErrorVariable err -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidInputObject,*'
        "$($err[0])" | Should -BeLike '*A link piped in gives only its name, index and namespace; give -MacAddress*'
        bridge -n $ns fdb show dev vx0 | Should -Not -Match '192\.168\.8\.123'
    }

    It 'takes the namespace from each object, so Get- output round-trips without -NetNamespace' {
        '10.9.0.0/24', '10.9.1.0/24' | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100 | Out-Null
        Get-IpRoute -NetNamespace $ns -Table 100 | Remove-IpRoute
        Get-Routes $ns 100 | Should -BeNullOrEmpty

        Add-IpNeighbor -NetNamespace $ns 10.0.0.5 02:00:00:00:00:05 v0 | Remove-IpNeighbor
        ip -n $ns neigh show dev v0 | Should -Not -Match '10\.0\.0\.5'
    }

    It 'applies an -InputObject array with command-line values filling in, and reports a bad row' {
        $rows = @(
            @{ IPAddress = '10.0.0.6'; LinkLayerAddress = '02:00:00:00:00:06' }
            [pscustomobject]@{ IPAddress = '10.0.0.7'; LinkLayerAddress = '02:00:00:00:00:07' }
            [pscustomobject]@{ IPAddress = 'ten'; LinkLayerAddress = '02:00:00:00:00:08' }
        )
        $err = $null
        $out = Add-IpNeighbor -NetNamespace $ns -InterfaceName v0 -InputObject $rows -ErrorVariable err -ErrorAction SilentlyContinue
        $out.IPAddress.IPAddressToString | Should -Be @('10.0.0.6', '10.0.0.7')
        $err | Should -HaveCount 1
        "$err" | Should -Match 'ten'
        (ip -n $ns -j neigh show dev v0 | ConvertFrom-Json).dst | Sort-Object | Should -Be @('10.0.0.6', '10.0.0.7')
    }

    It 'still asks ShouldProcess when -WhatIf, $WhatIfPreference, -Verbose or -Confirm is in effect' {
        # The bulk cmdlets skip ShouldProcess only when it would say yes and write nothing.
        '10.10.0.0/24' | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100 -WhatIf | Should -BeNullOrEmpty
        & {
            $WhatIfPreference = $true
            '10.10.1.0/24' | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100 | Should -BeNullOrEmpty
        }
        Get-Routes $ns 100 | Should -BeNullOrEmpty

        $verbose = '10.10.2.0/24' | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100 -Verbose 4>&1
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Match '10\.10\.2\.0/24'
        & {
            $ConfirmPreference = 'Low'  # Add-IpRoute is Medium impact: every route would need a yes
            # Non-interactive, PowerShell cannot ask, so the confirmation itself fails (and nothing is added).
            { '10.10.3.0/24' | Add-IpRoute -NetNamespace $ns -InterfaceName v0 -Table 100 -ErrorAction Stop } |
                Should -Throw -ExceptionType ([System.Management.Automation.PSInvalidOperationException])
        }
        (Get-Routes $ns 100).dst | Should -Be '10.10.2.0/24'
    }
}
