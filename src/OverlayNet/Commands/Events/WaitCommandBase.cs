using System.Management.Automation;
using OverlayNet.Netlink.Events;

namespace OverlayNet.Commands;

/// <summary>
/// Shared loop of the Wait- cmdlets: subscribe first, then look at the state read right after subscribing,
/// then at each change, until the condition holds (output the object), -Timeout passes (an OperationTimeout
/// error naming what was awaited and what was seen last) or Ctrl+C. Nothing polls and nothing sleeps, and a
/// change between the subscription and the first look is not lost.
/// </summary>
public abstract class WaitCommandBase : OverlayNetCmdlet
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>How long to wait (seconds or a TimeSpan); 30 seconds when omitted.</summary>
    [Parameter]
    [TimeoutTransformation]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The table whose objects the condition is about.</summary>
    protected abstract NetlinkEventType Table { get; }
    /// <summary>The awaited state in words: "link 'veth0' to be Up".</summary>
    protected abstract string What { get; }
    /// <summary>Checks the input before anything is subscribed; throws ArgumentException.</summary>
    protected virtual void Validate() { }
    /// <summary>Whether an object is the one awaited (same name, same address...), whatever its state.</summary>
    protected abstract bool IsCandidate(object obj);
    /// <summary>Whether the candidate is in the awaited state.</summary>
    protected abstract bool IsSatisfied(object obj);
    /// <summary>A state the awaited one can no longer come from (an address that failed DAD); null if none.</summary>
    protected virtual string? HopelessReason(object obj) => null;

    protected override void ProcessRecord()
    {
        try
        {
            Validate();
            object? found = WaitForIt();
            if (found != null) WriteObject(found);
        }
        catch (TimeoutException e)
        {
            WriteFailure(e, "WaitTimeout", Target, MyInvocation.MyCommand.Name);
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            WriteFailure(e, "WaitFailed", Target, $"Cannot wait for {What}");
        }
    }

    /// <summary>What an error record names as its target.</summary>
    protected abstract object Target { get; }

    private object? WaitForIt()
    {
        using var pump = new EventPump(TypeFlag(Table), [NetNamespace]);
        string? lastSeen = null;
        foreach (object o in pump.Streams[0].InitialState(Table))
        {
            if (!IsCandidate(o)) continue;
            if (Check(o, ref lastSeen)) return o;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        deadline.CancelAfter(Timeout);
        Exception? streamFailure = null;
        while (pump.Next(deadline.Token, (_, failure) => streamFailure = failure) is NetlinkEvent e)
        {
            if (e.Type != Table || e.Object == null || !IsCandidate(e.Object)) continue;
            if (e.Action == NetlinkEventAction.Deleted)
            {
                lastSeen = "deleted: " + e.Detail;
                continue;
            }
            if (Check(e.Object, ref lastSeen)) return e.Object;
        }
        if (streamFailure != null) throw streamFailure;
        if (_stop.IsCancellationRequested) return null; // Ctrl+C: stop quietly
        throw new TimeoutException($"Timed out after {Seconds(Timeout)} waiting for {Describe(What)}; "
            + (lastSeen == null ? "it was never seen." : $"last seen: {lastSeen}."));
    }

    private bool Check(object o, ref string? lastSeen)
    {
        lastSeen = new NetlinkEvent { Object = o, Type = Table }.Detail;
        if (IsSatisfied(o)) return true;
        if (HopelessReason(o) is string why) throw new InvalidOperationException($"{Describe(What)} will not happen: {why} ({lastSeen}).");
        return false;
    }

    private static string Seconds(TimeSpan t) =>
        t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

    private static NetlinkEventTypes TypeFlag(NetlinkEventType t) => t switch
    {
        NetlinkEventType.Link => NetlinkEventTypes.Link,
        NetlinkEventType.Address => NetlinkEventTypes.Address,
        _ => NetlinkEventTypes.Neighbor,
    };

    protected override void StopProcessing() => _stop.Cancel();
}
