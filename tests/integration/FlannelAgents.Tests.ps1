# Issue 13, flannel schema: three hosts run Start-OverlayAgent -Schema Flannel on flannel's own keys. A lease
# written by hand in flanneld's format stands for a host run by flanneld: OverlayNet must program it as
# flanneld would (seed 001), and what OverlayNet writes must read back in flanneld's exact format.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    Import-Module (Join-Path $PSScriptRoot '../../examples/Lab.psm1') -Force
    $script:Slack = 3
    $script:prefix = New-TestName 'fl'
    $script:store = Start-OverlayStore -Name $prefix -Members 1
    $script:etcd = $store.Endpoints
    function Invoke-Etcdctl { & etcdctl --endpoints ($etcd -join ',') @args }
    Invoke-Etcdctl put /coreos.com/network/config '{"Network":"10.5.0.0/16","SubnetLen":24,"Backend":{"Type":"vxlan","VNI":1}}' | Out-Null
    # A host run by flanneld, which OverlayNet never sees except through its lease.
    Invoke-Etcdctl put /coreos.com/network/subnets/10.5.200.0-24 '{"PublicIP":"192.168.8.200","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"5e:f8:4f:00:e3:37"}}' | Out-Null

    $script:hosts = 0..2 | ForEach-Object { [pscustomobject]@{ Name = "$prefix-n$_"; Vtep = "192.168.8.10$_"; Subnet = $null; Container = "$prefix-c$_"; Ip = $null } }
    New-LabSwitch -Name "$prefix-sw" -HostName $hosts.Name -Underlay $hosts.Vtep | Out-Null
    foreach ($h in $hosts) {
        Enable-IpForwarding -NetNamespace $h.Name | Out-Null
        Start-OverlayAgent -Schema Flannel -NetNamespace $h.Name -LocalAddress $h.Vtep -EtcdEndpoint $etcd -AsJob | Out-Null
        $h.Subnet = (Get-OverlayAgent -HostName $h.Name).Network
        $b = ([IPAddress]($h.Subnet -split '/')[0]).GetAddressBytes()
        New-BridgeLink -NetNamespace $h.Name -Name cni0 -Up | Out-Null
        Add-IpAddress -NetNamespace $h.Name -InterfaceName cni0 -IPAddress "$($b[0]).$($b[1]).$($b[2]).1/24" | Out-Null
        $h.Ip = "$($b[0]).$($b[1]).$($b[2]).2"
        New-LabContainer -Name $h.Container -HostName $h.Name -Bridge cni0 -Address "$($h.Ip)/24" -Gateway "$($b[0]).$($b[1]).$($b[2]).1"
    }
    function Get-FlannelState([string] $Namespace) {
        $fdb = @(& ip netns exec $Namespace bridge -j fdb show dev flannel.1 | ConvertFrom-Json) |
            Where-Object { $_.PSObject.Properties['dst'] } | ForEach-Object { "fdb $($_.mac) $($_.dst)" }
        $neigh = @(& ip -n $Namespace -j neigh show dev flannel.1 | ConvertFrom-Json) | ForEach-Object { "neigh $($_.dst) $($_.lladdr)" }
        $route = @(& ip -n $Namespace -j route show dev flannel.1 | ConvertFrom-Json) | Where-Object { $_.PSObject.Properties['gateway'] } |
            ForEach-Object { "route $($_.dst) via $($_.gateway) $(@($_.flags) -join ',')" }
        @(@($fdb) + @($neigh) + @($route) | Where-Object { $_ } | Sort-Object)
    }
    function Get-Mac([string] $Namespace) { (& ip -n $Namespace -j link show flannel.1 | ConvertFrom-Json)[0].address }
}

AfterAll {
    Get-OverlayAgent | Where-Object HostName -like "$prefix-*" | Stop-OverlayAgent
    Get-Job -Name "OverlayAgent-$prefix-*" -ErrorAction SilentlyContinue | Remove-Job -Force
    if ($store) { Stop-OverlayStore -Name $store.Name }
    Remove-Lab
}

