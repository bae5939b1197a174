BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    # A host with a VXLAN device (vx0, underlay u0) and a bridge br0 with a port p0. (This kernel's bridge has no
    # VLAN filtering, so -Vlan is only checked as encoded, not against the kernel.)
    function New-FdbHost {
        $ns = New-TestNamespace
        & ip -n $ns link add u0 type veth peer name u1
        & ip -n $ns link add vx0 type vxlan id 42 dstport 4789 nolearning dev u0
        & ip -n $ns link add br0 type bridge
        & ip -n $ns link add p0 type veth peer name p1
        & ip -n $ns link set p0 master br0
        return $ns
    }

    # The entries the tests made (MACs 02:00:00:00:00:xx), as bridge -j prints them, in a stable order.
    function Get-FdbText([string] $Namespace) {
        $entries = (& bridge -n $Namespace -j fdb show | ConvertFrom-Json) | Where-Object { $_.mac -like '0[0-3]:00:00:00:00:*' }
        $shaped = foreach ($e in $entries) {
            [ordered]@{ mac = $e.mac; ifname = $e.ifname; dst = $e.dst; vni = $e.vni; port = $e.port; via = $e.via
                        vlan = $e.vlan; master = $e.master; flags = (@($e.flags) | Sort-Object) -join ','; state = $e.state } | ConvertTo-Json -Compress
        }
        return (@($shaped | Sort-Object) -join "`n")
    }

    function Invoke-Bridge([string] $Namespace, [string] $Line) {
        & bridge -n $Namespace fdb @($Line -split ' ')
        if ($LASTEXITCODE -ne 0) { throw "bridge fdb $Line failed" }
    }
}

