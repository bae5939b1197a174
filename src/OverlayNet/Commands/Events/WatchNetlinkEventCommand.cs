using System.Management.Automation;
using OverlayNet.Netlink.Events;

namespace OverlayNet.Commands;

/// <summary>
/// <c>ip monitor</c> as a pipeline: one OverlayNet.NetlinkEvent per kernel change in one or more namespaces,
/// until Ctrl+C, -Timeout or -Count. The work is in OverlayNet.Netlink's NetlinkEventStream; this cmdlet
/// checks the input, merges the namespaces and filters by interface.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "NetlinkEvent")]
[OutputType(typeof(NetlinkEvent))]
public sealed class WatchNetlinkEventCommand : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private EventPump? _pump;

    /// <summary>What to watch; every type when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateSet("Link", "Address", "Route", "Neighbor", "Fdb", "Rule", "Miss", "All", IgnoreCase = true)]
    public string[]? Type { get; set; }

    /// <summary>Only events about interfaces whose name matches (wildcards); resyncs always pass.</summary>
    [Parameter]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    /// <summary>Namespaces to watch, all into one pipeline; the caller's own when omitted.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public string[]? NetNamespace { get; set; }

    /// <summary>Stop after this long (seconds or a TimeSpan).</summary>
    [Parameter]
    [TimeoutTransformation]
    public TimeSpan? Timeout { get; set; }

    /// <summary>Stop after this many events.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Count { get; set; }

    protected override void EndProcessing()
    {
        NetlinkEventTypes types = ParseTypes(Type);
        WildcardPattern? name = InterfaceName == null ? null : WildcardPattern.Get(InterfaceName, WildcardOptions.IgnoreCase);
        var namespaces = NetNamespace is { Length: > 0 }
            ? NetNamespace.Select(n => string.IsNullOrEmpty(n) ? null : n).Distinct().ToList()
            : [null];
        try
        {
            _pump = new EventPump(types, namespaces);
        }
        catch (Exception e) when (e is ArgumentException or Netlink.Interop.ErrnoException)
        {
            ThrowTerminatingError(Errors.Record(e, "WatchNetlinkEventFailed", NetNamespace, "Cannot watch netlink events"));
            return;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        if (Timeout is TimeSpan t) deadline.CancelAfter(t);
        int written = 0;
        while (_pump.Next(deadline.Token, ReportEnded) is NetlinkEvent e)
        {
            if (name != null && e.Action != NetlinkEventAction.Resync && !(e.InterfaceName is string n && name.IsMatch(n))) continue;
            WriteObject(e);
            if (Count is int max && ++written >= max) break;
        }
        Dispose();
    }

    private void ReportEnded(NetlinkEventStream stream, Exception failure) =>
        WriteError(Errors.Record(failure, "NetNamespaceGone", stream.NetNamespace, $"Stopped watching '{stream.NetNamespace}'"));

    /// <summary>-Type as the library's flags; no -Type (or All) is every type.</summary>
    internal static NetlinkEventTypes ParseTypes(string[]? names)
    {
        if (names == null || names.Length == 0) return NetlinkEventTypes.All;
        NetlinkEventTypes types = NetlinkEventTypes.None;
        foreach (string n in names) types |= Enum.Parse<NetlinkEventTypes>(n, ignoreCase: true);
        return types;
    }

    protected override void StopProcessing() => _stop.Cancel();

    public void Dispose()
    {
        _pump?.Dispose();
        _pump = null;
    }
}
