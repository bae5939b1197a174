# Errors: bad input is refused with an error that names it and leaves nothing behind; errors carry fixed
# ErrorIds and the categories API.md maps; kernel refusals keep the kernel's words; -WhatIf changes
# nothing; without CAP_NET_ADMIN/CAP_SYS_ADMIN the error is PermissionDenied.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Differential.psm1') -Force
    Import-OverlayNet

    function Invoke-Quietly([scriptblock] $Run, [object[]] $Arguments) {
        <# Runs a case with errors collected rather than shown; binding errors are terminating, so catch those. #>
        $ErrorActionPreference = 'SilentlyContinue'
        try { & $Run @Arguments } catch { }
    }
}

Describe 'Bad input is refused, named, and leaves nothing behind' {
    BeforeAll {
        $ns, $other = New-TestNamespace -Count 2
        & ip -n $ns link add name v0 type veth peer name v1
        & ip -n $ns link add name br0 type bridge
        & ip -n $ns link add name br1 type bridge
        & ip -n $ns addr add 10.0.0.1/24 dev v0
    }
    AfterAll { Remove-TestNamespace $ns, $other }

    It '<Case>' -ForEach @(
        @{ Case = 'interface name of 16 bytes'; Id = 'NewVethLinkFailed'; Category = 'InvalidArgument'; Mentions = 'abcdefghijklmnop'
            Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name abcdefghijklmnop -PeerName p0 } }
        @{ Case = 'peer name of 16 bytes'; Id = 'NewVethLinkFailed'; Category = 'InvalidArgument'; Mentions = 'abcdefghijklmnop'
            Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name n0 -PeerName abcdefghijklmnop } }
        @{ Case = 'name of 8 characters but 16 bytes'; Id = 'NewBridgeLinkFailed'; Category = 'InvalidArgument'; Mentions = 'ääääääää'
            Run = { param($ns, $other) New-BridgeLink -NetNamespace $ns -Name 'ääääääää' } }
        @{ Case = 'name with /'; Id = 'NewVethLinkFailed'; Category = 'InvalidArgument'; Mentions = 'a/b'
            Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name a/b -PeerName p0 } }
        @{ Case = 'name with :'; Id = 'NewVethLinkFailed'; Category = 'InvalidArgument'; Mentions = 'a:b'
            Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name n0 -PeerName a:b } }
        @{ Case = 'name with a space'; Id = 'NewBridgeLinkFailed'; Category = 'InvalidArgument'; Mentions = 'br 9'
            Run = { param($ns, $other) New-BridgeLink -NetNamespace $ns -Name 'br 9' } }
        @{ Case = 'new name with /'; Id = 'SetIpLinkFailed'; Category = 'InvalidArgument'; Mentions = 'x/y'
            Run = { param($ns, $other) Set-IpLink -NetNamespace $ns -Name v0 -NewName x/y -Mtu 1400 } }
        @{ Case = 'unknown namespace'; Id = 'NewVethLinkFailed'; Category = 'ObjectNotFound'; Mentions = 'ont-absent-ns'
            Run = { param($ns, $other) New-VethLink -NetNamespace ont-absent-ns -Name n0 -PeerName p0 } }
        @{ Case = 'unknown peer namespace'; Id = 'NewVethLinkFailed'; Category = 'ObjectNotFound'; Mentions = 'ont-absent-ns'
            Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name n0 -PeerName p0 -PeerNetNamespace ont-absent-ns } }
        @{ Case = 'unknown namespace path'; Id = 'GetLinkFailed'; Category = 'ObjectNotFound'; Mentions = '/run/netns/ont-absent-ns'
            Run = { param($ns, $other) Get-IpLink -NetNamespace /run/netns/ont-absent-ns } }
        @{ Case = 'unknown destination namespace'; Id = 'MoveIpLinkFailed'; Category = 'ObjectNotFound'; Mentions = 'ont-absent-ns'
            Run = { param($ns, $other) Move-IpLink -NetNamespace $ns -Name v0 -Destination ont-absent-ns } }
        @{ Case = 'duplicate link'; Id = 'NewVethLinkFailed'; Category = 'ResourceExists'; Mentions = 'v0'; Pattern = 'exists'
            Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name v0 -PeerName p0 } }
        @{ Case = 'duplicate peer'; Id = 'NewVethLinkFailed'; Category = 'ResourceExists'; Mentions = "'v1'"; Pattern = 'exists'
            Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name n0 -PeerName v1 } }
        @{ Case = 'duplicate bridge'; Id = 'NewBridgeLinkFailed'; Category = 'ResourceExists'; Mentions = 'br0'; Pattern = 'exists'
            Run = { param($ns, $other) New-BridgeLink -NetNamespace $ns -Name br0 } }
        @{ Case = 'duplicate address'; Id = 'AddIpAddressFailed'; Category = 'ResourceExists'; Mentions = '10.0.0.1/24'
            Run = { param($ns, $other) Add-IpAddress -NetNamespace $ns v0 10.0.0.1/24 } }
        @{ Case = 'IPv6 peer for an IPv4 address'; Id = 'AddIpAddressFailed'; Category = 'InvalidArgument'; Mentions = 'fd00::1'
            Run = { param($ns, $other) Add-IpAddress -NetNamespace $ns v0 10.0.0.2/24 -Peer fd00::1 } }
        @{ Case = 'IPv4 broadcast for an IPv6 address'; Id = 'AddIpAddressFailed'; Category = 'InvalidArgument'; Mentions = 'fd00::2'
            Run = { param($ns, $other) Add-IpAddress -NetNamespace $ns v0 fd00::2/64 -Broadcast 10.0.0.255 } }
        @{ Case = 'bad MAC (Set-IpLink)'; Id = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Mentions = 'aa:bb'
            Run = { param($ns, $other) Set-IpLink -NetNamespace $ns -Name v0 -MacAddress aa:bb } }
        @{ Case = 'bad MAC (New-VethLink)'; Id = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Mentions = 'aa:bb'
            Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name n0 -PeerName p0 -MacAddress aa:bb } }
        @{ Case = 'prefix length 33'; Id = 'AddIpAddressFailed'; Category = 'InvalidArgument'; Mentions = '10.0.0.2/33'
            Run = { param($ns, $other) Add-IpAddress -NetNamespace $ns v0 10.0.0.2/33 } }
        @{ Case = '-PrefixLength 33 for IPv4'; Id = 'AddIpAddressFailed'; Category = 'InvalidArgument'; Mentions = '33'
            Run = { param($ns, $other) Add-IpAddress -NetNamespace $ns v0 10.0.0.2 -PrefixLength 33 } }
        @{ Case = 'not an address'; Id = 'AddIpAddressFailed'; Category = 'InvalidArgument'; Mentions = '10.0.0/24'
            Run = { param($ns, $other) Add-IpAddress -NetNamespace $ns v0 10.0.0/24 } }
        @{ Case = 'missing interface for Add-IpAddress'; Id = 'AddIpAddressFailed'; Category = 'ObjectNotFound'; Mentions = 'nosuch0'
            Run = { param($ns, $other) Add-IpAddress -NetNamespace $ns nosuch0 10.0.0.2/24 } }
        @{ Case = 'missing master'; Id = 'SetIpLinkFailed'; Category = 'ObjectNotFound'; Mentions = 'nosuch0'
            Run = { param($ns, $other) Set-IpLink -NetNamespace $ns -Name v0 -Master nosuch0 } }
        @{ Case = 'missing master at creation'; Id = 'NewVethLinkFailed'; Category = 'ObjectNotFound'; Mentions = 'nosuch0'
            Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name n0 -PeerName p0 -Master nosuch0 } }
        @{ Case = 'kernel refusal keeps the kernel''s text (Set-IpLink -Master)'; Id = 'SetIpLinkFailed'; Mentions = 'br1'; Pattern = 'Can not enslave a bridge to a bridge'
            Run = { param($ns, $other) Set-IpLink -NetNamespace $ns -Name br1 -Master br0 } }
        @{ Case = 'kernel refusal at creation leaves no link (New-BridgeLink -Master)'; Id = 'NewBridgeLinkFailed'; Mentions = 'br2'; Pattern = 'Can not enslave a bridge to a bridge'
            Run = { param($ns, $other) New-BridgeLink -NetNamespace $ns -Name br2 -Master br0 } }
        @{ Case = 'kernel refusal: enslaving to a veth'; Id = 'SetIpLinkFailed'; Category = 'NotImplemented'; Mentions = 'v0'; Pattern = 'Operation not supported'
            Run = { param($ns, $other) Set-IpLink -NetNamespace $ns -Name v0 -Master v1 } }
    ) {
        $before, $beforeOther = (Get-NamespaceFacts $ns), (Get-NamespaceFacts $other)
        $Error.Clear()
        Invoke-Quietly $Run $ns, $other | Should -BeNullOrEmpty
        $Error.Count | Should -Be 1
        $err = $Error[0]
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        if ($Category) { "$($err.CategoryInfo.Category)" | Should -Be $Category }
        "$err" | Should -Match ([regex]::Escape($Mentions))
        if ($Pattern) { "$err" | Should -Match $Pattern }
        Get-NamespaceFacts $ns | Should -Be $before
        Get-NamespaceFacts $other | Should -Be $beforeOther
    }
}