Describe 'FDB cmdlets match bridge fdb' {
    # Each case: the bridge fdb commands, and the same steps as cmdlet calls (a script block given the namespace).
    It '<Case>' -ForEach @(
        @{ Case = 'add, default self permanent'; Bridge = @('add 02:00:00:00:00:01 dev vx0 dst 10.0.0.2')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:01 -InterfaceName vx0 -Destination 10.0.0.2 } }
        # The kernel keeps several destinations only for all-zero and multicast MACs; both sides see that.
        @{ Case = 'append two destinations'; Bridge = @('append 00:00:00:00:00:00 dev vx0 dst 10.0.0.2', 'append 02:00:00:00:00:02 dev vx0 dst 10.0.0.3', 'append 02:00:00:00:00:02 dev vx0 dst 10.0.0.4')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:02 -InterfaceName vx0 -Destination 10.0.0.3 -Append
                  Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02-00-00-00-00-02 -InterfaceName vx0 -Destination 10.0.0.4 -Append
                  Add-BridgeFdbEntry -NetNamespace $n -MacAddress 00:00:00:00:00:00 -InterfaceName vx0 -Destination 10.0.0.2 -Append } }
        @{ Case = 'replace'; Bridge = @('add 02:00:00:00:00:03 dev vx0 dst 10.0.0.2', 'replace 02:00:00:00:00:03 dev vx0 dst 10.0.0.9')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:03 -InterfaceName vx0 -Destination 10.0.0.2
                  Set-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:03 -InterfaceName vx0 -Destination 10.0.0.9 } }
        @{ Case = 'del one destination of several'; Bridge = @('append 03:00:00:00:00:04 dev vx0 dst 10.0.0.2', 'append 03:00:00:00:00:04 dev vx0 dst 10.0.0.3', 'del 03:00:00:00:00:04 dev vx0 dst 10.0.0.2')
           Ps = { param($n) '10.0.0.2', '10.0.0.3' | ForEach-Object { Add-BridgeFdbEntry -NetNamespace $n -MacAddress 03:00:00:00:00:04 -InterfaceName vx0 -Destination $_ -Append }
                  Remove-BridgeFdbEntry -NetNamespace $n -MacAddress 03:00:00:00:00:04 -InterfaceName vx0 -Destination 10.0.0.2 } }
        @{ Case = 'del a whole entry'; Bridge = @('add 02:00:00:00:00:05 dev vx0 dst 10.0.0.2', 'add 02:00:00:00:00:06 dev vx0 dst 10.0.0.2', 'del 02:00:00:00:00:05 dev vx0')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:05 -InterfaceName vx0 -Destination 10.0.0.2
                  Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:06 -InterfaceName vx0 -Destination 10.0.0.2
                  Remove-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:05 -InterfaceName vx0 } }
        @{ Case = 'vni, port and via'; Bridge = @('add 02:00:00:00:00:07 dev vx0 dst 10.0.0.2 vni 100 port 4790 via u0')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:07 -InterfaceName vx0 -Destination 10.0.0.2 -Vni 100 -Port 4790 -Via u0 } }
        @{ Case = 'IPv6 destination'; Setup = 'link add vx6 type vxlan id 6 dstport 4789 local fd00::1'; Bridge = @('add 02:00:00:00:00:08 dev vx6 dst fd00::2')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:08 -InterfaceName vx6 -Destination fd00::2 } }
        @{ Case = 'static and dynamic states'; Bridge = @('add 02:00:00:00:00:09 dev vx0 dst 10.0.0.2 static', 'add 02:00:00:00:00:0a dev vx0 dst 10.0.0.2 dynamic')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:09 -InterfaceName vx0 -Destination 10.0.0.2 -State Static
                  Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:0a -InterfaceName vx0 -Destination 10.0.0.2 -State dynamic } }
        @{ Case = 'master entry on a bridge port'; Bridge = @('add 02:00:00:00:00:0b dev p0 master', 'add 02:00:00:00:00:0c dev p0 master static')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:0b -InterfaceName p0 -Master
                  Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:0c -InterfaceName p0 -Master -State Static } }
        @{ Case = 'self and master together'; Bridge = @('add 02:00:00:00:00:0d dev p0 self master')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:0d -InterfaceName p0 -Self -Master } }
        @{ Case = 'del a master entry'; Bridge = @('add 02:00:00:00:00:0e dev p0 master', 'add 02:00:00:00:00:0f dev p0 master', 'del 02:00:00:00:00:0e dev p0 master')
           Ps = { param($n) Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:0e -InterfaceName p0 -Master
                  Add-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:0f -InterfaceName p0 -Master
                  Remove-BridgeFdbEntry -NetNamespace $n -MacAddress 02:00:00:00:00:0e -InterfaceName p0 -Master } }
    ) {
        $theirs = New-FdbHost; $ours = New-FdbHost
        try {
            if ($Setup) { foreach ($n in $theirs, $ours) { & ip -n $n @($Setup -split ' ') } }
            foreach ($line in $Bridge) { Invoke-Bridge $theirs $line }
            & $Ps $ours | Out-Null
            Get-FdbText $ours | Should -Be (Get-FdbText $theirs)
            Get-FdbText $ours | Should -Not -BeNullOrEmpty
        }
        finally { Remove-TestNamespace $theirs, $ours }
    }
}

