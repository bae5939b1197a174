namespace OverlayNet.Forwarding;

/// <summary>Why packets were dropped, as counts (the threads add with interlocked operations).</summary>
public sealed class DropCounters
{
    internal long NoRouteCount, OversizeCount, MalformedCount, UnknownPeerCount, SendErrorCount;

    /// <summary>Packets from the TUN device whose destination matched no route (never sent anywhere).</summary>
    public long NoRoute => Interlocked.Read(ref NoRouteCount);
    /// <summary>Packets from the TUN device larger than the forwarder's MTU (answered with ICMP "too big").</summary>
    public long Oversize => Interlocked.Read(ref OversizeCount);
    /// <summary>Datagrams (or TUN packets) that are not one whole IPv4/IPv6 packet, or that the TUN refused.</summary>
    public long Malformed => Interlocked.Read(ref MalformedCount);
    /// <summary>Datagrams from an address that is the address of no route.</summary>
    public long UnknownPeer => Interlocked.Read(ref UnknownPeerCount);
    /// <summary>Datagrams the kernel refused to send (no route to the peer on the underlay, ...).</summary>
    public long SendError => Interlocked.Read(ref SendErrorCount);

    public override string ToString() =>
        $"NoRoute={NoRoute} Oversize={Oversize} Malformed={Malformed} UnknownPeer={UnknownPeer} SendError={SendError}";
}
