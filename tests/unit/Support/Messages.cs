using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Tests.Support;

internal static class Messages
{
    /// <summary>The one message a buffer holds (a ref struct over the array, so it can be returned).</summary>
    public static NetlinkMessage Single(byte[] datagram)
    {
        var e = new MessageEnumerator(datagram);
        Assert.True(e.MoveNext(), "no message in the buffer");
        NetlinkMessage m = e.Current;
        Assert.False(e.MoveNext(), "more than one message in the buffer");
        return m;
    }

    /// <summary>Runs a parser over every message of every datagram, as NetlinkSocket.Dump does (minus the socket).</summary>
    public static List<T> ParseAll<T>(IEnumerable<byte[]> datagrams, MessageParser<T> parse)
    {
        var items = new List<T>();
        foreach (byte[] d in datagrams)
            foreach (NetlinkMessage m in new MessageEnumerator(d))
                if (parse(m) is T item) items.Add(item);
        return items;
    }

    /// <summary>The attributes of a run as (type without flags, value copy) pairs, for assertions outside ref-struct scope.</summary>
    public static List<(ushort Type, byte[] Value)> AttributesOf(ReadOnlySpan<byte> attrs)
    {
        var list = new List<(ushort, byte[])>();
        foreach (NetlinkAttribute a in new AttributeEnumerator(attrs)) list.Add((a.Type, a.Value.ToArray()));
        return list;
    }

    /// <summary>The bytes a writer holds after <paramref name="write"/> ran on it.</summary>
    public static byte[] Written(Action<MessageWriter> write)
    {
        using var w = new MessageWriter(64);
        write(w);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>
    /// An RTM_NEWLINK as the kernel reports a link of <paramref name="kind"/>: index, name, and IFLA_LINKINFO
    /// with the kind and whatever <paramref name="infoData"/> writes into IFLA_INFO_DATA.
    /// </summary>
    public static byte[] NewLink(int index, string name, string kind, Action<MessageWriter> infoData) => Written(w =>
    {
        w.BeginMessage(Rtm.NEWLINK, 0);
        w.WriteStruct(new IfInfoMsg { Index = index });
        w.AttrString(Ifla.IFNAME, name);
        int info = w.BeginNested(Ifla.LINKINFO);
        w.AttrString(Ifla.INFO_KIND, kind);
        int data = w.BeginNested(Ifla.INFO_DATA);
        infoData(w);
        w.EndNested(data);
        w.EndNested(info);
        w.EndMessage();
    });
}