Describe 'A pipeline goes on past a bad input' {
    BeforeEach { $ns, $peerNs = New-TestNamespace -Count 2 }
    AfterEach { Remove-TestNamespace $ns, $peerNs }

    It 'creates 9 of 10 veths when the 5th is <Case>' -ForEach @(
        @{ Case = 'invalid'; Fifth = 'bad/name' }
        @{ Case = 'already there'; Fifth = 'taken0' }
    ) {
        & ip -n $ns link add name taken0 type veth peer name taken1
        $inputs = foreach ($i in 1..10) {
            [pscustomobject]@{ Name = $(if ($i -eq 5) { $Fifth } else { "e$i" }); PeerName = "f$i"; NetNamespace = $ns; PeerNetNamespace = $peerNs }
        }
        $created = $inputs | New-VethLink -ErrorVariable e -ErrorAction SilentlyContinue
        $created | Should -HaveCount 9
        $e | Should -HaveCount 1
        $e[0].TargetObject | Should -Be $Fifth
        "$($e[0])" | Should -Match ([regex]::Escape($Fifth))
        $expected = 1..10 | Where-Object { $_ -ne 5 }
        Get-LinkNames $ns | Should -Be (@('lo', 'taken0', 'taken1') + ($expected | ForEach-Object { "e$_" }) | Sort-Object)
        Get-LinkNames $peerNs | Should -Be (@('lo') + ($expected | ForEach-Object { "f$_" }) | Sort-Object)
    }
}

