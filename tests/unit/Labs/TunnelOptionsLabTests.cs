using OverlayNet.Labs;
using OverlayNet.Labs.State;

namespace OverlayNet.Netlink.Tests.Labs;

/// <summary>
/// Seed 001's GRE tunnel options (ikey/okey, csum, seq, ttl) and seed 000's per-host interface names: how they
/// read, what they refuse (with file:line:column), and the link objects they become on each host. No kernel.
/// </summary>
public class TunnelOptionsLabTests
{
    private const string Lab = """
        name: g1
        underlay: switch
        hosts:
          - { name: h0, underlay: 192.168.8.100/24 }
          - { name: h1, underlay: 192.168.8.101/24 }
        overlays:
          - name: gre01
            type: gre
            ttl: 255
            input-key: 0x111111
            output-key: 0x222222
            checksum: true
            sequence: true
            addresses: { h0: 10.1.1.1/24, h1: 10.1.1.2/24 }
        """;

    private static TopologyError Single(string yaml)
    {
        var e = Assert.Throws<TopologyException>(() => TopologyLoader.FromYaml(yaml, "t.lab.yml"));
        return Assert.Single(e.Errors);
    }

    private static LabObject LinkOn(LabTopology lab, string host, string name) =>
        DesiredState.Build(lab).Single(o => o.Kind == LabObjectKind.Link && o.Namespace == lab.NamespaceOf(host) && o.Name == name);

    [Fact]
    public void ReadsTheSeedsKeysAndFlagsAndMirrorsThemOnTheSecondHost()
    {
        LabTopology lab = TopologyLoader.FromYaml(Lab, "t.lab.yml");
        LabOverlay o = Assert.Single(lab.Overlays);
        Assert.Equal((0x111111u, 0x222222u, true, true, true, true, (byte)255),
            (o.InputKey, o.OutputKey, o.InputChecksum, o.OutputChecksum, o.InputSequence, o.OutputSequence, o.Ttl));
        Assert.Equal("icsum=true ikey=1118481 iseq=true kind=gre local=192.168.8.100 ocsum=true okey=2236962 oseq=true remote=192.168.8.101 ttl=255 up=true",
            LinkOn(lab, "h0", "gre01").Describe());
        Assert.Equal("icsum=true ikey=2236962 iseq=true kind=gre local=192.168.8.101 ocsum=true okey=1118481 oseq=true remote=192.168.8.100 ttl=255 up=true",
            LinkOn(lab, "h1", "gre01").Describe());
    }

    [Fact]
    public void OneKeyBothWaysAndPerDirectionFlags()
    {
        string yaml = Lab.Replace("input-key: 0x111111", "key: 7").Replace("    output-key: 0x222222\n", "")
            .Replace("checksum: true", "output-checksum: true").Replace("sequence: true", "input-sequence: true").Replace("    ttl: 255\n", "");
        LabTopology lab = TopologyLoader.FromYaml(yaml, "t.lab.yml");
        Assert.Equal("icsum=false ikey=7 iseq=true kind=gre local=192.168.8.100 ocsum=true okey=7 oseq=false remote=192.168.8.101 ttl=0 up=true",
            LinkOn(lab, "h0", "gre01").Describe());
        Assert.Equal("icsum=true ikey=7 iseq=false kind=gre local=192.168.8.101 ocsum=false okey=7 oseq=true remote=192.168.8.100 ttl=0 up=true",
            LinkOn(lab, "h1", "gre01").Describe());
    }

    [Fact]
    public void AnUnkeyedGreTunnelSaysSo()
    {
        string yaml = string.Join('\n', Lab.Split('\n').Where(l => !l.Contains("key") && !l.Contains("checksum") && !l.Contains("sequence") && !l.Contains("ttl")));
        Assert.Equal("icsum=false ikey=none iseq=false kind=gre local=192.168.8.100 ocsum=false okey=none oseq=false remote=192.168.8.101 ttl=0 up=true",
            LinkOn(TopologyLoader.FromYaml(yaml, "t.lab.yml"), "h0", "gre01").Describe());
    }

