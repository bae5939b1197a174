using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Tests.Route;

/// <summary>The kind registry derived from [LinkKind]: what completion and the kernel tier read from it.</summary>
public class LinkKindsTests
{
    [Fact]
    public void Every_kind_the_parser_knows_is_listed_once_with_its_class_and_module()
    {
        Assert.Equal(LinkKinds.Names.Distinct().Count(), LinkKinds.Names.Count);
        Assert.Equal(LinkKinds.Names.Order(StringComparer.Ordinal), LinkKinds.Names);
        Assert.All(LinkKinds.All, k => Assert.True(typeof(Link).IsAssignableFrom(k.Type), k.Kind));
        Assert.Equal(typeof(VlanLink), LinkKinds.All.Single(k => k.Kind == "vlan").Type);
        // Kinds not named like their module say which one provides them.
        Assert.Equal("8021q", LinkKinds.All.Single(k => k.Kind == "vlan").KernelModule);
        Assert.Equal("ip_gre", LinkKinds.All.Single(k => k.Kind == "gretap").KernelModule);
        Assert.Equal("veth", LinkKinds.All.Single(k => k.Kind == "veth").KernelModule);
    }

    [Fact]
    public void Kernel_modules_are_each_listed_once()
    {
        Assert.Equal(
            ["8021q", "bridge", "dummy", "ip6_gre", "ip6_tunnel", "ip_gre", "ip_vti", "ipip", "ipvlan", "macvlan", "sit", "tun", "veth", "vrf", "vxlan"],
            LinkKinds.KernelModules);
        // One class for the eight IP tunnel kinds, so fewer classes than kinds.
        Assert.True(LinkKinds.Types.Count < LinkKinds.Names.Count);
    }
}
