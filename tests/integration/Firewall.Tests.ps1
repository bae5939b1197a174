# Add-/Get-/Remove-NatMasquerade and -ForwardRule: nf_tables over netlink, checked against Debian's nft tool.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet

    # The nft CLI is the reference; a fresh machine gets it from Debian's package.
    $script:NoNft = $null
    if (-not (Get-Command nft -ErrorAction SilentlyContinue)) {
        $log = & apt-get install -y nftables 2>&1
        if ($LASTEXITCODE -ne 0 -or -not (Get-Command nft -ErrorAction SilentlyContinue)) {
            $script:NoNft = "the nft tool is missing and 'apt-get install -y nftables' failed: $($log | Select-Object -Last 1)"
        }
    }

    function Skip-WithoutNft { if ($script:NoNft) { Set-ItResult -Skipped -Because $script:NoNft } }

    function Invoke-Nft([string] $Namespace, [string] $Script) {
        $out = $Script | & ip netns exec $Namespace nft -f - 2>&1
        if ($LASTEXITCODE -ne 0) { throw "nft -f failed in ${Namespace}: $out" }
    }

    # `nft -j list ruleset` without the parts that differ between two namespaces (handles, metainfo).
    function Get-NftRuleset([string] $Namespace) {
        $json = & ip netns exec $Namespace nft -j list ruleset
        if ($LASTEXITCODE -ne 0) { throw "nft list ruleset failed in $Namespace" }
        $items = ($json | ConvertFrom-Json).nftables | Where-Object { -not $_.metainfo }
        foreach ($i in $items) { foreach ($p in $i.PSObject.Properties) { $p.Value.PSObject.Properties.Remove('handle') } }
        return ($items | ConvertTo-Json -Depth 20 -Compress)
    }

    function Get-NftText([string] $Namespace) { (& ip netns exec $Namespace nft list ruleset) -join "`n" }

    function New-VethInside([string] $Namespace, [string] $Name, [string] $Peer) {
        & ip -n $Namespace link add $Name type veth peer name $Peer
        if ($LASTEXITCODE -ne 0) { throw "veth $Name in $Namespace failed" }
    }
}

Describe 'Add-NatMasquerade matches nft' {
    BeforeAll { $ours, $theirs = New-TestNamespace -Count 2 }
    AfterAll { Remove-TestNamespace $ours, $theirs }

    It 'lists the seed 003 rule exactly as nft adds it' {
        Skip-WithoutNft
        $r = Add-NatMasquerade -NetNamespace $ours -SourcePrefix 10.233.0.0/16 -ExcludeDestinationPrefix 10.233.0.0/16
        $r.SourcePrefix | Should -Be '10.233.0.0/16'
        $r.ExcludeDestinationPrefix | Should -Be '10.233.0.0/16'
        $r.NetNamespace | Should -Be $ours
        $r.Handle | Should -BeGreaterThan 0
        Invoke-Nft $theirs @'
add table ip overlaynet
add chain ip overlaynet postrouting { type nat hook postrouting priority srcnat; }
add rule ip overlaynet postrouting ip saddr 10.233.0.0/16 ip daddr != 10.233.0.0/16 masquerade
'@
        Get-NftRuleset $ours | Should -Be (Get-NftRuleset $theirs)
        Get-NftText $ours | Should -Match 'ip saddr 10\.233\.0\.0/16 ip daddr != 10\.233\.0\.0/16 masquerade'
    }

    It 'lists -OutInterface and a non byte-aligned prefix as nft does' {
        Skip-WithoutNft
        New-VethInside $ours 'eth0' 'eth0p'
        New-VethInside $theirs 'eth0' 'eth0p'
        Add-NatMasquerade -NetNamespace $ours -SourcePrefix 10.233.0.0/17 -OutInterface eth0 | Out-Null
        Add-NatMasquerade -NetNamespace $ours -OutInterface eth0 | Out-Null
        Invoke-Nft $theirs @'
add rule ip overlaynet postrouting oifname "eth0" ip saddr 10.233.0.0/17 masquerade
add rule ip overlaynet postrouting oifname "eth0" masquerade
'@
        Get-NftRuleset $ours | Should -Be (Get-NftRuleset $theirs)
    }
}

