# The conceptual help topics about_OverlayNet and about_OverlayNet_Recipes: Get-Help finds them from the built
# module (the installed copy is checked in Packaging.Tests.ps1), they fit an 80-column terminal, cover every
# seed, and name only cmdlets, parameters and example labs that exist.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-OverlayNet
    $root = Join-Path $PSScriptRoot '../..'
    $topics = 'about_OverlayNet', 'about_OverlayNet_Recipes'
    $ownCommands = @(Get-Command -Module OverlayNet).Name + 'New-TestNetNamespace', 'Remove-TestNetNamespace'
}

Describe '<_>' -ForEach 'about_OverlayNet', 'about_OverlayNet_Recipes' {
    BeforeAll {
        $topic = $_
        $text = Get-Help $topic | Out-String
        $file = Join-Path (Get-Module OverlayNet).ModuleBase "en-US/$topic.help.txt"
    }

    It 'is found by Get-Help and ships in en-US' {
        $file | Should -Exist
        $text | Should -Match "TOPIC\s+$topic\b"
        $text | Should -Match 'SHORT DESCRIPTION'
    }

    It 'fits 80 columns' {
        @(Get-Content $file | Where-Object { $_.Length -gt 80 }) | Should -BeNullOrEmpty
    }

    It 'names only OverlayNet cmdlets that exist, with parameters they have' {
        # A command and its parameters, on one line or continued with a backtick.
        $pattern = '\b((?:New|Get|Set|Add|Remove|Enable|Disable|Move|Register|Test|Invoke|Import|Clear)-[A-Z]\w+)((?:(?:[ \t]+|[ \t]*`\r?\n[ \t]*)-\w+(?::\S+)?(?:[ \t]+(?![-`])[^\s`|]+(?:,[ \t]*[^\s`|]+)*)?)*)'
        $problems = foreach ($m in [regex]::Matches($text, $pattern)) {
            $name = $m.Groups[1].Value
            if ($name -in 'Import-Module', 'Get-Help', 'Get-Command', 'Import-Csv', 'Install-PSResource', 'Invoke-Pester') { continue }
            if ($name -notin $ownCommands) { "$name is not a command of OverlayNet"; continue }
            $command = Get-Command $name -ErrorAction Ignore
            if (-not $command) { continue }  # OverlayNet.Testing's (not imported here)
            foreach ($p in [regex]::Matches($m.Groups[2].Value, '(?<=\s)-(\w+)')) {
                $param = $p.Groups[1].Value
                try { $null = $command.ResolveParameter($param) } catch { "$name has no parameter -$param" }
            }
        }
        $problems | Should -BeNullOrEmpty
    }
}

Describe 'about_OverlayNet_Recipes' {
    It 'covers every seed and points at labs that exist' {
        $text = Get-Help about_OverlayNet_Recipes | Out-String
        foreach ($seed in '000', '001', '002', '003', '004') { $text | Should -Match "SEED $seed\b" }
        foreach ($lab in [regex]::Matches($text, 'examples/([\w-]+\.ps1)')) {
            Join-Path $root "examples/$($lab.Groups[1].Value)" | Should -Exist
        }
    }
}
