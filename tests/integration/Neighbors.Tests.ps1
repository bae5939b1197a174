BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    function New-NeighborHost {
        $ns = New-TestNamespace
        & ip -n $ns link add n0 type veth peer name n1
        & ip -n $ns link set n0 up
        & ip -n $ns link set n1 up
        return $ns
    }

    # The test's entries (10.0.0.x, fd00::x), cache and proxy, as ip -j prints them, in a stable order.
    function Get-NeighText([string] $Namespace) {
        $all = @(Invoke-Ip -Namespace $Namespace neigh show dev n0) + @(Invoke-Ip -Namespace $Namespace neigh show proxy dev n0)
        $shaped = foreach ($n in $all | Where-Object { $_.dst -like '10.0.0.*' -or $_.dst -like 'fd00::*' }) {
            [ordered]@{ dst = $n.dst; lladdr = $n.lladdr; state = (@($n.state) -join ','); router = [bool]$n.router; proxy = [bool]$n.proxy } | ConvertTo-Json -Compress
        }
        return (@($shaped | Sort-Object) -join "`n")
    }
}

Describe 'Neighbour cmdlets match ip neigh' {
    It '<Case>' -ForEach @(
        @{ Case = 'add IPv4, default permanent'; Ip = @('add 10.0.0.5 lladdr 02:00:00:00:00:05 dev n0')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.5 -LinkLayerAddress 02:00:00:00:00:05 -InterfaceName n0 } }
        @{ Case = 'add IPv6'; Ip = @('add fd00::5 lladdr 02:00:00:00:00:05 dev n0')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress fd00::5 -LinkLayerAddress 02-00-00-00-00-05 -InterfaceName n0 } }
        @{ Case = 'states stale, reachable and noarp'; Ip = @('add 10.0.0.6 lladdr 02:00:00:00:00:06 dev n0 nud stale', 'add 10.0.0.7 lladdr 02:00:00:00:00:07 dev n0 nud noarp')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.6 -LinkLayerAddress 02:00:00:00:00:06 -InterfaceName n0 -State Stale
                  Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.7 -LinkLayerAddress 02:00:00:00:00:07 -InterfaceName n0 -State noarp } }
        @{ Case = 'replace'; Ip = @('add 10.0.0.8 lladdr 02:00:00:00:00:08 dev n0', 'replace 10.0.0.8 lladdr 02:00:00:00:00:09 dev n0')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.8 -LinkLayerAddress 02:00:00:00:00:08 -InterfaceName n0
                  Set-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.8 -LinkLayerAddress 02:00:00:00:00:09 -InterfaceName n0 } }
        @{ Case = 'del'; Ip = @('add 10.0.0.10 lladdr 02:00:00:00:00:10 dev n0', 'add 10.0.0.11 lladdr 02:00:00:00:00:11 dev n0', 'del 10.0.0.10 dev n0')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.10 -LinkLayerAddress 02:00:00:00:00:10 -InterfaceName n0
                  Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.11 -LinkLayerAddress 02:00:00:00:00:11 -InterfaceName n0
                  Remove-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.10 -InterfaceName n0 } }
        @{ Case = 'proxy entries, IPv4 and IPv6'; Ip = @('add proxy 10.0.0.12 dev n0', 'add proxy fd00::12 dev n0')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.12 -InterfaceName n0 -Proxy
                  Add-IpNeighbor -NetNamespace $n -IPAddress fd00::12 -InterfaceName n0 -Proxy } }
        @{ Case = 'proxy del'; Ip = @('add proxy 10.0.0.13 dev n0', 'add proxy 10.0.0.14 dev n0', 'del proxy 10.0.0.13 dev n0')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.13 -InterfaceName n0 -Proxy
                  Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.14 -InterfaceName n0 -Proxy
                  Remove-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.13 -InterfaceName n0 -Proxy } }
        @{ Case = 'IPv6 router'; Ip = @('add fd00::15 lladdr 02:00:00:00:00:15 dev n0 router')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress fd00::15 -LinkLayerAddress 02:00:00:00:00:15 -InterfaceName n0 -Router } }
        @{ Case = 'flush spares permanent entries'; Ip = @('add 10.0.0.16 lladdr 02:00:00:00:00:16 dev n0', 'add 10.0.0.17 lladdr 02:00:00:00:00:17 dev n0 nud stale', 'add fd00::17 lladdr 02:00:00:00:00:17 dev n0 nud stale', 'flush dev n0')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.16 -LinkLayerAddress 02:00:00:00:00:16 -InterfaceName n0
                  Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.17 -LinkLayerAddress 02:00:00:00:00:17 -InterfaceName n0 -State Stale
                  Add-IpNeighbor -NetNamespace $n -IPAddress fd00::17 -LinkLayerAddress 02:00:00:00:00:17 -InterfaceName n0 -State Stale
                  Clear-IpNeighbor -NetNamespace $n -InterfaceName n0 } }
        @{ Case = 'flush by state'; Ip = @('add 10.0.0.18 lladdr 02:00:00:00:00:18 dev n0', 'add 10.0.0.19 lladdr 02:00:00:00:00:19 dev n0 nud stale', 'flush dev n0 nud permanent')
           Ps = { param($n) Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.18 -LinkLayerAddress 02:00:00:00:00:18 -InterfaceName n0
                  Add-IpNeighbor -NetNamespace $n -IPAddress 10.0.0.19 -LinkLayerAddress 02:00:00:00:00:19 -InterfaceName n0 -State Stale
                  Clear-IpNeighbor -NetNamespace $n -InterfaceName n0 -State Permanent } }
    ) {
        $theirs = New-NeighborHost; $ours = New-NeighborHost
        try {
            foreach ($line in $Ip) { & ip -n $theirs neigh @($line -split ' '); $LASTEXITCODE | Should -Be 0 }
            & $Ps $ours | Out-Null
            Get-NeighText $ours | Should -Be (Get-NeighText $theirs)
        }
        finally { Remove-TestNamespace $theirs, $ours }
    }
}

