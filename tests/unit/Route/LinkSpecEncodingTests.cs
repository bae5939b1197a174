using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Tests.Support;

namespace OverlayNet.Netlink.Tests.Route;

/// <summary>
/// RTM_NEWLINK requests built from specs, byte for byte. Numbers come from the uapi headers:
/// rtnetlink.h RTM_NEWLINK = 16; netlink.h NLM_F_REQUEST 0x1, NLM_F_EXCL 0x200, NLM_F_CREATE 0x400,
/// NLA_F_NESTED 0x8000; if_link.h IFLA_ADDRESS 1, IFLA_IFNAME 3, IFLA_MTU 4, IFLA_LINK 5, IFLA_MASTER 10,
/// IFLA_TXQLEN 13, IFLA_LINKINFO 18 { IFLA_INFO_KIND 1, IFLA_INFO_DATA 2 }, IFLA_NET_NS_FD 28,
/// IFLA_BR_FORWARD_DELAY 1, IFLA_BR_AGEING_TIME 4, IFLA_BR_STP_STATE 5, IFLA_BR_VLAN_FILTERING 7;
/// veth.h VETH_INFO_PEER 1 (a struct ifinfomsg followed by the peer's IFLA_* attributes).
/// The *-request.hex captures hold what iproute2 sends for the same command; the equivalence tests compare
/// by meaning (see <see cref="AttributeTree"/>) because iproute2 differs in three harmless ways: no NUL after
/// IFLA_INFO_KIND, no NLA_F_NESTED on the nests, and another attribute order.
/// </summary>
public class LinkSpecEncodingTests
{
    private const ushort CreateExcl = Nl.NLM_F_CREATE | Nl.NLM_F_EXCL;

    private static byte[] Encode(LinkSpec spec) => Messages.Written(w => spec.Write(w, CreateExcl));

    [Fact]
    public void Veth_with_peer_in_another_namespace()
    {
        var spec = new VethLinkSpec("va", "vb") { PeerNetNamespaceFd = 4 };
        Assert.Equal(Hex.Parse("""
            60000000 1000 0106 00000000 00000000    # nlmsghdr: 96 bytes, RTM_NEWLINK, REQUEST|EXCL|CREATE
            00000000 00000000 00000000 00000000     # ifinfomsg, all zero (down)
            0700 0300 7661 00 00                    # IFLA_IFNAME "va"
            3800 1280                               # IFLA_LINKINFO (nested), 56 bytes
              0900 0100 76657468 00 000000          #   IFLA_INFO_KIND "veth"
              2800 0280                             #   IFLA_INFO_DATA (nested), 40 bytes
                2400 0180                           #     VETH_INFO_PEER, 36 bytes
                  00000000 00000000 00000000 00000000  #   the peer's ifinfomsg
                  0700 0300 7662 00 00              #       IFLA_IFNAME "vb"
                  0800 1c00 04000000                #       IFLA_NET_NS_FD 4
            """), Encode(spec));
    }

    [Fact]
    public void Veth_with_common_attributes_and_peer_mac()
    {
        var spec = new VethLinkSpec("v0", "v1")
        {
            Mtu = 1400, MacAddress = MacAddress.Parse("02:00:00:00:00:01"), TxQueueLength = 500, MasterIndex = 3,
            NetNamespaceFd = 9, Up = true, PeerMacAddress = MacAddress.Parse("02:00:00:00:00:02"),
        };
        Assert.Equal(Hex.Parse("""
            90000000 1000 0106 00000000 00000000    # 144 bytes
            00 00 0000 00000000 01000000 01000000   # ifinfomsg: flags = change = IFF_UP
            0700 0300 7630 00 00                    # IFLA_IFNAME "v0"
            0800 0400 78050000                      # IFLA_MTU 1400
            0a00 0100 020000000001 0000             # IFLA_ADDRESS
            0800 0d00 f4010000                      # IFLA_TXQLEN 500
            0800 0a00 03000000                      # IFLA_MASTER 3
            0800 1c00 09000000                      # IFLA_NET_NS_FD 9
            3c00 1280                               # IFLA_LINKINFO, 60 bytes
              0900 0100 76657468 00 000000
              2c00 0280                             #   IFLA_INFO_DATA, 44 bytes
                2800 0180                           #     VETH_INFO_PEER, 40 bytes
                  00000000 00000000 00000000 00000000
                  0700 0300 7631 00 00              #       IFLA_IFNAME "v1"
                  0a00 0100 020000000002 0000       #       IFLA_ADDRESS of the peer
            """), Encode(spec));
    }

