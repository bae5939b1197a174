using System.Net;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Tests.Support;

namespace OverlayNet.Netlink.Tests.Route;

/// <summary>
/// The address parser over RTM_NEWADDR replies captured from a 6.18 kernel (see Captures/make-captures.sh:
/// 10.1.2.3/24 brd + and 10.1.2.4/24 label br0:x on br0, 10.9.9.1 peer 10.9.9.2/32 on veth1, fd00::1/64 nodad).
/// </summary>
public class AddressParserTests
{
    private const uint IFA_F_SECONDARY = 0x01, IFA_F_NODAD = 0x02, IFA_F_TENTATIVE = 0x40, IFA_F_PERMANENT = 0x80;

    private static IpAddress Parse(string file) =>
        RtnlClient.ParseAddress(Messages.Single(Captures.Single(file))) ?? throw new Xunit.Sdk.XunitException("not an address");

    [Fact]
    public void Loopback_v4()
    {
        IpAddress a = Parse("addr-127.0.0.1.hex");
        Assert.Equal(IPAddress.Parse("127.0.0.1"), a.IPAddress);
        Assert.Equal(8, a.PrefixLength);
        Assert.Equal(IpAddressFamily.IPv4, a.AddressFamily);
        Assert.Equal(Scope.Host, a.Scope);
        Assert.Equal(1, a.InterfaceIndex);
        Assert.Equal("lo", a.Label);
        Assert.Null(a.Peer);
        Assert.Equal("127.0.0.1/8", a.ToString());
    }

    [Fact]
    public void Loopback_v6()
    {
        IpAddress a = Parse("addr-__1.hex");
        Assert.Equal(IPAddress.IPv6Loopback, a.IPAddress);
        Assert.Equal(128, a.PrefixLength);
        Assert.Equal(IpAddressFamily.IPv6, a.AddressFamily);
        Assert.Equal(Scope.Host, a.Scope);
        Assert.Null(a.Label);
    }

    [Fact]
    public void Primary_with_broadcast()
    {
        IpAddress a = Parse("addr-10.1.2.3.hex");
        Assert.Equal(IPAddress.Parse("10.1.2.3"), a.IPAddress);
        Assert.Equal(24, a.PrefixLength);
        Assert.Equal(IPAddress.Parse("10.1.2.255"), a.Broadcast);
        Assert.Equal(Scope.Global, a.Scope);
        Assert.Equal(2, a.InterfaceIndex);
        Assert.Equal("br0", a.Label);
        Assert.False(a.Secondary);
        Assert.True((a.Flags & IFA_F_PERMANENT) != 0);
    }

    [Fact]
    public void Secondary_with_label()
    {
        IpAddress a = Parse("addr-10.1.2.4.hex");
        Assert.True(a.Secondary);
        Assert.Equal("br0:x", a.Label);
        Assert.Null(a.Broadcast);
    }

    [Fact]
    public void Point_to_point_has_a_peer()
    {
        IpAddress a = Parse("addr-10.9.9.1.hex");
        Assert.Equal(IPAddress.Parse("10.9.9.1"), a.IPAddress);
        Assert.Equal(IPAddress.Parse("10.9.9.2"), a.Peer);
        Assert.Equal(32, a.PrefixLength);
        Assert.Equal(3, a.InterfaceIndex);
    }

    [Fact]
    public void V6_flags_come_from_IFA_FLAGS()
    {
        IpAddress a = Parse("addr-fd00__1.hex");
        Assert.Equal(IPAddress.Parse("fd00::1"), a.IPAddress);
        Assert.Equal(64, a.PrefixLength);
        Assert.Equal(Scope.Global, a.Scope);
        Assert.True((a.Flags & IFA_F_NODAD) != 0);

        IpAddress ll = Parse("addr-fe80__ff_fe00_2.hex");
        Assert.Equal(Scope.Link, ll.Scope);
        Assert.True((ll.Flags & IFA_F_TENTATIVE) != 0);
    }

    [Fact]
    public void Whole_dump()
    {
        List<IpAddress> all = Messages.ParseAll(Captures.Lines("addr-dump.hex"), RtnlClient.ParseAddress);
        Assert.Equal(
            ["10.1.2.3/24", "10.1.2.4/24", "10.9.9.1/32", "127.0.0.1/8", "::1/128", "fd00::1/64", "fe80::ff:fe00:1/64", "fe80::ff:fe00:2/64"],
            all.Select(a => a.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Link_messages_are_skipped()
    {
        Assert.Null(RtnlClient.ParseAddress(Messages.Single(Captures.Single("link-lo.hex"))));
    }
}
