using System.Net;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Route.Tunnels;
using OverlayNet.Netlink.Tests.Support;

namespace OverlayNet.Netlink.Tests.Route;

/// <summary>
/// The kernel reports a tunnel with the same IFLA_IPTUN_/IFLA_GRE_/IFLA_VTI_ attributes iproute2 sends to
/// create it, so a create request (byte-equal to iproute2's, see IpTunnelEncoding.Tests.ps1) parsed as a
/// link must read back as the tunnel it describes. This kernel has no tunnel kinds to ask.
/// </summary>
public class IpTunnelParserTests
{
    private static IpTunnel RoundTrip(IpTunnelLinkSpec spec) =>
        Assert.IsType<IpTunnel>(LinkParser.Parse(Messages.Single(spec.EncodeRequest())));

    [Fact]
    public void Seed001GreReadsBackKeysChecksumsAndSequence()
    {
        IpTunnel t = RoundTrip(new IpTunnelLinkSpec("gre01", IpTunnelMode.Gre)
        {
            Remote = IPAddress.Parse("172.16.0.5"), Local = IPAddress.Parse("172.16.0.3"), Ttl = 255,
            InputKey = 0x111111, OutputKey = 0x222222, InputChecksum = true, OutputSequence = true,
        });
        Assert.Equal("gre", t.Kind);
        Assert.Equal(IpTunnelMode.Gre, t.Mode);
        Assert.Equal(IPAddress.Parse("172.16.0.5"), t.Remote);
        Assert.Equal(IPAddress.Parse("172.16.0.3"), t.Local);
        Assert.Equal((byte)255, t.Ttl);
        Assert.Equal(0x111111u, t.InputKey);
        Assert.Equal(0x222222u, t.OutputKey);
        Assert.True(t.InputChecksum);
        Assert.False(t.OutputChecksum);
        Assert.False(t.InputSequence);
        Assert.True(t.OutputSequence);
        Assert.True(t.PMtuDiscovery);
    }

    [Theory]
    [InlineData(IpTunnelMode.IpIp, "ipip")]
    [InlineData(IpTunnelMode.Sit, "sit")]
    [InlineData(IpTunnelMode.Isatap, "sit")]
    [InlineData(IpTunnelMode.GreTap, "gretap")]
    public void EveryIPv4ModeReadsBackItsModeAndPMtuDiscovery(IpTunnelMode mode, string kind)
    {
        IpTunnel t = RoundTrip(new IpTunnelLinkSpec("t1", mode) { Local = IPAddress.Parse("10.0.0.1"), PMtuDiscovery = false, Tos = 16 });
        Assert.Equal(kind, t.Kind);
        Assert.Equal(mode, t.Mode);
        Assert.False(t.PMtuDiscovery);
        Assert.Equal((byte)16, t.Tos);
        Assert.Null(t.Remote); // not sent: any
        Assert.Null(t.InputKey);
    }

    [Theory]
    [InlineData(IpTunnelMode.Ip6Ip6, "ip6tnl")]
    [InlineData(IpTunnelMode.Ip6Gre, "ip6gre")]
    [InlineData(IpTunnelMode.Ip6GreTap, "ip6gretap")]
    public void IPv6ModesCarryHopLimitAndTrafficClass(IpTunnelMode mode, string kind)
    {
        IpTunnel t = RoundTrip(new IpTunnelLinkSpec("t1", mode) { Remote = IPAddress.Parse("2001:db8::2"), Tos = 0x20 });
        Assert.Equal(kind, t.Kind);
        Assert.Equal(mode, t.Mode);
        Assert.Equal((byte)64, t.Ttl); // iproute2's default hop limit
        Assert.Equal((byte)0x20, t.Tos);
        Assert.Equal(IPAddress.Parse("2001:db8::2"), t.Remote);
        Assert.Null(t.PMtuDiscovery);
    }

    [Fact]
    public void VtiKeysHaveNoFlagsAndZeroIsNone()
    {
        IpTunnel t = RoundTrip(new IpTunnelLinkSpec("vti1", IpTunnelMode.Vti) { InputKey = 5 });
        Assert.Equal(IpTunnelMode.Vti, t.Mode);
        Assert.Equal(5u, t.InputKey);
        Assert.Null(t.OutputKey);
    }

    [Fact]
    public void ChangeFromReadBackKeepsEverything()
    {
        var spec = new IpTunnelLinkSpec("gre01", IpTunnelMode.Gre)
        {
            Remote = IPAddress.Parse("10.0.0.2"), InputKey = 1, OutputKey = 2, InputChecksum = true, Ttl = 64, DeviceIndex = 3,
        };
        byte[] again = IpTunnelLinkSpec.From(RoundTrip(spec)).EncodeRequest();
        Assert.Equal(spec.EncodeRequest(), again);
    }

    [Fact]
    public void TunInfoDataReadsBackModeOwnerAndFlags()
    {
        byte[] msg = Messages.NewLink(7, "tap0", "tun", w =>
        {
            w.AttrU32(1, 65534); // IFLA_TUN_OWNER
            w.AttrU8(3, 2);      // IFLA_TUN_TYPE = IFF_TAP
            w.AttrU8(4, 0);      // IFLA_TUN_PI
            w.AttrU8(6, 1);      // IFLA_TUN_PERSIST
            w.AttrU8(7, 1);      // IFLA_TUN_MULTI_QUEUE
        });
        TunTapLink t = Assert.IsType<TunTapLink>(LinkParser.Parse(Messages.Single(msg)));
        Assert.Equal(TunTapMode.Tap, t.Mode);
        Assert.Equal(65534, t.Owner);
        Assert.Null(t.Group);
        Assert.True(t.Persistent);
        Assert.True(t.MultiQueue);
        Assert.False(t.PacketInfo);
    }
}
