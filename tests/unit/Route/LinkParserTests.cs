using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Tests.Support;

namespace OverlayNet.Netlink.Tests.Route;

/// <summary>
/// LinkParser over RTM_NEWLINK replies captured from a 6.18 kernel (Captures/make-captures.sh builds the
/// namespace: lo up; bridge br0 with stp_state 1, forward_delay 400, ageing_time 30000; veth0 (port of br0,
/// mtu 1450) paired with veth1 (alias "peer side"); vx0 whose peer vy0 lives in a second namespace).
/// The expected values are what <c>ip -d -j link show</c> printed for the same state.
/// </summary>
public class LinkParserTests
{
    private static Link ParseCapture(string name) =>
        LinkParser.Parse(Messages.Single(Captures.Single($"link-{name}.hex"))) ?? throw new Xunit.Sdk.XunitException("not a link");

    private static Dictionary<string, Link> Dump()
    {
        List<Link> links = Messages.ParseAll(Captures.Lines("link-dump.hex"), LinkParser.Parse);
        LinkParser.ResolveNames(links);
        return links.ToDictionary(l => l.Name);
    }

    [Fact]
    public void Loopback_is_a_plain_link()
    {
        Link lo = ParseCapture("lo");
        Assert.Equal(typeof(Link), lo.GetType());
        Assert.Equal("lo", lo.Name);
        Assert.Equal(1, lo.Index);
        Assert.Null(lo.Kind);
        Assert.Equal(65536, lo.Mtu);
        Assert.Equal(MacAddress.Zero, lo.MacAddress);
        Assert.Equal(AdminState.Up, lo.AdminState);
        Assert.Equal(OperState.Unknown, lo.OperState);
        Assert.True(lo.LowerUp);
        Assert.Equal(Iff.LOOPBACK | Iff.UP | Iff.LOWER_UP, lo.Flags & (Iff.LOOPBACK | Iff.UP | Iff.LOWER_UP));
        Assert.Equal(772, lo.LinkType); // ARPHRD_LOOPBACK
        Assert.Equal(1000, lo.TxQueueLength);
        Assert.Equal(0, lo.MasterIndex);
    }

    [Fact]
    public void Bridge_has_its_info_data()
    {
        var br = Assert.IsType<BridgeLink>(ParseCapture("br0"));
        Assert.Equal("bridge", br.Kind);
        Assert.Equal(2, br.Index);
        Assert.Equal(1450, br.Mtu); // lowered to its port's MTU
        Assert.Equal(MacAddress.Parse("02:00:00:00:0b:01"), br.MacAddress);
        Assert.Equal(AdminState.Up, br.AdminState);
        Assert.Equal(OperState.Down, br.OperState); // NO-CARRIER: its only port was still listening
        Assert.False(br.LowerUp);
        Assert.Equal(1, br.LinkType); // ARPHRD_ETHER
        Assert.True(br.StpEnabled);
        Assert.False(br.VlanFiltering);
        Assert.Equal(TimeSpan.FromSeconds(300), br.AgeingTime);
        Assert.Equal(TimeSpan.FromSeconds(4), br.ForwardDelay);
        Assert.Null(br.SlaveKind);
    }

    [Fact]
    public void Veth_port_of_a_bridge()
    {
        var v = Assert.IsType<VethLink>(ParseCapture("veth0"));
        Assert.Equal("veth", v.Kind);
        Assert.Equal("bridge", v.SlaveKind);
        Assert.Equal(4, v.Index);
        Assert.Equal(2, v.MasterIndex);
        Assert.Equal(3, v.ParentIndex);
        Assert.Null(v.LinkNetNsId);
        Assert.Equal(1450, v.Mtu);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:01"), v.MacAddress);
        Assert.Equal(OperState.Up, v.OperState);
        Assert.True(v.LowerUp);
        Assert.False(v.Promiscuous); // promiscuity 1 comes from the bridge, not from IFF_PROMISC set by a user
    }

    [Fact]
    public void Veth_with_alias()
    {
        var v = Assert.IsType<VethLink>(ParseCapture("veth1"));
        Assert.Equal("peer side", v.Alias);
        Assert.Equal(3, v.Index);
        Assert.Equal(4, v.ParentIndex);
        Assert.Equal(1500, v.Mtu);
        Assert.Equal(0, v.MasterIndex);
        Assert.Null(v.SlaveKind);
    }

    [Fact]
    public void Veth_whose_peer_is_in_another_namespace_has_a_netnsid()
    {
        var v = Assert.IsType<VethLink>(ParseCapture("vx0"));
        Assert.Equal(5, v.Index);
        Assert.Equal(0, v.LinkNetNsId);
        Assert.Equal(2, v.ParentIndex); // the peer's index in ITS namespace
        Assert.Equal(AdminState.Down, v.AdminState);
        Assert.Equal(OperState.Down, v.OperState);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:03"), v.MacAddress);
    }

    [Fact]
    public void Whole_dump_resolves_masters_and_peers_by_name()
    {
        Dictionary<string, Link> links = Dump();
        Assert.Equal(["br0", "lo", "veth0", "veth1", "vx0"], links.Keys.Order());
        var veth0 = (VethLink)links["veth0"];
        var veth1 = (VethLink)links["veth1"];
        var vx0 = (VethLink)links["vx0"];
        Assert.Equal("br0", veth0.Master);
        Assert.Equal("veth1", veth0.PeerName);
        Assert.Equal(3, veth0.PeerIndex);
        Assert.Equal("veth0", veth1.PeerName);
        Assert.Null(veth1.Master);
        // vx0's peer index 2 is br0's index here, but it names a link in another namespace.
        Assert.Null(vx0.PeerName);
        Assert.Equal(2, vx0.PeerIndex);
        Assert.Null(links["br0"].Master);
        Assert.Null(links["lo"].Parent);
    }

    [Fact]
    public void Dump_datagrams_end_with_NLMSG_DONE()
    {
        IReadOnlyList<byte[]> datagrams = Captures.Lines("link-dump.hex");
        var types = new List<ushort>();
        foreach (byte[] d in datagrams)
            foreach (NetlinkMessage m in new MessageEnumerator(d))
            {
                types.Add(m.Type);
                Assert.Equal(Nl.NLM_F_MULTI, m.Flags & Nl.NLM_F_MULTI);
                Assert.Equal(1u, m.Seq);
            }
        Assert.Equal(Nl.NLMSG_DONE, types[^1]);
        Assert.Equal(5, types.Count(t => t == Rtm.NEWLINK));
    }

    [Fact]
    public void Messages_of_other_types_are_skipped()
    {
        byte[] addr = Captures.Single("addr-127.0.0.1.hex");
        Assert.Null(LinkParser.Parse(Messages.Single(addr)));
    }

    [Fact]
    public void Unknown_kind_stays_a_plain_link_with_its_kind()
    {
        byte[] bytes = Messages.NewLink(9, "x0", "nosuchkind", w => w.AttrU32(1, 7));
        Link l = LinkParser.Parse(Messages.Single(bytes))!;
        Assert.Equal(typeof(Link), l.GetType());
        Assert.Equal("nosuchkind", l.Kind);
        Assert.Equal("x0", l.Name);
    }
}