Describe 'Get-BridgeFdbEntry' {
    BeforeAll {
        $ns = New-FdbHost
        Invoke-Bridge $ns 'append 00:00:00:00:00:00 dev vx0 dst 192.168.8.101'
        Invoke-Bridge $ns 'append 00:00:00:00:00:00 dev vx0 dst 192.168.8.102'
        Invoke-Bridge $ns 'add 02:00:00:00:00:01 dev vx0 dst 192.168.8.101 vni 100 port 4790 via u0'
        Invoke-Bridge $ns 'add 02:00:00:00:00:02 dev p0 master static'
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'reads VXLAN entries with every field' {
        $e = Get-BridgeFdbEntry -NetNamespace $ns -InterfaceName vx0 -MacAddress 02:00:00:00:00:01
        $e | Should -HaveCount 1
        $e | Should -BeOfType OverlayNet.BridgeFdbEntry
        "$($e.MacAddress)" | Should -Be '02:00:00:00:00:01'
        $e.InterfaceName | Should -Be 'vx0'
        $e.InterfaceIndex | Should -BeGreaterThan 0
        "$($e.Destination)" | Should -Be '192.168.8.101'
        $e.Vni | Should -Be 100
        $e.Port | Should -Be 4790
        $e.Via | Should -Be 'u0'
        $e.Self | Should -BeTrue
        $e.Master | Should -BeFalse
        "$($e.State)" | Should -Be 'Permanent'
        $e.NetNamespace | Should -Be $ns
    }

    It 'gives one object per destination of a flood entry' {
        (Get-BridgeFdbEntry -NetNamespace $ns -InterfaceName vx0 -MacAddress 00:00:00:00:00:00).Destination |
            ForEach-Object { "$_" } | Sort-Object | Should -Be @('192.168.8.101', '192.168.8.102')
    }

    It 'reads master entries of a bridge port, filtered by -Bridge' {
        $e = Get-BridgeFdbEntry -NetNamespace $ns -Bridge br0 | Where-Object MacAddress -eq '02:00:00:00:00:02'
        $e.Master | Should -BeTrue
        $e.Vlan | Should -BeNullOrEmpty
        "$($e.State)" | Should -Be 'Static'
        $e.InterfaceName | Should -Be 'p0'
        Get-BridgeFdbEntry -NetNamespace $ns -Bridge br0 | Where-Object InterfaceName -eq 'vx0' | Should -BeNullOrEmpty
    }

    It 'lists as many entries as bridge fdb show' {
        @(Get-BridgeFdbEntry -NetNamespace $ns).Count | Should -Be @(& bridge -n $ns -j fdb show | ConvertFrom-Json).Count
    }
}

Describe 'FDB pipelines' {
    BeforeEach { $ns = New-FdbHost }
    AfterEach { Remove-TestNamespace $ns }

    It 'Get-VxlanLink | Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -Destination X -Append (seed 001)' {
        & ip -n $ns link set vx0 master br0
        $out = Get-VxlanLink -NetNamespace $ns | Add-BridgeFdbEntry -MacAddress 00:00:00:00:00:00 -Destination 192.168.8.101 -Append
        $out | Should -HaveCount 1
        $out.InterfaceName | Should -Be 'vx0'
        "$($out.Destination)" | Should -Be '192.168.8.101'
        (& bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json | Where-Object dst -eq '192.168.8.101').mac | Should -Be '00:00:00:00:00:00'
    }

    It 'Import-Csv peers.csv | Add-BridgeFdbEntry' {
        $csv = Join-Path ([IO.Path]::GetTempPath()) "peers-$ns.csv"
        try {
            @'
MacAddress,InterfaceName,Destination
00:00:00:00:00:00,vx0,192.168.8.101
00:00:00:00:00:00,vx0,192.168.8.102
52:5e:55:58:9a:ab,vx0,192.168.8.101
d6:d9:cd:0a:a4:28,vx0,192.168.8.102
'@ | Set-Content $csv
            $out = Import-Csv $csv | Add-BridgeFdbEntry -NetNamespace $ns -Append
            $out | Should -HaveCount 4
            $seen = & bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json | ForEach-Object { "$($_.mac) $($_.dst)" }
            $seen | Should -Contain '52:5e:55:58:9a:ab 192.168.8.101'
            $seen | Should -Contain 'd6:d9:cd:0a:a4:28 192.168.8.102'
            $seen | Should -Contain '00:00:00:00:00:00 192.168.8.102'
        }
        finally { Remove-Item $csv -ErrorAction SilentlyContinue }
    }

    It 'Get-BridgeFdbEntry | Where-Object Destination -eq X | Remove-BridgeFdbEntry' {
        foreach ($line in 'append 00:00:00:00:00:00 dev vx0 dst 192.168.8.101', 'append 00:00:00:00:00:00 dev vx0 dst 192.168.8.102',
                          'append 00:00:00:00:00:00 dev vx0 dst 192.168.8.103', 'add 02:00:00:00:00:01 dev vx0 dst 192.168.8.101',
                          'add 02:00:00:00:00:02 dev vx0 dst 192.168.8.103') { Invoke-Bridge $ns $line }
        Get-BridgeFdbEntry -NetNamespace $ns | Where-Object Destination -eq 192.168.8.101 | Remove-BridgeFdbEntry
        $left = & bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json | ForEach-Object { "$($_.mac) $($_.dst)" } | Sort-Object
        $left | Should -Be @('00:00:00:00:00:00 192.168.8.102', '00:00:00:00:00:00 192.168.8.103', '02:00:00:00:00:02 192.168.8.103')
    }

    It 'applies thousands of entries across batches and reads them all back' {
        $entries = foreach ($i in 1..2500) { [pscustomobject]@{ MacAddress = '02:01:00:00:{0:x2}:{1:x2}' -f ($i -shr 8), ($i -band 255); InterfaceName = 'vx0'; Destination = '10.9.{0}.{1}' -f ($i -shr 8), ($i -band 255) } }
        $out = $entries | Add-BridgeFdbEntry -NetNamespace $ns -Append
        $out | Should -HaveCount 2500
        @(Get-BridgeFdbEntry -NetNamespace $ns -InterfaceName vx0).Count | Should -Be 2500
        @(& bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json).Count | Should -Be 2500
    }

    It 'takes an array with -InputObject, command-line values filling in' {
        $rows = @(
            [pscustomobject]@{ MacAddress = '00:00:00:00:00:00'; Destination = '192.168.8.101' }
            [pscustomobject]@{ MacAddress = '00:00:00:00:00:00'; Destination = '192.168.8.102' }
            [pscustomobject]@{ MacAddress = 'not-a-mac'; Destination = '192.168.8.103' }
        )
        $err = $null
        $out = Add-BridgeFdbEntry -NetNamespace $ns -InterfaceName vx0 -Append -InputObject $rows -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -HaveCount 2
        $err | Should -HaveCount 1
        (& bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json).dst | Sort-Object | Should -Be @('192.168.8.101', '192.168.8.102')
        Remove-BridgeFdbEntry -NetNamespace $ns -InputObject @(Get-BridgeFdbEntry -NetNamespace $ns -InterfaceName vx0)
        & bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json | Should -BeNullOrEmpty
    }

    It 'reports one refused entry by MAC and destination and applies the rest' {
        Invoke-Bridge $ns 'add 02:00:00:00:00:03 dev vx0 dst 10.0.0.3'
        $entries = 1..5 | ForEach-Object { [pscustomobject]@{ MacAddress = "02:00:00:00:00:0$_"; InterfaceName = 'vx0'; Destination = "10.0.0.$_" } }
        $err = $null
        $out = $entries | Add-BridgeFdbEntry -NetNamespace $ns -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -HaveCount 4
        $err | Should -HaveCount 1
        "$($err[0])" | Should -Match '02:00:00:00:00:03'
        "$($err[0])" | Should -Match '10\.0\.0\.3'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].FullyQualifiedErrorId | Should -Match '^AddBridgeFdbEntryFailed'
        @(& bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json).Count | Should -Be 5
    }
}