Describe 'Flannel schema agents' {
    It 'create flannel.1 as flanneld does and take distinct /24 leases' {
        @($hosts.Subnet | Select-Object -Unique).Count | Should -Be 3
        foreach ($h in $hosts) {
            $h.Subnet | Should -Match '^10\.5\.\d+\.0/24$'
            $l = (& ip -n $h.Name -d -j link show flannel.1 | ConvertFrom-Json)[0]
            $l.linkinfo.info_data.id | Should -Be 1
            $l.linkinfo.info_data.local | Should -Be $h.Vtep
            $l.linkinfo.info_data.learning | Should -BeFalse
            (& ip -4 -n $h.Name -j addr show dev flannel.1 | ConvertFrom-Json)[0].addr_info.local | Should -Be ($h.Subnet -replace '/24$', '')
        }
    }

    It "writes each lease in flanneld's exact format" {
        foreach ($h in $hosts) {
            $key = "/coreos.com/network/subnets/$($h.Subnet -replace '/', '-')"
            Invoke-Etcdctl get $key --print-value-only | Select-Object -First 1 |
                Should -BeExactly ('{"PublicIP":"' + $h.Vtep + '","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"' + (Get-Mac $h.Name) + '"}}')
        }
    }

    It "programs every other lease, the hand-written flanneld one included, as seed 001 shows" {
        foreach ($h in $hosts) {
            $expected = @(foreach ($o in $hosts | Where-Object Name -ne $h.Name) {
                    $net = $o.Subnet -replace '/24$', ''
                    "fdb $(Get-Mac $o.Name) $($o.Vtep)"; "neigh $net $(Get-Mac $o.Name)"; "route $($o.Subnet) via $net onlink"
                }) + @('fdb 5e:f8:4f:00:e3:37 192.168.8.200', 'neigh 10.5.200.0 5e:f8:4f:00:e3:37', 'route 10.5.200.0/24 via 10.5.200.0 onlink') | Sort-Object
            Wait-Until { ((Get-FlannelState $h.Name) -join ';') -eq ($expected -join ';') } -TimeoutSeconds (2 * $Slack) -Because "$($h.Name)'s tables"
        }
    }

    It 'pings across the three hosts' {
        foreach ($from in $hosts) {
            foreach ($to in $hosts | Where-Object Name -ne $from.Name) {
                (Test-LabPing -From $from.Container -To $to.Ip).Success | Should -BeTrue -Because "$($from.Container) -> $($to.Ip)"
            }
        }
    }

    It 'a malformed lease is reported by key and the rest applied; a lease that goes takes its entries' {
        Invoke-Etcdctl put /coreos.com/network/subnets/10.5.201.0-24 '{"PublicIP":"nonsense"}' | Out-Null
        Invoke-Etcdctl put /coreos.com/network/subnets/10.5.202.0-24 '{"PublicIP":"192.168.8.202","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"5e:f8:4f:00:e3:38"}}' | Out-Null
        Invoke-Etcdctl del /coreos.com/network/subnets/10.5.200.0-24 | Out-Null
        $n0 = $hosts[0].Name
        Wait-Until { $s = Get-FlannelState $n0; ($s -contains 'route 10.5.202.0/24 via 10.5.202.0 onlink') -and -not ($s -match '10\.5\.200\.') } -TimeoutSeconds (1 * $Slack) -Because 'the good lease applied, the deleted one gone'
        $job = Get-Job -Name "OverlayAgent-$n0" | Select-Object -First 1
        Wait-Until { @($job.Warning | Where-Object Message -like '*/coreos.com/network/subnets/10.5.201.0-24*PublicIP*').Count -gt 0 } -TimeoutSeconds 5 -Because 'a warning naming the key'
    }

    It 'refuses a missing config and leaves the kernel untouched' {
        $ns = New-LabNamespace "$prefix-x"
        Add-IpAddress -NetNamespace $ns -InterfaceName lo -IPAddress 192.168.9.1/32 | Out-Null
        { Start-OverlayAgent -Schema Flannel -NetNamespace $ns -LocalAddress 192.168.9.1 -EtcdEndpoint $etcd -EtcdPrefix /nothing/here } |
            Should -Throw -ErrorId 'OverlayAgentStartFailed,OverlayNet.Commands.StartOverlayAgentCommand' -ExpectedMessage "*flannel's config is missing: no /nothing/here/config*"
        Get-IpLink -NetNamespace $ns -Name flannel.1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
