using System.Net;
using OverlayNet.Labs;

namespace OverlayNet.Netlink.Tests.Labs;

/// <summary>The topology reader and validator: positions, closest keys, every refusal the issue lists.</summary>
public class TopologyLoaderTests
{
    private const string Good = """
        name: lab1
        underlay: cable
        hosts:
          - name: a
            underlay: 192.168.3.2/24
          - name: b
            underlay: 192.168.3.3/24
        overlays:
          - name: vxlan0
            type: vxlan
            vni: 42
            mode: p2p
            bridge: br0
            subnet: 10.1.0.0/16
        containers:
          - name: ca
            host: a
            overlay: vxlan0
            address: 10.1.2.2
          - name: cb
            host: b
            overlay: vxlan0
            address: 10.1.3.2
        checks:
          - from: ca
            to: cb
        """;

    private static TopologyError Single(string yaml, Func<string, string?>? owner = null)
    {
        var e = Assert.Throws<TopologyException>(() => TopologyLoader.FromYaml(yaml, "t.lab.yml", owner));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void ReadsAValidLab()
    {
        LabTopology lab = TopologyLoader.FromYaml(Good, "t.lab.yml");
        Assert.Equal("lab1", lab.Name);
        Assert.Equal(UnderlayType.Cable, lab.Underlay.Type);
        Assert.Equal(["a", "b"], lab.Hosts.Select(h => h.Name));
        Assert.Equal(IPAddress.Parse("192.168.3.3"), lab.Hosts[1].Address);
        LabOverlay o = Assert.Single(lab.Overlays);
        Assert.Equal(("vxlan0", "br0", 42, 4789, VxlanMode.PointToPoint), (o.Interface, o.Bridge, o.Vni, o.Port, o.Mode));
        Assert.Equal(["a", "b"], o.Hosts);
        Assert.Equal(16, lab.Containers[0].PrefixLength);
        Assert.Equal("v-ca", lab.Containers[0].HostInterface);
        Assert.Equal(IPAddress.Parse("10.1.3.2"), lab.Checks[0].Destination);
        Assert.Equal(["lab1-a", "lab1-b", "lab1-ca", "lab1-cb"], lab.Namespaces());
        Assert.False(lab.Hosts[0].Forwarding);
    }

    [Fact]
    public void UnknownKeyNamesTheClosestAndItsPosition()
    {
        var all = Assert.Throws<TopologyException>(() => TopologyLoader.FromYaml(Good.Replace("    vni: 42", "    vin: 42"), "t.lab.yml")).Errors;
        TopologyError e = all[0];
        Assert.Equal("Missing required key 'vni'.", all[1].Message);
        Assert.Equal(("t.lab.yml", 11, 5), (e.Position.File, e.Position.Line, e.Position.Column));
        Assert.StartsWith("Unknown key 'vin' in overlays; did you mean 'vni'?", e.Message);
        Assert.Equal("t.lab.yml:11:5: " + e.Message, e.ToString());
    }

    [Fact]
    public void UnknownHost()
    {
        TopologyError e = Single(Good.Replace("    host: b", "    host: c"));
        Assert.Equal(21, e.Position.Line);
        Assert.StartsWith("Unknown host 'c' in container cb", e.Message);
    }

    [Fact]
    public void UnknownOverlay()
    {
        TopologyError e = Single(Good.Replace("    overlay: vxlan0\n    address: 10.1.3.2", "    overlay: vxlan9\n    address: 10.1.3.2"));
        Assert.StartsWith("Unknown overlay 'vxlan9' for container 'cb'", e.Message);
        Assert.Equal(20, e.Position.Line);
    }

    [Fact]
    public void DuplicateNameAndAddress()
    {
        TopologyError dupName = Single(Good.Replace("  - name: cb", "  - name: ca").Replace("to: cb", "to: 10.1.3.2"));
        Assert.StartsWith("Duplicate name 'ca'", dupName.Message);
        TopologyError dupAddr = Single(Good.Replace("address: 10.1.3.2", "address: 10.1.2.2").Replace("to: cb", "to: ca"));
        Assert.StartsWith("Duplicate address 10.1.2.2: container 'ca'", dupAddr.Message);
        TopologyError dupUnderlay = Single(Good.Replace("192.168.3.3/24", "192.168.3.2/24"));
        Assert.StartsWith("Duplicate underlay address 192.168.3.2", dupUnderlay.Message);
    }

    [Fact]
    public void AddressOutsideSubnet()
    {
        TopologyError e = Single(Good.Replace("address: 10.1.3.2", "address: 10.2.3.2").Replace("to: cb", "to: ca"));
        Assert.Equal("Address 10.2.3.2 of container 'cb' is outside overlay 'vxlan0''s subnet 10.1.0.0/16.", e.Message);
    }

    [Theory]
    [InlineData("16777216")]
    [InlineData("-1")]
    public void VniOutOfRange(string vni)
    {
        TopologyError e = Single(Good.Replace("vni: 42", "vni: " + vni));
        Assert.Equal($"VNI {vni} of overlay 'vxlan0' is out of range 0..16777215.", e.Message);
        Assert.Equal(9, e.Position.Line);
    }

    [Fact]
    public void DerivedInterfaceNameTooLong()
    {
        TopologyError e = Single(Good.Replace("name: cb", "name: container-number-b").Replace("to: cb", "to: ca"));
        Assert.StartsWith("The interface name 'v-container-number-b' (derived from container 'container-number-b') is 20 bytes; Linux allows 15.", e.Message);
    }

    [Fact]
    public void NamespaceOwnedByAnotherLab()
    {
        TopologyError e = Single(Good, ns => ns == "lab1-b" ? "other" : null);
        Assert.StartsWith("Namespace 'lab1-b' is owned by lab 'other'", e.Message);
        Assert.Equal(6, e.Position.Line);
        // Its own namespaces are no problem.
        Assert.Equal("lab1", TopologyLoader.FromYaml(Good, "t", ns => "lab1").Name);
    }

    [Fact]
    public void CollectsEveryErrorAtOnce()
    {
        var e = Assert.Throws<TopologyException>(() => TopologyLoader.FromYaml(Good.Replace("vni: 42", "vni: 99999999").Replace("host: b", "host: z")));
        Assert.Equal(2, e.Errors.Count);
    }

    [Fact]
    public void MalformedYamlCitesItsPosition()
    {
        TopologyError e = Single("name: x\nhosts: [a\n");
        Assert.Equal("t.lab.yml", e.Position.File);
        Assert.True(e.Position.Line >= 2, e.ToString());
        Assert.StartsWith("The file is not valid YAML", e.Message);
    }

    [Fact]
    public void ClosestKey()
    {
        Assert.Equal("containers", OverlayNet.Labs.Reading.MapReader.Closest("contaners", TopologyBinder.TopKeys));
        Assert.Equal("overlays", OverlayNet.Labs.Reading.MapReader.Closest("overlay", TopologyBinder.TopKeys));
    }

    [Fact]
    public void RoutedOverlayDefaultsAndForwarding()
    {
        LabTopology lab = TopologyLoader.FromYaml("""
            name: r
            underlay: cable
            hosts: [{name: a, underlay: 192.168.3.2/24}, {name: b, underlay: 192.168.3.3/24}]
            overlays:
              - {name: rt, type: routed, bridge: br0, subnets: {a: 10.0.2.0/24, b: 10.0.3.0/24}}
            containers:
              - {name: ca, host: a, overlay: rt, address: 10.0.2.2, gateway: true}
            """);
        LabOverlay o = lab.Overlays[0];
        Assert.Equal(["a", "b"], o.Hosts);
        Assert.Equal("10.0.3.1/24", o.BridgeAddress("b").ToString());
        Assert.True(lab.Hosts.All(h => h.Forwarding));
        Assert.Equal(24, lab.Containers[0].PrefixLength);
    }
}
