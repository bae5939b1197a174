<#
    Shared helpers for the Pester suites. Every test makes its own namespaces with New-TestNamespace and
    removes them in AfterAll/AfterEach with Remove-TestNamespace, so nothing is left in the caller's
    namespace, even when a test fails. Namespace names are unique per run (prefix "ont-").
#>

$script:Created = [System.Collections.Generic.List[string]]::new()
# Every name New-TestName handed out in this session, so a file can check at its end that none of its
# namespaces is left (names made by other runs on the same machine are not ours to judge).
$script:Issued = [System.Collections.Generic.HashSet[string]]::new()

function Import-OverlayNet {
    $path = if ($env:OVERLAYNET_MODULE) { $env:OVERLAYNET_MODULE } else { Join-Path $PSScriptRoot '../out/OverlayNet' }
    Import-Module (Join-Path $path 'OverlayNet.psd1') -Force -Global
}

function New-TestName([string] $Prefix = 'ont') {
    # Short enough for interface names too (15 bytes).
    $n = '{0}-{1}' -f $Prefix, ([guid]::NewGuid().ToString('N').Substring(0, 8))
    [void]$script:Issued.Add($n)
    return $n
}

function Get-LeftoverTestNamespace {
    <# Namespaces named by New-TestName in this session that still exist. #>
    return @($script:Issued | Where-Object { Test-Path "/run/netns/$_" })
}

function New-TestNamespace {
    param([int] $Count = 1, [switch] $LoopbackUp)
    $names = foreach ($i in 1..$Count) {
        $n = New-TestName 'ont'
        & ip netns add $n
        if ($LASTEXITCODE -ne 0) { throw "ip netns add $n failed" }
        $script:Created.Add($n)
        if ($LoopbackUp) { & ip -n $n link set lo up }
        $n
    }
    return $names
}

function Remove-TestNamespace {
    param([string[]] $Name)
    foreach ($n in $Name) {
        if (-not $n) { continue }
        if (Test-Path "/run/netns/$n") { & ip netns del $n 2>$null }
        [void]$script:Created.Remove($n)
    }
}

function Invoke-Ip {
    <# Runs iproute2 inside a namespace and returns its JSON output as objects: Invoke-Ip -Namespace NS ARGS... runs
       ip -n NS -j ARGS. A plain function on purpose: in an advanced one (any [Parameter] attribute), ip's -d would
       bind to the common parameter -Debug, ip would run without details, and every linkinfo read back would be
       $null, so differential checks of kind data would compare nothing with nothing. #>
    $namespace = $null
    $arguments = [System.Collections.Generic.List[string]]::new()
    for ($i = 0; $i -lt $args.Count; $i++) {
        if ("$($args[$i])" -eq '-Namespace') { $namespace = $args[++$i] } else { $arguments.Add("$($args[$i])") }
    }
    $args2 = @()
    if ($namespace) { $args2 += '-n', $namespace }
    $text = & ip @args2 -j @arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "ip $($args2 + $arguments -join ' ') failed: $text" }
    if (-not "$text".Trim()) { return @() }
    return ("$text" | ConvertFrom-Json)
}

function Wait-Until {
    <# Polls a condition with a deadline; never a fixed sleep. #>
    param([scriptblock] $Condition, [int] $TimeoutSeconds = 10, [string] $Because = 'condition')
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 50
    }
    throw "Timed out after $TimeoutSeconds s waiting for $Because."
}

function Get-WhatIfText {
    <# The "What if:" lines a script block prints. ShouldProcess writes them to the host, not to a stream, so
       they are read from a transcript: a -WhatIf test checks what the cmdlet said it would do, not only that
       nothing happened (which a cmdlet that does nothing at all would pass too). #>
    param([scriptblock] $Script)
    $file = [IO.Path]::GetTempFileName()
    try {
        Start-Transcript -Path $file -UseMinimalHeader | Out-Null
        try { & $Script | Out-Null } finally { Stop-Transcript | Out-Null }
        @(Get-Content $file | Where-Object { $_ -like 'What if:*' })
    }
    finally { Remove-Item $file -ErrorAction SilentlyContinue }
}

Export-ModuleMember -Function *
