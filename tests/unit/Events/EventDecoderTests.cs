using System.Buffers.Binary;
using System.Net;
using OverlayNet.Netlink.Events;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Tests.Events;

/// <summary>
/// Notifications into typed events: the miss formats (one captured from a 6.18 kernel's vxlan driver), the
/// DEL messages the Get- parsers do not read by themselves, and what is not an event at all.
/// </summary>
public class EventDecoderTests
{
    // RTM_GETNEIGH payload from vxlan_fdb_miss on 6.18 (ping to a MAC with no FDB entry on vx0, ifindex 2):
    // ndmsg family AF_INET (not AF_BRIDGE), state STALE; NDA_LLADDR 02:00:00:00:00:04, NDA_VNI 0, NDA_CACHEINFO.
    private const string L2MissPayload =
        "0200000002000000040000010A000200020000000004000008000700000000001400030000000000F9A36766F9A3676600000000";

    private static readonly Dictionary<int, Link> VxlanAt2 = new() { [2] = new VxlanLink { Index = 2, Name = "vx0" } };

    private static EventDecoder.Decoded? Decode(ushort type, byte[] payload, IReadOnlyDictionary<int, Link>? links = null) =>
        EventDecoder.Decode(new NetlinkMessage(type, 0, 0, 0, payload), links ?? VxlanAt2);

    /// <summary>An ndmsg followed by attributes (type, value).</summary>
    private static byte[] Nd(byte family, int index, ushort state, byte flags, params (ushort Type, byte[] Value)[] attrs)
    {
        var bytes = new List<byte>(new byte[12]);
        bytes[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)[4..], index);
        BinaryPrimitives.WriteUInt16LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)[8..], state);
        bytes[10] = flags;
        foreach (var (t, v) in attrs)
        {
            var hdr = new byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(hdr, (ushort)(4 + v.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(hdr.AsSpan(2), t);
            bytes.AddRange(hdr);
            bytes.AddRange(v);
            while (bytes.Count % 4 != 0) bytes.Add(0);
        }
        return bytes.ToArray();
    }

    [Fact]
    public void L2_miss_as_the_kernel_sends_it_names_the_mac()
    {
        EventDecoder.Decoded? d = Decode(Rtm.GETNEIGH, Convert.FromHexString(L2MissPayload));
        Assert.NotNull(d);
        Assert.Equal(NetlinkEventType.L2Miss, d.Value.Type);
        var entry = Assert.IsType<BridgeFdbEntry>(d.Value.Obj);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:04"), entry.MacAddress);
        Assert.Equal(2, entry.InterfaceIndex);
        Assert.False(d.Value.Deleted);
    }

    [Fact]
    public void GETNEIGH_on_a_device_that_is_not_vxlan_is_a_neighbour_probe_not_a_miss()
    {
        var bridgeAt2 = new Dictionary<int, Link> { [2] = new BridgeLink { Index = 2, Name = "br0" } };
        Assert.Null(Decode(Rtm.GETNEIGH, Convert.FromHexString(L2MissPayload), bridgeAt2));
        Assert.Null(Decode(Rtm.GETNEIGH, Convert.FromHexString(L2MissPayload), new Dictionary<int, Link>()));
    }

    [Fact]
    public void L3_miss_names_the_ip()
    {
        byte[] p = Nd(AddressFamilies.Bridge, 2, Nud.STALE, 0, (Nda.DST, IPAddress.Parse("10.20.1.3").GetAddressBytes()),
            (Nda.VNI, BitConverter.GetBytes(0x1000000)));
        EventDecoder.Decoded? d = Decode(Rtm.GETNEIGH, p);
        Assert.NotNull(d);
        Assert.Equal(NetlinkEventType.L3Miss, d.Value.Type);
        var n = Assert.IsType<IpNeighbor>(d.Value.Obj);
        Assert.Equal(IPAddress.Parse("10.20.1.3"), n.IPAddress);
        Assert.Equal(2, n.InterfaceIndex);
        Assert.Null(n.LinkLayerAddress);
    }

    [Fact]
    public void DELNEIGH_of_the_bridge_family_is_a_deleted_fdb_entry()
    {
        byte[] p = Nd(AddressFamilies.Bridge, 2, Nud.PERMANENT | Nud.NOARP, Ntf.SELF,
            (Nda.LLADDR, MacAddress.Parse("02:00:00:00:00:0b").GetBytes()), (Nda.DST, IPAddress.Parse("192.0.2.1").GetAddressBytes()));
        EventDecoder.Decoded? d = Decode(Rtm.DELNEIGH, p);
        Assert.NotNull(d);
        Assert.Equal(NetlinkEventType.Fdb, d.Value.Type);
        Assert.True(d.Value.Deleted);
        var f = Assert.IsType<BridgeFdbEntry>(d.Value.Obj);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), f.Destination);
        Assert.Equal(FdbState.Permanent, f.State);
    }

    [Fact]
    public void NEWNEIGH_of_an_ip_family_is_a_neighbour()
    {
        byte[] p = Nd(AddressFamilies.Inet, 2, Nud.REACHABLE, 0,
            (Nda.DST, IPAddress.Parse("10.1.0.9").GetAddressBytes()), (Nda.LLADDR, MacAddress.Parse("02:00:00:00:00:09").GetBytes()));
        EventDecoder.Decoded? d = Decode(Rtm.NEWNEIGH, p);
        Assert.NotNull(d);
        Assert.Equal(NetlinkEventType.Neighbor, d.Value.Type);
        Assert.False(d.Value.Deleted);
        Assert.Equal(NeighborState.Reachable, Assert.IsType<IpNeighbor>(d.Value.Obj).State);
    }

    [Fact]
    public void Bridge_port_link_messages_are_not_link_events()
    {
        // ifinfomsg of family AF_BRIDGE: a port's bridge settings (a DELLINK of it only means "left the bridge").
        var p = new byte[16];
        p[0] = AddressFamilies.Bridge;
        BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(4), 3);
        Assert.Null(Decode(Rtm.DELLINK, p));
        Assert.Null(Decode(Rtm.NEWLINK, p));
    }

    [Fact]
    public void Truncated_message_raises_a_protocol_error()
    {
        Assert.Throws<NetlinkProtocolException>(() => Decode(Rtm.NEWNEIGH, new byte[5]));
    }
}
