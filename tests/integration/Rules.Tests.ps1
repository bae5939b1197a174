# Policy routing rules: each form through iproute2 in one namespace and OverlayNet in another, compared with `ip -j rule`.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    function Get-RuleState([string] $Namespace) {
        foreach ($family in '-4', '-6') {
            $text = ip -n $Namespace -j $family rule show
            if ("$text".Trim()) { "$text" | ConvertFrom-Json | ForEach-Object { $_ | ConvertTo-Json -Compress } }
        }
    }
}

Describe 'Rules, against iproute2' {
    BeforeEach { $nsIp, $nsOn = New-TestNamespace -Count 2 }
    AfterEach { Remove-TestNamespace $nsIp, $nsOn }

    It '<Case>' -ForEach @(
        @{ Case = 'from prefix, table'; Ip = 'from 10.0.2.0/24 table 100 priority 100'; Ours = @{ From = '10.0.2.0/24'; Table = '100'; Priority = 100 } }
        @{ Case = 'to host, default table main'; Ip = 'to 10.0.3.4 priority 200'; Ours = @{ To = '10.0.3.4'; Priority = 200 } }
        @{ Case = 'iif and oif'; Ip = 'iif v0 oif v1 table 7 priority 300'; Ours = @{ InputInterface = 'v0'; OutputInterface = 'v1'; Table = '7'; Priority = 300 } }
        @{ Case = 'fwmark with mask, big table'; Ip = 'fwmark 0x10/0xff table 1000 priority 400'; Ours = @{ FirewallMark = 0x10; FirewallMask = 0xff; Table = '1000'; Priority = 400 } }
        @{ Case = 'no priority given'; Ip = 'from 10.9.0.0/16 table 9'; Ours = @{ From = '10.9.0.0/16'; Table = '9' } }
        @{ Case = 'blackhole action'; Ip = 'from 10.8.0.0/16 blackhole priority 500'; Ours = @{ From = '10.8.0.0/16'; Action = 'Blackhole'; Priority = 500 } }
        @{ Case = 'IPv6 from prefix'; Ip = 'from fd00::/64 table 100 priority 100'; Ours = @{ From = 'fd00::/64'; Table = '100'; Priority = 100 } }
        @{ Case = 'l3mdev'; Ip = 'l3mdev priority 1000'; Ours = @{ L3MasterDevice = $true; Priority = 1000 } }
    ) {
        $family = if ($Ip -match ':') { '-6' } else { '-4' }
        & ip -n $nsIp $family rule add @($Ip -split ' ')
        $LASTEXITCODE | Should -Be 0
        $out = Add-IpRule -NetNamespace $nsOn @Ours -ErrorAction Stop
        $out | Should -Not -BeNullOrEmpty
        Get-RuleState $nsOn | Should -Be (Get-RuleState $nsIp)
    }

    It 'Remove-IpRule matches ip rule del, and Get-IpRule output pipes into it' {
        foreach ($ns in $nsIp, $nsOn) { ip -n $ns rule add from 10.0.2.0/24 table 100 pref 100; ip -n $ns rule add to 10.0.3.0/24 table 101 pref 101 }
        ip -n $nsIp rule del pref 100
        Remove-IpRule -NetNamespace $nsOn -Priority 100 -ErrorAction Stop
        Get-RuleState $nsOn | Should -Be (Get-RuleState $nsIp)
        ip -n $nsIp rule del pref 101
        Get-IpRule -NetNamespace $nsOn | Where-Object Table -eq 101 | Remove-IpRule -ErrorAction Stop
        Get-RuleState $nsOn | Should -Be (Get-RuleState $nsIp)
    }

    It 'reads back the fields' {
        ip -n $nsOn rule add from 10.0.2.0/24 to 10.0.3.0/24 iif v0 fwmark 7 table 100 pref 42
        $r = Get-IpRule -NetNamespace $nsOn -Priority 42
        $r.From | Should -Be '10.0.2.0/24'
        $r.To | Should -Be '10.0.3.0/24'
        $r.InputInterface | Should -Be 'v0'
        $r.FirewallMark | Should -Be 7
        $r.Table | Should -Be 100
        $r.Action | Should -Be 'Table'
        $r.NetNamespace | Should -Be $nsOn
    }

    It 'rejects a source of the wrong family and a table with l3mdev before sending anything' {
        { Add-IpRule -NetNamespace $nsOn -From 10.0.0.0/8 -AddressFamily IPv6 -ErrorAction Stop } | Should -Throw '*IPv6*'
        { Add-IpRule -NetNamespace $nsOn -L3MasterDevice -Table 10 -ErrorAction Stop } | Should -Throw '*l3mdev*'
    }
}
