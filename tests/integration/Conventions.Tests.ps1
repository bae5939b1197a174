# Conventions every cmdlet of the built module must follow (see the project conventions): [OutputType],
# a table view for its output, -WhatIf where it changes state, full help, completers on link and namespace
# parameters, and a manifest that exports exactly the compiled cmdlets. One test per cmdlet and rule.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $commands = @(Get-Command -Module OverlayNet -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
    # Every link kind the library declares ([LinkKind] on its model class), one entry per class.
    $linkKinds = @([OverlayNet.Netlink.Route.LinkKinds]::Types | ForEach-Object { @{ Name = $_.Name; Type = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $module = Get-Module OverlayNet
    $commonParameters = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name +
        [System.Management.Automation.Internal.ShouldProcessParameters].GetProperties().Name
    $changingVerbs = 'New', 'Add', 'Set', 'Remove', 'Clear', 'Enable', 'Disable', 'Move', 'Register', 'Unregister'

    function Get-OwnParameters($Command) {
        $Command.Parameters.Values | Where-Object { $_.Name -notin $commonParameters }
    }

    function Test-LinkOrNamespaceParameter($Command, $Parameter) {
        <# Whether a parameter names an existing link or namespace, so tab completion must offer them. #>
        switch ($Parameter.Name) {
            { $_ -in 'InterfaceName', 'NetNamespace', 'PeerNetNamespace' } { return $true }
            # -Master names a bridge or VRF, except where it is a flag (bridge fdb's `master`).
            'Master' { return $Parameter.ParameterType -ne [System.Management.Automation.SwitchParameter] }
            'Destination' { return $Command.Name -eq 'Move-IpLink' }
            'Name' {
                # An existing link (Get-IpLink -Name) or namespace (Remove-NetNamespace -Name); not a name
                # being created (New-VethLink -Name, Register-NetNamespace -Name).
                return $Command.Verb -notin 'New', 'Register' -and $Command.Noun -match 'Link$|IpTunnel$|NetNamespace$'
            }
        }
        return $false
    }
}

Describe '<Name>' -ForEach $commands {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
    }

    It 'declares [OutputType]' {
        $command.OutputType | Should -Not -BeNullOrEmpty -Because 'cmdlets that output nothing declare [OutputType(typeof(void))]'
    }

    It 'has a table view for every OverlayNet output type' {
        $types = @($command.OutputType.Type | Where-Object { $_ -and $_.FullName -like 'OverlayNet.*' })
        foreach ($t in $types) {
            $format = Get-FormatData -TypeName $t.FullName
            $format | Should -Not -BeNullOrEmpty -Because "$($t.FullName) needs a view in module/formats"
            @($format.FormatViewDefinition.Control | Where-Object { $_ -is [System.Management.Automation.TableControl] }) |
                Should -Not -BeNullOrEmpty -Because "$($t.FullName) needs a table view"
        }
    }

    It 'supports -WhatIf when it changes state' {
        if ($command.Verb -in $changingVerbs) {
            $command.Parameters.Keys | Should -Contain 'WhatIf'
            $command.Parameters.Keys | Should -Contain 'Confirm'
        }
    }

    It 'has a synopsis and a description' {
        "$($help.Synopsis)".Trim() | Should -Not -BeNullOrEmpty
        # Without help, PowerShell makes the synopsis from the syntax: that is not a synopsis.
        "$($help.Synopsis)".Trim() | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)" -Because 'help must come from module/help'
        (@($help.description.Text) -join "`n").Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $missing = foreach ($p in Get-OwnParameters $command) {
            $h = @($help.parameters.parameter | Where-Object name -eq $p.Name)
            if (-not $h -or -not (@($h[0].description.Text) -join '').Trim()) { $p.Name }
        }
        $missing | Should -BeNullOrEmpty -Because 'every parameter needs a ### -Param section in its help'
    }

    It 'has at least one example with code' {
        $examples = @($help.examples.example)
        $examples | Should -Not -BeNullOrEmpty
        foreach ($e in $examples) { "$($e.code)".Trim() | Should -Not -BeNullOrEmpty -Because "example '$($e.title)' needs code" }
    }

    It 'completes link and namespace parameters' {
        $missing = foreach ($p in Get-OwnParameters $command) {
            if (-not (Test-LinkOrNamespaceParameter $command $p)) { continue }
            if (-not ($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] })) { $p.Name }
        }
        $missing | Should -BeNullOrEmpty -Because 'these parameters name links or namespaces, which tab completion must offer'
    }
}

Describe 'Link kind <Name>' -ForEach $linkKinds {
    # A kind is declared once, on its class; these are the places that must then exist for it.
    BeforeAll {
        $cmdlets = @(Get-Command -Module OverlayNet -CommandType Cmdlet | Where-Object { $_.OutputType.Type -contains $Type })
        $helpDir = Join-Path $PSScriptRoot '../../module/help'
    }

    It 'has a Get- and a New- cmdlet that output it, each with its help file' {
        foreach ($verb in 'Get', 'New') {
            $c = @($cmdlets | Where-Object Verb -eq $verb)
            $c | Should -Not -BeNullOrEmpty -Because "$verb-<noun> with [OutputType(typeof($Name))] makes and reads this kind"
            foreach ($one in $c) { Join-Path $helpDir "$($one.Name).md" | Should -Exist }
        }
    }

    It 'has a table view' {
        $format = Get-FormatData -TypeName $Type.FullName
        @($format.FormatViewDefinition.Control | Where-Object { $_ -is [System.Management.Automation.TableControl] }) |
            Should -Not -BeNullOrEmpty -Because "$($Type.FullName) needs a table view in module/formats"
    }

    It 'is offered by tab completion of -Kind' {
        $offered = [OverlayNet.Commands.LinkKindCompleter]::new().CompleteArgument('Get-IpLink', 'Kind', '', $null, $null).CompletionText
        $declared = @([OverlayNet.Netlink.Route.LinkKinds]::All | Where-Object Type -eq $Type).Kind
        $declared | Should -Not -BeNullOrEmpty
        foreach ($k in $declared) { $offered | Should -Contain $k }
    }
}

Describe 'The module manifest' {
    It 'exports exactly the cmdlets in the dll' {
        $manifest = Import-PowerShellDataFile (Join-Path $module.ModuleBase 'OverlayNet.psd1')
        $inDll = foreach ($t in $module.ImplementingAssembly.GetExportedTypes()) {
            $a = [System.Reflection.CustomAttributeExtensions]::GetCustomAttribute($t, [System.Management.Automation.CmdletAttribute])
            if ($a -and -not $t.IsAbstract) { '{0}-{1}' -f $a.VerbName, $a.NounName }
        }
        @($manifest.CmdletsToExport | Sort-Object) | Should -Be @($inDll | Sort-Object)
        @((Get-Command -Module OverlayNet).Name | Sort-Object) | Should -Be @($inDll | Sort-Object)
    }
}

AfterAll {
    Get-LeftoverTestNamespace | Should -BeNullOrEmpty -Because 'every namespace this file made must be gone'
}