Describe 'Fixed ErrorIds' {
    BeforeAll {
        $ns = New-TestNamespace
        & ip -n $ns link add name v0 type veth peer name v1
    }
    AfterAll { Remove-TestNamespace $ns }

    It '<Command> fails with <Id>' -ForEach @(
        @{ Command = 'Get-IpLink'; Id = 'LinkNotFound'; Run = { param($ns) Get-IpLink -NetNamespace $ns -Name nosuch0 } }
        @{ Command = 'Set-IpLink'; Id = 'SetIpLinkFailed'; Run = { param($ns) Set-IpLink -NetNamespace $ns -Name nosuch0 -Mtu 1400 } }
        @{ Command = 'Enable-IpLink'; Id = 'EnableIpLinkFailed'; Run = { param($ns) Enable-IpLink -NetNamespace $ns -Name nosuch0 } }
        @{ Command = 'Disable-IpLink'; Id = 'DisableIpLinkFailed'; Run = { param($ns) Disable-IpLink -NetNamespace $ns -Name nosuch0 } }
        @{ Command = 'Remove-IpLink'; Id = 'RemoveIpLinkFailed'; Run = { param($ns) Remove-IpLink -NetNamespace $ns -Name nosuch0 } }
        @{ Command = 'Move-IpLink'; Id = 'MoveIpLinkFailed'; Run = { param($ns) Move-IpLink -NetNamespace $ns -Name nosuch0 -Destination $ns } }
        @{ Command = 'New-VethLink'; Id = 'NewVethLinkFailed'; Run = { param($ns) New-VethLink -NetNamespace $ns -Name v0 -PeerName p0 } }
        @{ Command = 'New-BridgeLink'; Id = 'NewBridgeLinkFailed'; Run = { param($ns) New-BridgeLink -NetNamespace $ns -Name v0 } }
        @{ Command = 'Add-IpAddress'; Id = 'AddIpAddressFailed'; Run = { param($ns) Add-IpAddress -NetNamespace $ns nosuch0 10.0.0.1/24 } }
        @{ Command = 'Remove-IpAddress'; Id = 'RemoveIpAddressFailed'; Run = { param($ns) Remove-IpAddress -NetNamespace $ns v0 10.0.0.1/24 } }
        @{ Command = 'Clear-IpAddress'; Id = 'ClearIpAddressFailed'; Run = { param($ns) Clear-IpAddress -NetNamespace $ns nosuch0 } }
        @{ Command = 'Get-IpAddress'; Id = 'GetIpAddressFailed'; Run = { param($ns) Get-IpAddress -NetNamespace $ns nosuch0 } }
        @{ Command = 'New-NetNamespace'; Id = 'NewNetNamespaceFailed'; Run = { param($ns) New-NetNamespace -Name $ns } }
        @{ Command = 'Remove-NetNamespace'; Id = 'RemoveNetNamespaceFailed'; Run = { param($ns) Remove-NetNamespace -Name ont-absent-ns } }
        @{ Command = 'Get-NetNamespace'; Id = 'NetNamespaceNotFound'; Run = { param($ns) Get-NetNamespace -Name ont-absent-ns } }
        @{ Command = 'Invoke-NetNamespace'; Id = 'NetNamespaceNotFound'; Run = { param($ns) Invoke-NetNamespace -Name ont-absent-ns { 1 } } }
        @{ Command = 'Test-IpConnectivity'; Id = 'TestIpConnectivityFailed'; Run = { param($ns) Test-IpConnectivity -NetNamespace ont-absent-ns 10.0.0.1 -Count 1 } }
    ) {
        $Error.Clear()
        Invoke-Quietly $Run $ns
        $Error.Count | Should -Be 1
        $Error[0].FullyQualifiedErrorId | Should -BeLike "$Id,OverlayNet.Commands.*"
    }
}

