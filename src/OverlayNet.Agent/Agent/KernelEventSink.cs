using System.Threading.Channels;
using OverlayNet.Netlink.Events;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Agent.Agent;

/// <summary>
/// Where the agent's kernel-event stream writes: the stream's own thread hands each event to
/// <see cref="TryWrite"/>, which keeps the few that can be drift and drops the rest on the spot. A channel
/// read by an async loop woke a thread-pool thread for nearly every burst of the agent's own writes (two
/// notifications per entry), only to throw the events away; on a 2-core host that waking and the pool's
/// spinning before it sleeps again cost more than the writes. The stream is opened for the agent's device
/// (<see cref="NetlinkEventStream.InterfaceIndex"/>), so every event here is about that device or a Resync.
/// </summary>
internal sealed class KernelEventSink(Action<NetlinkEvent> drift) : ChannelWriter<NetlinkEvent>
{
    /// <summary>
    /// Keeps every deletion or change, a learned (not permanent) FDB entry, and a Resync (lost notifications);
    /// <see cref="KernelVtep.IsDrift"/> then tells the agent's own writes from someone else's.
    /// </summary>
    public override bool TryWrite(NetlinkEvent e)
    {
        if (e.Action is NetlinkEventAction.Deleted or NetlinkEventAction.Changed or NetlinkEventAction.Resync
            || (e.Action == NetlinkEventAction.New && e.Object is BridgeFdbEntry { State: not FdbState.Permanent }))
            drift(e);
        return true;
    }

    /// <summary>Never full: <see cref="TryWrite"/> always takes the event.</summary>
    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<bool>(cancellationToken) : new(true);
}