Describe 'FDB input checks' {
    BeforeAll { $ns = New-FdbHost }
    AfterAll { Remove-TestNamespace $ns }

    It 'rejects a VNI outside 24 bits before sending anything' {
        $err = $null
        Add-BridgeFdbEntry -NetNamespace $ns -MacAddress 02:00:00:00:00:01 -InterfaceName vx0 -Destination 10.0.0.2 -Vni 16777216 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        & bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json | Should -BeNullOrEmpty
    }

    It 'rejects a malformed MAC' {
        { Add-BridgeFdbEntry -NetNamespace $ns -MacAddress 02:00:00:00:00 -InterfaceName vx0 -ErrorAction Stop } |
            Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException]) -ExpectedMessage '*MacAddress*02:00:00:00:00*'
    }

    It 'names a missing interface' {
        $err = $null
        Add-BridgeFdbEntry -NetNamespace $ns -MacAddress 02:00:00:00:00:01 -InterfaceName nosuch0 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($err[0])" | Should -Match 'nosuch0'
    }

    It 'supports -WhatIf' {
        $said = Get-WhatIfText { Add-BridgeFdbEntry -NetNamespace $ns -MacAddress 02:00:00:00:00:01 -InterfaceName vx0 -Destination 10.0.0.2 -WhatIf }
        $said | Should -Be "What if: Performing the operation `"Add FDB entry`" on target `"02:00:00:00:00:01 dev vx0 dst 10.0.0.2 (namespace $ns)`"."
        & bridge -n $ns -j fdb show dev vx0 | ConvertFrom-Json | Should -BeNullOrEmpty
    }
}
