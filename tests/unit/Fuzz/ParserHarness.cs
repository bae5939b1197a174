using OverlayNet.Netlink.Netfilter;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Tests.Fuzz;

/// <summary>
/// Feeds one datagram to every parser the library has (links, addresses, routes, neighbours, FDB entries,
/// rules, bridge ports, nf_tables rules, errors) and lets only <see cref="NetlinkProtocolException"/>
/// escape: any other exception is a parser bug. A generic attribute walk checks that the enumerators always
/// make progress (every step consumes at least 4 bytes, so more steps than bytes means a loop).
/// </summary>
internal static class ParserHarness
{
    // Deep enough for every nest rtnetlink has (IFLA_LINKINFO > INFO_DATA > VETH_INFO_PEER > ...).
    // The typed accessors are not tried on every attribute here (each rejection costs an exception, which
    // made the run slow): AttributeAccessorTests covers every accessor at every value length instead.
    private const int MaxDepth = 5;

    public static void Run(byte[] datagram)
    {
        try
        {
            Parse(datagram);
        }
        catch (NetlinkProtocolException)
        {
            // The one acceptable way to reject malformed input.
        }
    }

    private static void Parse(byte[] datagram)
    {
        var links = new List<Link>();
        int messages = 0;
        foreach (NetlinkMessage m in new MessageEnumerator(datagram))
        {
            if (++messages > datagram.Length / Nl.HeaderLength) throw new StepBoundException("MessageEnumerator", datagram.Length);
            // Each parser on its own, so a rejection by one does not hide a crash in the next.
            try { if (LinkParser.Parse(m) is Link l) links.Add(l); }
            catch (NetlinkProtocolException) { }
            Guard(m, static m => RtnlClient.ParseAddress(m));
            Guard(m, static m => RtnlClient.ParseRoute(m));
            Guard(m, static m => RtnlClient.ParseNeighbor(m));
            Guard(m, static m => RtnlClient.ParseFdbEntry(m));
            Guard(m, static m => RtnlClient.ParseRule(m));
            Guard(m, static m => RtnlClient.ParseBridgePort(m));
            Guard(m, static m => NftClient.ParseRule(m));
            Guard(m, static m => NetlinkSocket.ParseError(m));
            // Attributes after the largest fixed header (ifinfomsg), and from the start for the others.
            Guard(m, static m => WalkAll(m.Payload.Length >= 16 ? m.Payload[16..] : m.Payload, 0));
            Guard(m, static m => WalkAll(m.Payload, 0));
        }
        LinkParser.ResolveNames(links);
    }

    private delegate void MessageWork(NetlinkMessage m);

    private static void Guard(NetlinkMessage m, MessageWork work)
    {
        try { work(m); }
        catch (NetlinkProtocolException) { }
    }

    /// <summary>Walks any bytes as attributes, nested as deep as they allow.</summary>
    private static void WalkAll(ReadOnlySpan<byte> attrs, int depth)
    {
        int steps = 0;
        foreach (NetlinkAttribute a in new AttributeEnumerator(attrs))
        {
            if (++steps > attrs.Length / 4) throw new StepBoundException("AttributeEnumerator", attrs.Length);
            // Descend where a nest is plausible (its first length fits), so that plain values, which would
            // only be rejected, do not cost an exception each; malformed nests further in are still walked.
            if (depth < MaxDepth && LooksNested(a.Value))
            {
                try { WalkAll(a.Value, depth + 1); }
                catch (NetlinkProtocolException) { }
            }
        }
    }

    private static bool LooksNested(ReadOnlySpan<byte> v) =>
        v.Length >= 4 && System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(v) is var len && len >= 4 && len <= v.Length;
}

/// <summary>An enumerator took more steps than its input has room for: it is not advancing.</summary>
internal sealed class StepBoundException(string what, int bytes)
    : Exception($"{what} took more steps than {bytes} bytes allow");
