<#
    Should operators for network state, registered with Pester's Add-ShouldOperator. The value piped into
    Should is what is tested: a destination address for -BeReachable, a namespace name for the others.
    A failure message shows the kernel's tables of that namespace (as OverlayNet's table views print
    them), so a red test says what is there instead of "expected true".
#>

function Format-KernelTable([string] $Title, [object[]] $Rows) {
    # 120 columns: failure messages land in logs and CI output more often than in an 80-column terminal.
    $text = if ($Rows) { ($Rows | Format-Table | Out-String -Width 120).Trim("`r", "`n") } else { '  (empty)' }
    return "${Title}:`n$text"
}

$script:TableTitles = @{ Addresses = 'Addresses'; Routes = 'Routes'; Neighbors = 'Neighbours'; Fdb = 'FDB' }

function Get-NamespaceTables([string] $NetNamespace, [string[]] $Table) {
    <# The named tables of a namespace as text; a table that cannot be read says why instead. #>
    $where = if ($NetNamespace) { "namespace '$NetNamespace'" } else { "the caller's namespace" }
    $parts = foreach ($t in $Table) {
        try {
            $rows = switch ($t) {
                'Addresses' { Get-IpAddress -NetNamespace $NetNamespace -ErrorAction Stop }
                'Routes' { Get-IpRoute -NetNamespace $NetNamespace -ErrorAction Stop }
                'Neighbors' { Get-IpNeighbor -NetNamespace $NetNamespace -ErrorAction Stop }
                'Fdb' { Get-BridgeFdbEntry -NetNamespace $NetNamespace -ErrorAction Stop }
            }
            Format-KernelTable "$($script:TableTitles[$t]) in $where" @($rows)
        }
        catch { "${t} in ${where}: cannot be read: $($_.Exception.Message)" }
    }
    return $parts -join "`n`n"
}

function Format-Because([string] $Because) {
    if ($Because) { return ", because $($Because.Trim().TrimEnd('.'))," }
    return ''
}

function Test-NamespaceValue($ActualValue) {
    <# The piped value must name a namespace; returns a failure message or $null. #>
    if ($ActualValue -is [string] -and $ActualValue) {
        if (-not (Test-Path "/run/netns/$ActualValue") -and -not (Test-Path $ActualValue)) {
            return "Expected a network namespace, but '$ActualValue' is neither a name under /run/netns nor a namespace file."
        }
        return $null
    }
    return "Expected the name of a network namespace piped into Should (`$ns | Should ...), but got $(if ($null -eq $ActualValue) { '$null' } else { "[$($ActualValue.GetType().Name)] $ActualValue" })."
}

function ConvertTo-MacText([string] $Mac) {
    # Accepts aa-bb-... and upper case, as the cmdlets do; OverlayNet prints aa:bb:... lowercase.
    return $Mac.Trim().ToLowerInvariant().Replace('-', ':')
}

function Get-ExpectationText([hashtable] $Parts) {
    return (@($Parts.GetEnumerator() | Where-Object { $null -ne $_.Value -and "$($_.Value)" -ne '' } |
            Sort-Object Name | ForEach-Object { "$($_.Name) $($_.Value)" }) -join ', ')
}