Describe '-WhatIf changes nothing' {
    BeforeAll {
        $ns, $other = New-TestNamespace -Count 2
        & ip -n $ns link add name v0 type veth peer name v1
        & ip -n $ns link add name br0 type bridge
        & ip -n $ns addr add 10.0.0.1/24 dev v0
    }
    AfterAll { Remove-TestNamespace $ns, $other }

    It '<Case>' -ForEach @(
        @{ Case = 'New-VethLink'; Run = { param($ns, $other) New-VethLink -NetNamespace $ns -Name n0 -PeerName p0 -PeerNetNamespace $other -Up -WhatIf } }
        @{ Case = 'New-BridgeLink'; Run = { param($ns, $other) New-BridgeLink -NetNamespace $ns -Name br9 -StpEnabled -WhatIf } }
        @{ Case = 'Set-IpLink'; Run = { param($ns, $other) Set-IpLink -NetNamespace $ns -Name v0 -Mtu 1400 -Master br0 -NewName v9 -WhatIf } }
        @{ Case = 'Enable-IpLink'; Run = { param($ns, $other) Enable-IpLink -NetNamespace $ns -Name v0 -WhatIf } }
        @{ Case = 'Remove-IpLink, piped'; Run = { param($ns, $other) Get-IpLink -NetNamespace $ns -Kind veth | Remove-IpLink -WhatIf } }
        @{ Case = 'Move-IpLink'; Run = { param($ns, $other) Move-IpLink -NetNamespace $ns -Name v0 -Destination $other -WhatIf } }
        @{ Case = 'Add-IpAddress'; Run = { param($ns, $other) Add-IpAddress -NetNamespace $ns v0 10.0.0.9/24 -WhatIf } }
        @{ Case = 'Remove-IpAddress, piped'; Run = { param($ns, $other) Get-IpAddress -NetNamespace $ns | Remove-IpAddress -WhatIf } }
        @{ Case = 'Clear-IpAddress'; Run = { param($ns, $other) Clear-IpAddress -NetNamespace $ns v0 -WhatIf } }
        @{ Case = 'Remove-NetNamespace'; Run = { param($ns, $other) Remove-NetNamespace -Name $other -WhatIf } }
    ) {
        $before, $beforeOther = (Get-NamespaceFacts $ns), (Get-NamespaceFacts $other)
        & $Run $ns $other -ErrorAction Stop | Should -BeNullOrEmpty
        Get-NamespaceFacts $ns | Should -Be $before
        Get-NamespaceFacts $other | Should -Be $beforeOther
        Test-Path "/run/netns/$other" | Should -BeTrue
    }

    It 'New-NetNamespace' {
        $name = New-TestName
        New-NetNamespace -Name $name -WhatIf | Should -BeNullOrEmpty
        Test-Path "/run/netns/$name" | Should -BeFalse
    }
}