    [Theory]
    [InlineData("input-key: 0x111111", "input-key: 0x1g", 10, 16, "'input-key' must be a whole number 0..4294967295 (decimal, or hex as 0x111111), not '0x1g'.")]
    [InlineData("input-key: 0x111111", "input-key: 4294967296", 10, 16, "'input-key' must be a whole number 0..4294967295")]
    [InlineData("output-key: 0x222222", "output-key: 2\n    key: 3", 12, 10, "Give 'key' (both ways) or 'input-key' and 'output-key', not both.")]
    [InlineData("sequence: true", "sequence: true\n    output-sequence: false", 13, 15, "Give 'sequence' (both ways) or 'input-sequence' and 'output-sequence', not both.")]
    [InlineData("ttl: 255", "ttl: 256", 9, 10, "'ttl' must be 0..255 (0 inherits), not 256.")]
    [InlineData("checksum: true", "checksum: maybe", 12, 15, "'checksum' must be true or false, not 'maybe'.")]
    [InlineData("input-key: 0x111111", "input-kee: 0x111111", 10, 5, "Unknown key 'input-kee' in overlays; did you mean 'input-key'?")]
    public void RefusesBadTunnelOptionsWithTheirPosition(string from, string to, int line, int column, string message)
    {
        TopologyError e = Single(Lab.Replace(from, to));
        Assert.StartsWith(message, e.Message);
        Assert.Equal((line, column), (e.Position.Line, e.Position.Column));
    }

    [Fact]
    public void RefusesGreOptionsOnIpipAndOnOtherOverlays()
    {
        string ipip = Lab.Replace("type: gre", "type: ipip").Replace("    input-key: 0x111111\n", "").Replace("    output-key: 0x222222\n", "");
        Assert.Equal("IPIP overlay 'gre01' has no checksums or sequence numbers; only GRE has.", Single(ipip).Message);
        Assert.Equal("IPIP overlay 'gre01' cannot carry a key; only GRE can.",
            Single(Lab.Replace("type: gre", "type: ipip").Replace("checksum: true", "checksum: false").Replace("sequence: true", "sequence: false")).Message);
        string vxlan = Lab.Replace("type: gre", "type: vxlan\n    vni: 5\n    mode: multicast\n    group: 239.1.1.1").Replace("    addresses: { h0: 10.1.1.1/24, h1: 10.1.1.2/24 }\n", "");
        Assert.StartsWith("Overlay 'gre01' is a vxlan overlay; keys, checksums, sequence numbers and ttl are for gre", Single(vxlan).Message);
    }

    private const string PerHostNames = """
        name: l0
        underlay: { type: cable, interface: enp1s0 }
        hosts:
          - { name: a, underlay: 192.168.3.2/24 }
          - { name: b, underlay: 192.168.3.3/24 }
        overlays:
          - name: vxlan
            type: vxlan
            mode: p2p
            vni: 42
            interface: { a: vxlan2, b: vxlan3 }
            bridge: vxl0
        """;

    [Fact]
    public void NamesAnOverlaysInterfacePerHostAsSeed000Does()
    {
        LabTopology lab = TopologyLoader.FromYaml(PerHostNames, "t.lab.yml");
        Assert.Equal(["vxlan2", "vxlan3"], lab.Overlays[0].AllInterfaces());
        Assert.Equal("dev=enp1s0 group= kind=vxlan learning=true local=192.168.3.2 master=vxl0 port=4789 proxy=false remote=192.168.3.3 up=true vni=42".Replace("group= ", ""),
            LinkOn(lab, "a", "vxlan2").Describe());
        Assert.Equal("192.168.3.2", LinkOn(lab, "b", "vxlan3")["remote"]);
    }

    [Fact]
    public void RefusesAPerHostNameForAnUnknownHostOrTooLong()
    {
        Assert.StartsWith("Unknown host 'c' in overlay vxlan interface", Single(PerHostNames.Replace("b: vxlan3", "c: vxlan3")).Message);
        TopologyError e = Single(PerHostNames.Replace("b: vxlan3", "b: vxlan3456789012345"));
        Assert.StartsWith("The interface name 'vxlan3456789012345' (derived from overlay 'vxlan') is 18 bytes", e.Message);
    }
}