Describe 'Get-IpNeighbor' {
    BeforeAll {
        $ns = New-NeighborHost
        & ip -n $ns neigh add 10.0.0.5 lladdr 02:00:00:00:00:05 dev n0
        & ip -n $ns neigh add fd00::5 lladdr 02:00:00:00:00:06 dev n0 router
        & ip -n $ns neigh add proxy 10.0.0.9 dev n0
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'reads IPv4 and IPv6 entries' {
        $v4 = Get-IpNeighbor -NetNamespace $ns -IPAddress 10.0.0.5
        $v4 | Should -BeOfType OverlayNet.IpNeighbor
        "$($v4.LinkLayerAddress)" | Should -Be '02:00:00:00:00:05'
        $v4.InterfaceName | Should -Be 'n0'
        $v4.InterfaceIndex | Should -BeGreaterThan 0
        "$($v4.State)" | Should -Be 'Permanent'
        $v4.Proxy | Should -BeFalse
        $v4.NetNamespace | Should -Be $ns
        $v6 = Get-IpNeighbor -NetNamespace $ns -IPAddress fd00::5
        $v6.Router | Should -BeTrue
    }

    It 'lists proxy entries with -Proxy only' {
        $p = Get-IpNeighbor -NetNamespace $ns -Proxy
        "$($p.IPAddress)" | Should -Be '10.0.0.9'
        $p.Proxy | Should -BeTrue
        Get-IpNeighbor -NetNamespace $ns | Where-Object Proxy | Should -BeNullOrEmpty
    }

    It 'filters by family and state' {
        (Get-IpNeighbor -NetNamespace $ns -AddressFamily IPv6 | Where-Object IPAddress -eq 'fd00::5') | Should -HaveCount 1
        Get-IpNeighbor -NetNamespace $ns -AddressFamily IPv4 | Where-Object { $_.IPAddress.AddressFamily -ne 'InterNetwork' } | Should -BeNullOrEmpty
        Get-IpNeighbor -NetNamespace $ns -State Stale | Should -BeNullOrEmpty
    }
}

Describe 'Neighbour pipelines and errors' {
    BeforeEach { $ns = New-NeighborHost }
    AfterEach { Remove-TestNamespace $ns }

    It 'Get-IpNeighbor | Remove-IpNeighbor removes what was listed' {
        1..5 | ForEach-Object { & ip -n $ns neigh add "10.0.0.$_" lladdr "02:00:00:00:00:0$_" dev n0 }
        Get-IpNeighbor -NetNamespace $ns -InterfaceName n0 | Where-Object { $_.IPAddress -like '10.0.0.*' } | Remove-IpNeighbor
        Invoke-Ip -Namespace $ns neigh show dev n0 | Where-Object dst -like '10.0.0.*' | Should -BeNullOrEmpty
    }

    It 'applies thousands from a pipeline and reports one refusal by address' {
        & ip -n $ns neigh add 10.1.0.7 lladdr 02:00:00:00:00:07 dev n0
        $in = foreach ($i in 1..1500) { [pscustomobject]@{ IPAddress = '10.1.{0}.{1}' -f ($i -shr 8), ($i -band 255); LinkLayerAddress = '02:00:00:00:{0:x2}:{1:x2}' -f ($i -shr 8), ($i -band 255); InterfaceName = 'n0' } }
        $err = $null
        $out = $in | Add-IpNeighbor -NetNamespace $ns -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -HaveCount 1499
        $err | Should -HaveCount 1
        "$($err[0])" | Should -Match '10\.1\.0\.7'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        @(Invoke-Ip -Namespace $ns neigh show dev n0 | Where-Object dst -like '10.1.*').Count | Should -Be 1500
    }

    It 'needs a link-layer address unless -Proxy, and sends nothing without one' {
        $err = $null
        Add-IpNeighbor -NetNamespace $ns -IPAddress 10.0.0.1 -InterfaceName n0 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Invoke-Ip -Namespace $ns neigh show dev n0 | Where-Object dst -eq '10.0.0.1' | Should -BeNullOrEmpty
    }

    It 'supports -WhatIf' {
        $said = Get-WhatIfText {
            Add-IpNeighbor -NetNamespace $ns -IPAddress 10.0.0.1 -LinkLayerAddress 02:00:00:00:00:01 -InterfaceName n0 -WhatIf
            Clear-IpNeighbor -NetNamespace $ns -WhatIf
        }
        $said | Should -Be @(
            "What if: Performing the operation `"Add neighbour`" on target `"10.0.0.1 dev n0 (namespace $ns)`"."
            "What if: Performing the operation `"Flush neighbour entries`" on target `"all interfaces (namespace $ns)`"."
        )
        Invoke-Ip -Namespace $ns neigh show dev n0 | Where-Object dst -eq '10.0.0.1' | Should -BeNullOrEmpty
    }
}