Describe 'Add-ForwardRule matches nft' {
    BeforeAll {
        $ours, $theirs = New-TestNamespace -Count 2
        foreach ($ns in $ours, $theirs) { New-VethInside $ns 'vlan10' 'eth0' }
    }
    AfterAll { Remove-TestNamespace $ours, $theirs }

    It 'lists seed 004 forward rules, prefixes and drop exactly as nft adds them' {
        Skip-WithoutNft
        $r = Add-ForwardRule -NetNamespace $ours -InInterface vlan10 -OutInterface eth0 -ConnectionState Related, Established
        $r.ConnectionState | Should -Be ([OverlayNet.ConnectionState]'Related, Established')
        $r.Action | Should -Be 'Accept'
        Add-ForwardRule -NetNamespace $ours -InInterface vlan10 -OutInterface eth0 | Out-Null
        Add-ForwardRule -NetNamespace $ours -SourcePrefix 172.18.0.0/24 -DestinationPrefix 10.0.0.0/8 -Action Drop | Out-Null
        Add-ForwardRule -NetNamespace $ours -SourcePrefix 172.18.0.2 -DestinationPrefix 192.168.0.0/20 -InInterface 'veth*' | Out-Null
        Invoke-Nft $theirs @'
add table ip overlaynet
add chain ip overlaynet forward { type filter hook forward priority filter; }
add rule ip overlaynet forward iifname "vlan10" oifname "eth0" ct state related,established accept
add rule ip overlaynet forward iifname "vlan10" oifname "eth0" accept
add rule ip overlaynet forward ip saddr 172.18.0.0/24 ip daddr 10.0.0.0/8 drop
add rule ip overlaynet forward iifname "veth*" ip saddr 172.18.0.2 ip daddr 192.168.0.0/20 accept
'@
        Get-NftRuleset $ours | Should -Be (Get-NftRuleset $theirs)
    }
}

Describe 'Get- reads rules nft added to our table' {
    BeforeAll { $ns = New-TestNamespace }
    AfterAll { Remove-TestNamespace $ns }

    It 'parses masquerade and forward rules written with nft, and keeps unknown ones raw' {
        Skip-WithoutNft
        Invoke-Nft $ns @'
add table ip overlaynet
add chain ip overlaynet postrouting { type nat hook postrouting priority srcnat; }
add chain ip overlaynet forward { type filter hook forward priority filter; }
add rule ip overlaynet postrouting ip saddr 10.233.0.0/16 ip daddr != 10.233.0.0/16 masquerade
add rule ip overlaynet postrouting ip saddr 10.9.0.0/23 oifname "eth*" masquerade
add rule ip overlaynet postrouting ip saddr 10.8.0.0/16 counter masquerade
add rule ip overlaynet forward iifname "br0" ct state established,related accept
add rule ip overlaynet forward ip daddr 10.0.0.0/8 drop
add rule ip overlaynet forward ip saddr != 10.0.0.0/8 accept
'@
        $nat = @(Get-NatMasquerade -NetNamespace $ns)
        $nat.Count | Should -Be 3
        $nat[0].SourcePrefix | Should -Be '10.233.0.0/16'
        $nat[0].ExcludeDestinationPrefix | Should -Be '10.233.0.0/16'
        $nat[1].SourcePrefix | Should -Be '10.9.0.0/23'
        $nat[1].OutInterface | Should -Be 'eth*'
        $nat[2].Recognized | Should -BeFalse
        $nat[2].Expressions | Should -Contain 'masq'
        ($nat[2].Expressions -join ' ') | Should -Match '^payload load 2b @ network header \+ 12 => reg 1 cmp eq reg 1 0x0000080a counter'

        $fwd = @(Get-ForwardRule -NetNamespace $ns)
        $fwd.Count | Should -Be 3
        $fwd[0].InInterface | Should -Be 'br0'
        $fwd[0].ConnectionState | Should -Be ([OverlayNet.ConnectionState]'Established, Related')
        $fwd[1].DestinationPrefix | Should -Be '10.0.0.0/8'
        $fwd[1].Action | Should -Be 'Drop'
        $fwd[2].Recognized | Should -BeFalse

        @(Get-ForwardRule -NetNamespace $ns -Action Drop).Count | Should -Be 1
        @(Get-NatMasquerade -NetNamespace $ns -SourcePrefix 10.233.0.0/16).Count | Should -Be 1
    }

    It 'removes what it read, unknown rules included, by handle from the pipeline' {
        Skip-WithoutNft
        Get-NatMasquerade -NetNamespace $ns | Remove-NatMasquerade
        Get-ForwardRule -NetNamespace $ns | Remove-ForwardRule
        @(Get-NatMasquerade -NetNamespace $ns).Count | Should -Be 0
        @(Get-ForwardRule -NetNamespace $ns).Count | Should -Be 0
        Get-NftText $ns | Should -Not -Match 'masquerade|accept;.*\n.*accept|drop'
    }
}