Describe 'Without CAP_NET_ADMIN and CAP_SYS_ADMIN' {
    BeforeAll {
        $ns = New-TestNamespace
        & ip -n $ns link add name v0 type veth peer name v1
        $child = @'
param($ModulePath, $Namespace, $NewName)
Import-Module (Join-Path $ModulePath 'OverlayNet.psd1')
$results = @(
    New-VethLink -NetNamespace $Namespace -Name n0 -PeerName p0 -ErrorVariable e1 -ErrorAction SilentlyContinue
    New-NetNamespace -Name $NewName -ErrorVariable e2 -ErrorAction SilentlyContinue
)
@($e1) + @($e2) | ForEach-Object {
    [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Category = "$($_.CategoryInfo.Category)"; Message = "$_" }
} | ConvertTo-Json -AsArray -Compress
'@
        $script = Join-Path ([IO.Path]::GetTempPath()) "ont-nocaps-$PID.ps1"
        Set-Content -Path $script -Value $child
    }
    AfterAll {
        Remove-Item $script -ErrorAction SilentlyContinue
        Remove-TestNamespace $ns
    }

    It 'reports PermissionDenied naming the input, and creates nothing' {
        $module = if ($env:OVERLAYNET_MODULE) { $env:OVERLAYNET_MODULE } else { Join-Path $PSScriptRoot '../../out/OverlayNet' }
        $newName = New-TestName
        $before = Get-NamespaceFacts $ns
        # Dropped from the bounding and inheritable sets, so the exec'd root process has neither capability.
        Push-Location (Join-Path $PSScriptRoot '../..')   # where dotnet finds the pwsh tool
        try {
            $json = & setpriv --bounding-set=-net_admin,-sys_admin --inh-caps=-net_admin,-sys_admin -- `
                dotnet pwsh -NoProfile -NonInteractive -File $script -ModulePath $module -Namespace $ns -NewName $newName
        }
        finally { Pop-Location }
        $errors = "$json" | ConvertFrom-Json
        $errors | Should -HaveCount 2
        $errors[0].Id | Should -BeLike 'NewVethLinkFailed,*'
        $errors[0].Category | Should -Be 'PermissionDenied'
        $errors[0].Message | Should -Match "'n0'"
        $errors[1].Id | Should -BeLike 'NewNetNamespaceFailed,*'
        $errors[1].Category | Should -Be 'PermissionDenied'
        $errors[1].Message | Should -Match ([regex]::Escape($newName))
        Get-NamespaceFacts $ns | Should -Be $before
        Test-Path "/run/netns/$newName" | Should -BeFalse
    }
}

AfterAll {
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
