using System.Management.Automation;
using System.Net;
using OverlayNet.Forwarding;

namespace OverlayNet.Commands;

/// <summary>Base of the cmdlets that act on a running forwarder, found by TUN name and namespace.</summary>
public abstract class TunForwarderCommandBase : OverlayNetCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string TunName { get; set; } = "";

    /// <summary>The forwarder, or a non-terminating error naming what was looked for (then null).</summary>
    private protected TunForwarderRegistry.Entry? FindOrWriteError()
    {
        TunForwarderRegistry.Entry? entry = null;
        try
        {
            entry = TunForwarderRegistry.Find(NamespacePath, TunName);
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            WriteFailure(e, "TunForwarderNotFound", TunName, "Find forwarder");
            return null;
        }
        if (entry == null)
            WriteError(new ErrorRecord(
                new ItemNotFoundException($"No forwarder runs for {Describe(TunName)} in this session."),
                "TunForwarderNotFound", ErrorCategory.ObjectNotFound, TunName));
        return entry;
    }
}

/// <summary>The forwarders this session runs, with per-peer counters and drops by reason.</summary>
[Cmdlet(VerbsCommon.Get, "TunForwarder")]
[OutputType(typeof(TunForwarder))]
public sealed class GetTunForwarderCommand : OverlayNetCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [SupportsWildcards]
    public string[]? TunName { get; set; }

    protected override void ProcessRecord()
    {
        string? path;
        try
        {
            path = NamespacePath;
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            WriteFailure(e, "TunForwarderNotFound", NetNamespace, "Get-TunForwarder");
            return;
        }
        bool namespaceGiven = MyInvocation.BoundParameters.ContainsKey(nameof(NetNamespace));
        var patterns = (TunName ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (TunForwarderRegistry.Entry e in TunForwarderRegistry.All())
        {
            // Without -NetNamespace every forwarder of the session is listed, whichever namespace it serves.
            if (namespaceGiven && e.NamespacePath != path) continue;
            if (patterns.Any(p => p.IsMatch(e.Engine.Options.TunName))) WriteObject(e.Snapshot());
        }
    }
}

/// <summary>Stops a forwarder and waits until its threads, sockets and TUN queues are gone.</summary>
[Cmdlet(VerbsLifecycle.Stop, "TunForwarder", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopTunForwarderCommand : TunForwarderCommandBase
{
    protected override void ProcessRecord()
    {
        TunForwarderRegistry.Entry? entry = FindOrWriteError();
        if (entry == null || !ShouldProcess(Describe(TunName), "Stop forwarder")) return;
        entry.Engine.Stop();
    }
}

/// <summary>Adds or replaces a subnet → peer route of a running forwarder.</summary>
[Cmdlet(VerbsCommon.Set, "TunForwarderRoute", SupportsShouldProcess = true)]
[OutputType(typeof(TunForwarderPeer))]
public sealed class SetTunForwarderRouteCommand : TunForwarderCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Subnet { get; set; } = "";

    [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    public IPAddress Address { get; set; } = IPAddress.None;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string target = $"{Subnet} via {Address} on {Describe(TunName)}";
        KeyValuePair<IpPrefix, IPAddress> pair;
        try
        {
            pair = RouteInput.Pair(Subnet, Address);
        }
        catch (ArgumentException e)
        {
            WriteFailure(e, "TunForwarderRouteInvalid", Subnet, "Set-TunForwarderRoute");
            return;
        }
        TunForwarderRegistry.Entry? entry = FindOrWriteError();
        if (entry == null || !ShouldProcess(target, "Set forwarder route")) return;
        Try("TunForwarderRouteInvalid", Subnet, $"Set route {target}", () =>
        {
            ForwarderRoute route = entry.Engine.SetRoute(pair.Key, pair.Value);
            if (PassThru) WriteObject(new TunForwarderPeer(route));
        });
    }
}

/// <summary>Removes a subnet's route from a running forwarder; its packets are then dropped as NoRoute.</summary>
[Cmdlet(VerbsCommon.Remove, "TunForwarderRoute", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveTunForwarderRouteCommand : TunForwarderCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Subnet { get; set; } = "";

    protected override void ProcessRecord()
    {
        if (!IpPrefix.TryParse(Subnet, out IpPrefix prefix, out string? error))
        {
            WriteFailure(new ArgumentException($"Subnet '{Subnet}': {error}."), "TunForwarderRouteInvalid", Subnet, "Remove-TunForwarderRoute");
            return;
        }
        TunForwarderRegistry.Entry? entry = FindOrWriteError();
        if (entry == null || !ShouldProcess($"{prefix.Network()} on {Describe(TunName)}", "Remove forwarder route")) return;
        if (!entry.Engine.Routes.Remove(prefix))
            WriteError(new ErrorRecord(new ItemNotFoundException($"The forwarder on {Describe(TunName)} has no route for {prefix.Network()}."),
                "TunForwarderRouteNotFound", ErrorCategory.ObjectNotFound, Subnet));
    }
}