Describe 'Remove- by parameters' {
    BeforeAll { $ns = New-TestNamespace }
    AfterAll { Remove-TestNamespace $ns }

    It 'removes only the rule the parameters spell out' {
        Add-NatMasquerade -NetNamespace $ns -SourcePrefix 10.233.0.0/16 -ExcludeDestinationPrefix 10.233.0.0/16 | Out-Null
        Add-NatMasquerade -NetNamespace $ns -SourcePrefix 10.233.0.0/16 | Out-Null
        Remove-NatMasquerade -NetNamespace $ns -SourcePrefix 10.233.0.0/16
        $left = @(Get-NatMasquerade -NetNamespace $ns)
        $left.Count | Should -Be 1
        $left[0].ExcludeDestinationPrefix | Should -Be '10.233.0.0/16'
    }

    It 'says ObjectNotFound when nothing matches' {
        Remove-ForwardRule -NetNamespace $ns -SourcePrefix 10.1.0.0/16 -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'changes nothing with -WhatIf' {
        $said = Get-WhatIfText { Add-ForwardRule -NetNamespace $ns -SourcePrefix 10.5.0.0/16 -WhatIf }
        $said | Should -Be "What if: Performing the operation `"Append rule 'ip saddr 10.5.0.0/16 accept'`" on target `"table ip overlaynet chain forward (namespace $ns)`"."
        @(Get-ForwardRule -NetNamespace $ns).Count | Should -Be 0
        $rule = Get-NatMasquerade -NetNamespace $ns
        $said = Get-WhatIfText { $rule | Remove-NatMasquerade -WhatIf }
        $said | Should -Be "What if: Performing the operation `"Remove rule (handle $($rule.Handle))`" on target `"table ip overlaynet chain postrouting: $rule (namespace $ns)`"."
        @(Get-NatMasquerade -NetNamespace $ns).Count | Should -Be 1
    }
}

Describe 'Bad input and faults' {
    BeforeEach { $ns = New-TestNamespace }
    AfterEach { Remove-TestNamespace $ns }

    It 'normalises a prefix with host bits, with a warning' {
        $r = Add-NatMasquerade -NetNamespace $ns -SourcePrefix 10.233.0.1/16 -WarningVariable warn -WarningAction SilentlyContinue
        $r.SourcePrefix | Should -Be '10.233.0.0/16'
        "$warn" | Should -Match 'host bits'
    }

    It 'rejects <Case> before sending anything' -TestCases @(
        @{ Case = 'a malformed prefix'; Params = @{ SourcePrefix = '10.233.0.0/33' }; Category = 'InvalidArgument' }
        @{ Case = 'a garbage prefix'; Params = @{ SourcePrefix = '10.2333.0.0/16' }; Category = 'InvalidArgument' }
        @{ Case = 'an IPv6 prefix'; Params = @{ SourcePrefix = 'fd00::/64' }; Category = 'InvalidArgument' }
        @{ Case = 'a /0 prefix'; Params = @{ ExcludeDestinationPrefix = '0.0.0.0/0' }; Category = 'InvalidArgument' }
        @{ Case = 'a missing interface'; Params = @{ OutInterface = 'nosuch0' }; Category = 'ObjectNotFound' }
        @{ Case = 'a bad interface name'; Params = @{ OutInterface = 'a/b' }; Category = 'InvalidArgument' }
    ) {
        param($Case, $Params, $Category)
        Add-NatMasquerade -NetNamespace $ns @Params -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be $Category
        # Nothing was sent: not even the table exists.
        & ip netns exec $ns nft list tables 2>$null | Should -BeNullOrEmpty
    }

    It 'refuses a duplicate rule with ResourceExists, naming the handle' {
        $first = Add-ForwardRule -NetNamespace $ns -ConnectionState Established
        Add-ForwardRule -NetNamespace $ns -ConnectionState Established -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        "$err" | Should -Match "handle $($first.Handle)"
    }

    It 'recreates the table after it was deleted behind our back; stale handles give a clear error' {
        Skip-WithoutNft
        $old = Add-NatMasquerade -NetNamespace $ns -SourcePrefix 10.233.0.0/16
        & ip netns exec $ns nft delete table ip overlaynet
        @(Get-NatMasquerade -NetNamespace $ns).Count | Should -Be 0
        $old | Remove-NatMasquerade -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$err" | Should -Match "no rule with handle $($old.Handle)"
        $new = Add-NatMasquerade -NetNamespace $ns -SourcePrefix 10.233.0.0/16
        $new.SourcePrefix | Should -Be '10.233.0.0/16'
        Get-NftText $ns | Should -Match 'type nat hook postrouting priority srcnat'
    }

    It 'applies a batch with a failing rule not at all (nf_tables transactions are atomic)' {
        Skip-WithoutNft
        Add-ForwardRule -NetNamespace $ns -InInterface lo | Out-Null
        $before = Get-NftRuleset $ns
        $client = [OverlayNet.Netlink.Netfilter.NftClient]::Open("/run/netns/$ns")
        try {
            $good = [OverlayNet.Netlink.Netfilter.NftRuleSpec]@{ Action = 'Drop'; Source = [OverlayNet.IpPrefix]::Parse('10.1.0.0/16') }
            # masquerade is only valid in a nat chain: the kernel refuses the third request of the batch.
            $bad = [OverlayNet.Netlink.Netfilter.NftRuleSpec]@{ Action = 'Masquerade' }
            $rules = [OverlayNet.Netlink.Netfilter.NftRuleSpec[]]@($good, $bad)
            $e = { $client.AddRules([OverlayNet.Netlink.Netfilter.NftChain]::FilterForward, $rules) } | Should -Throw -PassThru
            $e.Exception.InnerException.Errno | Should -Be 95
            $e.Exception.InnerException.Data['RequestIndex'] | Should -Be 3
        }
        finally { $client.Dispose() }
        Get-NftRuleset $ns | Should -Be $before
        @(Get-ForwardRule -NetNamespace $ns).Count | Should -Be 1
    }

    It 'keeps both rules when two processes add rules at once' {
        $module = Join-Path $env:OVERLAYNET_MODULE 'OverlayNet.psd1'
        if (-not $env:OVERLAYNET_MODULE) { $module = Join-Path $PSScriptRoot '../../out/OverlayNet/OverlayNet.psd1' }
        $work = {
            param($Module, $Ns, $Octet)
            Import-Module $Module
            foreach ($i in 1..25) { Add-ForwardRule -NetNamespace $Ns -SourcePrefix "10.$Octet.$i.0/24" -ErrorAction Stop | Out-Null }
        }
        $jobs = 1, 2 | ForEach-Object { Start-Job -ScriptBlock $work -ArgumentList $module, $ns, $_ }
        $jobs | Wait-Job -Timeout 120 | Out-Null
        $errors = $jobs | Receive-Job -ErrorAction SilentlyContinue -ErrorVariable jobErr
        $jobs | Remove-Job -Force
        $jobErr | Should -BeNullOrEmpty
        $rules = @(Get-ForwardRule -NetNamespace $ns)
        $rules.Count | Should -Be 50
        @($rules | Where-Object { -not $_.Recognized }).Count | Should -Be 0
        ($rules.SourcePrefix | Sort-Object -Unique).Count | Should -Be 50
    }
}
