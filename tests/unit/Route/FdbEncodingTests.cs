using System.Buffers.Binary;
using System.Net;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Tests.Support;

namespace OverlayNet.Netlink.Tests.Route;

/// <summary>
/// FDB and neighbour requests are encoded as bridge/fdb.c and ip/ipneigh.c encode them, and VXLAN specs
/// reject bad input before anything is encoded.
/// </summary>
public class FdbEncodingTests
{
    [Fact]
    public void Append_defaults_to_self_permanent_with_noarp()
    {
        var spec = new FdbEntrySpec { MacAddress = MacAddress.Parse("00:00:00:00:00:00"), InterfaceIndex = 7, Destination = IPAddress.Parse("192.168.8.101") };
        byte[] m = Messages.Written(w => RtnlClient.WriteFdbEntry(w, spec, FdbOperation.Append));
        Assert.Equal(Rtm.NEWNEIGH, BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(4)));
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(6));
        Assert.Equal(Nl.NLM_F_REQUEST | Nl.NLM_F_CREATE | Nl.NLM_F_APPEND, flags);
        // ndmsg: family AF_BRIDGE, ifindex 7, state NUD_NOARP|NUD_PERMANENT, flags NTF_SELF.
        Assert.Equal(AddressFamilies.Bridge, m[16]);
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(m.AsSpan(20)));
        Assert.Equal(Nud.NOARP | Nud.PERMANENT, BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(24)));
        Assert.Equal(Ntf.SELF, m[26]);
        // NDA_LLADDR (6 bytes, padded) then NDA_DST.
        Assert.Equal(Nda.LLADDR, BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(30)));
        Assert.Equal(Nda.DST, BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(42)));
        Assert.Equal(new byte[] { 192, 168, 8, 101 }, m.AsSpan(44, 4).ToArray());
    }

    [Theory]
    [InlineData(FdbOperation.Add, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL)]
    [InlineData(FdbOperation.Replace, Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE)]
    [InlineData(FdbOperation.Delete, 0)]
    public void Operations_use_iproute2_flags(FdbOperation op, int expected)
    {
        var spec = new FdbEntrySpec { MacAddress = MacAddress.Parse("02:00:00:00:00:01"), InterfaceIndex = 3, Master = true, State = FdbState.Static };
        byte[] m = Messages.Written(w => RtnlClient.WriteFdbEntry(w, spec, op));
        Assert.Equal(Nl.NLM_F_REQUEST | expected, BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(6)));
        Assert.Equal(Nud.NOARP | Nud.REACHABLE, BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(24)));
        Assert.Equal(Ntf.MASTER, m[26]);
    }

    [Fact]
    public void Port_is_network_order_and_vni_host_order()
    {
        var spec = new FdbEntrySpec { MacAddress = default, InterfaceIndex = 3, Port = 4790, Vni = 100, ViaIndex = 2 };
        byte[] m = Messages.Written(w => RtnlClient.WriteFdbEntry(w, spec, FdbOperation.Add));
        ushort? port = null; uint? vni = null, via = null;
        foreach (NetlinkAttribute a in new AttributeEnumerator(m.AsSpan(28)))
        {
            if (a.Type == Nda.PORT) port = a.U16BigEndian();
            else if (a.Type == Nda.VNI) vni = a.U32();
            else if (a.Type == Nda.IFINDEX) via = a.U32();
        }
        Assert.Equal((ushort)4790, port);
        Assert.Equal(100u, vni);
        Assert.Equal(2u, via);
    }

    [Theory]
    [InlineData(16777216, null, null)]
    [InlineData(1, "10.0.0.1", "239.1.1.1")]
    [InlineData(1, null, "10.1.1.1")]
    public void Vxlan_spec_rejects_bad_input(int vni, string? remote, string? group)
    {
        var spec = new VxlanLinkSpec("vx0")
        {
            Vni = vni, DeviceIndex = 2,
            Remote = remote == null ? null : IPAddress.Parse(remote),
            Group = group == null ? null : IPAddress.Parse(group),
        };
        Assert.Throws<ArgumentException>(spec.Validate);
    }
}