    [Fact]
    public void Bridge_with_options()
    {
        var spec = new BridgeLinkSpec("br0")
        {
            StpEnabled = true, VlanFiltering = true,
            AgeingTime = TimeSpan.FromSeconds(300), ForwardDelay = TimeSpan.FromSeconds(4),
        };
        Assert.Equal(Hex.Parse("""
            5c000000 1000 0106 00000000 00000000
            00000000 00000000 00000000 00000000
            0800 0300 627230 00                     # IFLA_IFNAME "br0" (exactly 8 with the NUL)
            3400 1280                               # IFLA_LINKINFO, 52 bytes
              0b00 0100 627269646765 00 00          #   IFLA_INFO_KIND "bridge"
              2400 0280                             #   IFLA_INFO_DATA, 36 bytes
                0800 0100 90010000                  #     IFLA_BR_FORWARD_DELAY 400 (clock_t, 1/100 s)
                0800 0400 30750000                  #     IFLA_BR_AGEING_TIME 30000
                0800 0500 01000000                  #     IFLA_BR_STP_STATE 1
                0500 0700 01 000000                 #     IFLA_BR_VLAN_FILTERING 1 (u8)
            """), Encode(spec));
    }

    [Fact]
    public void Bridge_without_options_has_no_IFLA_INFO_DATA()
    {
        Assert.Equal(Hex.Parse("""
            38000000 1000 0106 00000000 00000000
            00000000 00000000 00000000 00000000
            0800 0300 627231 00
            1000 1280
              0b00 0100 627269646765 00 00
            """), Encode(new BridgeLinkSpec("br1")));
    }

    [Fact]
    public void Plain_kind_with_parent()
    {
        Assert.Equal(Hex.Parse("""
            40000000 1000 0106 00000000 00000000
            00000000 00000000 00000000 00000000
            0700 0300 6430 00 00
            0800 0500 02000000                      # IFLA_LINK 2
            1000 1280
              0a00 0100 64756d6d79 00 0000         #   IFLA_INFO_KIND "dummy"
            """), Encode(new PlainLinkSpec("d0", "dummy") { ParentIndex = 2 }));
    }

    [Fact]
    public void Veth_means_what_iproute2_sends()
    {
        byte[] ours = Encode(new VethLinkSpec("va", "vb") { PeerNetNamespaceFd = 4 });
        byte[] theirs = Captures.Single("iproute2-veth-request.hex");
        Assert.Equal(AttributeTree.OfNewLink(theirs, isVeth: true), AttributeTree.OfNewLink(ours, isVeth: true));
    }

    [Fact]
    public void Bridge_means_what_iproute2_sends()
    {
        byte[] ours = Encode(new BridgeLinkSpec("br0")
        {
            StpEnabled = true, AgeingTime = TimeSpan.FromSeconds(300), ForwardDelay = TimeSpan.FromSeconds(4),
        });
        byte[] theirs = Captures.Single("iproute2-bridge-request.hex");
        Assert.Equal(AttributeTree.OfNewLink(theirs, isVeth: false), AttributeTree.OfNewLink(ours, isVeth: false));
    }

    [Fact]
    public void Plain_bridge_differs_from_iproute2_only_in_the_kind_nul_and_nested_bit()
    {
        byte[] ours = Encode(new BridgeLinkSpec("br1"));
        byte[] theirs = Captures.Single("iproute2-bridge-plain-request.hex");
        Assert.Equal(AttributeTree.OfNewLink(theirs, isVeth: false), AttributeTree.OfNewLink(ours, isVeth: false));
        // Same size on the wire: "bridge" + NUL and "bridge" both pad to 12 bytes.
        Assert.Equal(theirs.Length, ours.Length);
    }

    [Theory]
    [InlineData("toolongname12345", "v1")]
    [InlineData("v0", "bad/name")]
    [InlineData("v0", "")]
    public void Veth_validation_checks_both_names(string name, string peer)
    {
        Assert.Throws<ArgumentException>(() => new VethLinkSpec(name, peer).Validate());
    }
}