function Should-BeReachable {
    <#
        '10.0.0.2' | Should -BeReachable -From $ns [-Within 5]: an ICMP echo from namespace -From (omitted: the
        caller's) gets a reply within -Within seconds (default 5; echo requests are repeated until then).
        With -Not: no reply comes back within -Within (default 1 s for -Not).
    #>
    param($ActualValue, [switch] $Negate, [string] $From, [double] $Within, [string] $Because, $CallerSessionState)
    $address = $null
    if (-not [System.Net.IPAddress]::TryParse("$ActualValue", [ref] $address)) {
        return [pscustomobject]@{ Succeeded = $false; FailureMessage = "Expected an IP address piped into Should -BeReachable, but got '$ActualValue'." }
    }
    if (-not $Within) { $Within = if ($Negate) { 1 } else { 5 } }
    $deadline = [DateTime]::UtcNow.AddSeconds($Within)
    $replied = $false; $sent = 0; $lastError = $null
    do {
        $timeout = [int][Math]::Max(100, [Math]::Min(1000, ($deadline - [DateTime]::UtcNow).TotalMilliseconds))
        $errors = $null
        $r = Test-IpConnectivity -Destination $address -NetNamespace $From -Count 1 -TimeoutMs $timeout -ErrorAction SilentlyContinue -ErrorVariable errors
        $sent++
        if ($errors) { $lastError = $errors[-1].Exception.Message }
        $replied = [bool](@($r) | Where-Object { "$($_.Status)" -eq 'Success' })
        # A refusal (no route) comes back at once: wait a little before asking again, not a busy loop.
        if (-not $replied -and $errors) { Start-Sleep -Milliseconds 200 }
    } while (-not $replied -and -not $Negate -and [DateTime]::UtcNow -lt $deadline)
    if ($Negate -and -not $replied) {
        # -Not: keep listening for the rest of -Within; any reply fails it.
        while (-not $replied -and [DateTime]::UtcNow -lt $deadline) {
            $r = Test-IpConnectivity -Destination $address -NetNamespace $From -Count 1 -TimeoutMs 300 -ErrorAction SilentlyContinue
            $sent++
            $replied = [bool](@($r) | Where-Object { "$($_.Status)" -eq 'Success' })
        }
    }

    $succeeded = if ($Negate) { -not $replied } else { $replied }
    if ($succeeded) { return [pscustomobject]@{ Succeeded = $true; FailureMessage = $null } }
    $fromText = if ($From) { "namespace '$From'" } else { "the caller's namespace" }
    $head = if ($Negate) {
        "Expected $address not to be reachable from $fromText$(Format-Because $Because) but it replied within $Within s."
    }
    else {
        $why = if ($lastError) { " The last attempt failed: $lastError" } else { '' }
        "Expected $address to be reachable from $fromText within $Within s$(Format-Because $Because) but none of $sent echo requests got a reply.$why"
    }
    $tables = Get-NamespaceTables $From 'Addresses', 'Routes', 'Neighbors', 'Fdb'
    return [pscustomobject]@{ Succeeded = $false; FailureMessage = "$head`n`n$tables" }
}

function Should-HaveFdbEntry {
    <# $ns | Should -HaveFdbEntry -MacAddress 00:00:00:00:00:00 [-InterfaceName vxlan0] [-Destination 192.168.8.101] [-Vni] [-State] #>
    param($ActualValue, [switch] $Negate, [string] $MacAddress, [string] $InterfaceName, [string] $Destination, [string] $Vni,
        [string] $State, [string] $Because, $CallerSessionState)
    $bad = Test-NamespaceValue $ActualValue
    if ($bad) { return [pscustomobject]@{ Succeeded = $false; FailureMessage = $bad } }
    if (-not $MacAddress) { return [pscustomobject]@{ Succeeded = $false; FailureMessage = 'Should -HaveFdbEntry needs -MacAddress.' } }
    $mac = ConvertTo-MacText $MacAddress
    $entries = @(Get-BridgeFdbEntry -NetNamespace $ActualValue)
    $match = @($entries | Where-Object {
            "$($_.MacAddress)" -eq $mac -and
            (-not $InterfaceName -or $_.InterfaceName -eq $InterfaceName) -and
            (-not $Destination -or "$($_.Destination)" -eq $Destination) -and
            (-not $Vni -or "$($_.Vni)" -eq $Vni) -and
            (-not $State -or "$($_.State)" -eq $State)
        })
    $found = $match.Count -gt 0
    if ($found -ne [bool]$Negate) { return [pscustomobject]@{ Succeeded = $true; FailureMessage = $null } }
    $what = Get-ExpectationText @{ MacAddress = $mac; InterfaceName = $InterfaceName; Destination = $Destination; Vni = $Vni; State = $State }
    $head = "Expected namespace '$ActualValue' $(if ($Negate) { 'not to have' } else { 'to have' }) an FDB entry with $what$(Format-Because $Because) but it $(if ($Negate) { 'does' } else { 'does not' })."
    return [pscustomobject]@{ Succeeded = $false; FailureMessage = "$head`n`n$(Format-KernelTable "FDB in namespace '$ActualValue'" $entries)" }
}

function Should-HaveRoute {
    <# $ns | Should -HaveRoute -DestinationPrefix 10.0.3.0/24 [-NextHop 192.168.3.3] [-InterfaceName eth0] [-Table main] #>
    param($ActualValue, [switch] $Negate, [string] $DestinationPrefix, [string] $NextHop, [string] $InterfaceName, [string] $Table,
        [string] $Because, $CallerSessionState)
    $bad = Test-NamespaceValue $ActualValue
    if ($bad) { return [pscustomobject]@{ Succeeded = $false; FailureMessage = $bad } }
    if (-not $DestinationPrefix) { return [pscustomobject]@{ Succeeded = $false; FailureMessage = 'Should -HaveRoute needs -DestinationPrefix.' } }
    $tableArgs = @{}
    if ($Table) { $tableArgs.Table = $Table }
    $routes = @(Get-IpRoute -NetNamespace $ActualValue @tableArgs)
    # "10.0.3.0/24", "default", or an address alone for a host route, as ip route prints them.
    $wanted = if ($DestinationPrefix -eq 'default' -or $DestinationPrefix.Contains('/')) { $DestinationPrefix } else { "$DestinationPrefix/$(if ($DestinationPrefix.Contains(':')) { 128 } else { 32 })" }
    $match = @($routes | Where-Object {
            ($_.DestinationPrefix -eq $wanted -or ($wanted -eq 'default' -and $_.DestinationPrefix -in '0.0.0.0/0', '::/0')) -and
            (-not $NextHop -or "$($_.NextHop)" -eq $NextHop -or (@($_.NextHops) | Where-Object { "$($_.NextHop)$($_.Gateway)" -eq $NextHop })) -and
            (-not $InterfaceName -or $_.InterfaceName -eq $InterfaceName)
        })
    $found = $match.Count -gt 0
    if ($found -ne [bool]$Negate) { return [pscustomobject]@{ Succeeded = $true; FailureMessage = $null } }
    $what = Get-ExpectationText @{ DestinationPrefix = $wanted; NextHop = $NextHop; InterfaceName = $InterfaceName; Table = $Table }
    $head = "Expected namespace '$ActualValue' $(if ($Negate) { 'not to have' } else { 'to have' }) a route with $what$(Format-Because $Because) but it $(if ($Negate) { 'does' } else { 'does not' })."
    $title = "Routes in namespace '$ActualValue'$(if ($Table) { " (table $Table)" })"
    return [pscustomobject]@{ Succeeded = $false; FailureMessage = "$head`n`n$(Format-KernelTable $title $routes)" }
}

function Should-HaveNeighbor {
    <# $ns | Should -HaveNeighbor -IPAddress 10.0.0.2 [-LinkLayerAddress aa:bb:...] [-InterfaceName eth0] [-State Permanent] #>
    param($ActualValue, [switch] $Negate, [string] $IPAddress, [string] $LinkLayerAddress, [string] $InterfaceName, [string] $State,
        [string] $Because, $CallerSessionState)
    $bad = Test-NamespaceValue $ActualValue
    if ($bad) { return [pscustomobject]@{ Succeeded = $false; FailureMessage = $bad } }
    if (-not $IPAddress) { return [pscustomobject]@{ Succeeded = $false; FailureMessage = 'Should -HaveNeighbor needs -IPAddress.' } }
    $lladdr = if ($LinkLayerAddress) { ConvertTo-MacText $LinkLayerAddress }
    $neighbors = @(Get-IpNeighbor -NetNamespace $ActualValue)
    $match = @($neighbors | Where-Object {
            "$($_.IPAddress)" -eq $IPAddress -and
            (-not $lladdr -or "$($_.LinkLayerAddress)" -eq $lladdr) -and
            (-not $InterfaceName -or $_.InterfaceName -eq $InterfaceName) -and
            # State is a set of NUD flags ("Permanent" or "Reachable, Router"...): the one asked for is among them.
            (-not $State -or (("$($_.State)" -split ',\s*') -contains $State))
        })
    $found = $match.Count -gt 0
    if ($found -ne [bool]$Negate) { return [pscustomobject]@{ Succeeded = $true; FailureMessage = $null } }
    $what = Get-ExpectationText @{ IPAddress = $IPAddress; LinkLayerAddress = $lladdr; InterfaceName = $InterfaceName; State = $State }
    $head = "Expected namespace '$ActualValue' $(if ($Negate) { 'not to have' } else { 'to have' }) a neighbour with $what$(Format-Because $Because) but it $(if ($Negate) { 'does' } else { 'does not' })."
    return [pscustomobject]@{ Succeeded = $false; FailureMessage = "$head`n`n$(Format-KernelTable "Neighbours in namespace '$ActualValue'" $neighbors)" }
}

function Register-OverlayNetShouldOperator {
    # Registered once per Pester session: an operator stays registered when this module is imported again
    # (-Force), and its test (this instance's function) keeps working, bound to the module that defined it.
    $registered = @(Get-ShouldOperator).Name
    foreach ($op in 'BeReachable', 'HaveFdbEntry', 'HaveRoute', 'HaveNeighbor') {
        if ($op -in $registered) { continue }
        Add-ShouldOperator -Name $op -Test (Get-Command "Should-$op" -CommandType Function).ScriptBlock
    }
}
