using System.Net;
using OverlayNet.Labs;
using OverlayNet.Labs.State;

namespace OverlayNet.Netlink.Tests.Labs;

/// <summary>
/// Seed 004's keys: containers on a VLAN overlay (macvlan on the host's VLAN device), the VLAN's subnet and
/// gateway (a router host's VLAN address), and what they refuse. No kernel: reading, validating, desired state.
/// </summary>
public class VlanMacvlanLabTests
{
    private const string Lab = """
        name: v4
        hosts:
          - { name: h1, underlay: 192.168.1.11/24 }
          - { name: router, underlay: 192.168.1.13/24, forwarding: true }
        overlays:
          - name: vlan10
            type: vlan
            id: 10
            interface: eth0.10
            addresses: { h1: 192.168.22.10/24, router: 172.18.0.1/24 }
            subnet: 172.18.0.0/24
            gateway: 172.18.0.1
        containers:
          - { name: bbox10, host: h1, overlay: vlan10, address: 172.18.0.2, gateway: true, mac: 02:00:00:00:00:0a }
        """;

    private static TopologyError Single(string yaml)
    {
        var e = Assert.Throws<TopologyException>(() => TopologyLoader.FromYaml(yaml, "t.lab.yml"));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void ReadsAMacvlanContainerOnAVlan()
    {
        LabTopology lab = TopologyLoader.FromYaml(Lab, "t.lab.yml");
        LabOverlay o = Assert.Single(lab.Overlays);
        Assert.Equal((OverlayType.Vlan, 10, "eth0.10"), (o.Type, o.VlanId, o.Interface));
        Assert.Equal(IpPrefix.Parse("172.18.0.0/24"), o.Subnet);
        Assert.Equal(IPAddress.Parse("172.18.0.1"), o.GatewayFor("h1"));
        Assert.Equal(["h1", "router"], o.Hosts);
        LabContainer c = Assert.Single(lab.Containers);
        Assert.Equal(24, c.PrefixLength);
        Assert.True(lab.FindHost("router")!.Forwarding);
        Assert.False(lab.FindHost("h1")!.Forwarding);
    }

    [Fact]
    public void MacvlanContainerIsMadeInItsNamespaceOnTheHostsVlanDevice()
    {
        List<LabObject> want = DesiredState.Build(TopologyLoader.FromYaml(Lab, "t.lab.yml"));
        LabObject mv = want.Single(o => o.Kind == LabObjectKind.Link && o.Namespace == "v4-bbox10" && o.Name == "eth0");
        Assert.Equal("kind=macvlan mac=02:00:00:00:00:0a mode=bridge parent=v4-h1/eth0.10 up=true", mv.Describe());
        LabObject route = want.Single(o => o.Kind == LabObjectKind.Route && o.Namespace == "v4-bbox10");
        Assert.Equal(("default", "via=172.18.0.1 dev=eth0"), (route.Name, $"via={route["via"]} dev={route["dev"]}"));
        Assert.Equal("address=172.18.0.2/24", want.Single(o => o.Kind == LabObjectKind.Address && o.Namespace == "v4-bbox10").Describe());
        // No veth and no host-side interface for a macvlan container.
        Assert.DoesNotContain(want, o => o.Kind == LabObjectKind.Link && o["kind"] == "veth" && o.Namespace == "v4-h1");
        Assert.Equal("value=1", want.Single(o => o.Kind == LabObjectKind.Sysctl && o.Namespace == "v4-router").Describe());
        Assert.Equal("address=172.18.0.1/24", want.Single(o => o.Kind == LabObjectKind.Address && o.Namespace == "v4-router" && o.Name == "eth0.10").Describe());
    }

    [Fact]
    public void SeedFileValidates()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "../../../../../examples/labs/004-vlan-macvlan-router.lab.yml");
        LabTopology lab = TopologyLoader.FromYaml(File.ReadAllText(path), path);
        Assert.Equal(["vlan10", "vlan20"], lab.Overlays.Select(o => o.Name));
        Assert.Equal(["bbox10", "bbox20", "bbox30", "bbox40"], lab.Containers.Select(c => c.Name));
        Assert.Equal(IPAddress.Parse("172.19.0.4"), lab.Checks[2].Destination);
    }

    [Fact]
    public void RefusesAGatewayNoHostHas()
    {
        TopologyError e = Single(Lab.Replace("router: 172.18.0.1/24", "router: 172.18.0.254/24"));
        Assert.Equal("Gateway 172.18.0.1 of VLAN overlay 'vlan10' is no host's address; give the router 172.18.0.1/24 under 'addresses'.", e.Message);
        Assert.Equal(("t.lab.yml", 6, 11), (e.Position.File, e.Position.Line, e.Position.Column)); // the overlay's name
    }

    [Fact]
    public void RefusesAGatewayOutsideTheSubnet()
    {
        TopologyError e = Single(Lab.Replace("gateway: 172.18.0.1", "gateway: 172.17.0.1"));
        Assert.Equal("Gateway 172.17.0.1 of overlay 'vlan10' is outside its subnet 172.18.0.0/24.", e.Message);
    }

    [Fact]
    public void RefusesAMacvlanContainerWithoutASubnet()
    {
        var e = Assert.Throws<TopologyException>(() => TopologyLoader.FromYaml(
            Lab.Replace("    subnet: 172.18.0.0/24\n", "").Replace("    gateway: 172.18.0.1\n", "").Replace(", gateway: true", "").Replace("address: 172.18.0.2", "address: 172.18.0.2/24"), "t.lab.yml"));
        Assert.Equal("Container 'bbox10' is on VLAN overlay 'vlan10', which needs a 'subnet' for its macvlan containers.", Assert.Single(e.Errors).Message);
    }

    [Fact]
    public void RefusesAContainerAddressOutsideTheVlanSubnet()
    {
        TopologyError e = Single(Lab.Replace("address: 172.18.0.2", "address: 172.19.0.2"));
        Assert.Equal("Address 172.19.0.2 of container 'bbox10' is outside overlay 'vlan10''s subnet 172.18.0.0/24.", e.Message);
    }

    [Fact]
    public void RefusesAContainerOnTheGatewaysAddress()
    {
        TopologyError e = Single(Lab.Replace("address: 172.18.0.2", "address: 172.18.0.1"));
        Assert.Equal("Address 172.18.0.1 of container 'bbox10' is the gateway's.", e.Message);
    }

    [Fact]
    public void StillRefusesContainersOnTunnels()
    {
        TopologyError e = Single(Lab.Replace("type: vlan", "type: gre").Replace("    id: 10\n", "").Replace("    subnet: 172.18.0.0/24\n", "").Replace("    gateway: 172.18.0.1\n", "")
            .Replace("addresses: { h1: 192.168.22.10/24, router: 172.18.0.1/24 }", "addresses: { h1: 10.10.0.1/30, router: 10.10.0.2/30 }").Replace(", gateway: true", "").Replace("address: 172.18.0.2", "address: 172.18.0.2/24"));
        Assert.Equal("Container 'bbox10' is on overlay 'vlan10', a gre overlay; containers go on vxlan, routed or vlan overlays.", e.Message);
    }
}
