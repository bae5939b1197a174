using OverlayNet.Netlink.Reconcile;
using OverlayNet.Labs.State;

namespace OverlayNet.Netlink.Tests.Labs;

/// <summary>The generic diff core and the lab's desired state: no kernel, no root.</summary>
public class StateDiffTests
{
    private static KeyValuePair<string, int> P(string k, int v) => KeyValuePair.Create(k, v);

    [Fact]
    public void CreatesUpdatesAndRemovesInAStableOrder()
    {
        var changes = StateDiff.Compute([P("a", 1), P("b", 2), P("c", 3)], [P("d", 9), P("b", 5), P("c", 3)], (d, a) => d == a);
        Assert.Equal(
            [(ChangeAction.Create, "a", 0, 1), (ChangeAction.Update, "b", 5, 2), (ChangeAction.Remove, "d", 9, 0)],
            changes.Select(c => (c.Action, c.Key, c.Before, c.After)));
    }

    [Fact]
    public void DictionariesGiveTheSameChangesInTheSameOrder()
    {
        // The agent's overload (no copies): same answer as the general one for the same tables.
        var desired = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 3, ["e"] = 4 };
        var actual = new Dictionary<string, int> { ["d"] = 9, ["b"] = 5, ["c"] = 3, ["f"] = 6 };
        var fast = StateDiff.Compute(desired, actual, (d, a) => d == a);
        var general = StateDiff.Compute(desired.AsEnumerable(), actual.AsEnumerable(), (d, a) => d == a);
        Assert.Equal(
            [(ChangeAction.Create, "a", 0, 1), (ChangeAction.Update, "b", 5, 2), (ChangeAction.Create, "e", 0, 4),
             (ChangeAction.Remove, "d", 9, 0), (ChangeAction.Remove, "f", 6, 0)],
            fast.Select(c => (c.Action, c.Key, c.Before, c.After)));
        Assert.Equal(general, fast);
    }

    [Fact]
    public void NothingToDoWhenSatisfied()
    {
        Assert.Empty(StateDiff.Compute([P("a", 1)], [P("a", 1)], (d, a) => d == a));
    }

    [Fact]
    public void SatisfiesDecidesWhatIsAnUpdate()
    {
        var desired = new[] { KeyValuePair.Create(1, "ABC") };
        var actual = new[] { KeyValuePair.Create(1, "abc") };
        Assert.Empty(StateDiff.Compute(desired, actual, (d, a) => string.Equals(d, a, StringComparison.OrdinalIgnoreCase)));
        Assert.Equal([(ChangeAction.Update, 1, "abc", "ABC")],
            StateDiff.Compute(desired, actual, (d, a) => d == a).Select(c => (c.Action, c.Key, c.Before, c.After)));
    }

    [Fact]
    public void UsesTheGivenKeyComparer()
    {
        var changes = StateDiff.Compute([P("Eth0", 1)], [P("eth0", 1), P("eth1", 2)], (d, a) => d == a, StringComparer.OrdinalIgnoreCase);
        Assert.Equal([(ChangeAction.Remove, "eth1", 2, 0)], changes.Select(c => (c.Action, c.Key, c.Before, c.After)));
    }

    [Fact]
    public void RefusesADesiredKeyTwice()
    {
        var e = Assert.Throws<ArgumentException>(() => StateDiff.Compute([P("a", 1), P("a", 2)], [], (d, a) => d == a));
        Assert.Equal("The desired state names 'a' twice.", e.Message);
    }

    [Fact]
    public void DesiredObjectsCompareOnlyTheAttributesTheyName()
    {
        var want = new LabObject(LabObjectKind.Link, "ns", "vxlan0", ("kind", "vxlan"), ("vni", "42"));
        var got = new LabObject(LabObjectKind.Link, "ns", "vxlan0", ("kind", "vxlan"), ("vni", "42"), ("ttl", "0"));
        Assert.True(want.IsSatisfiedBy(got));
        Assert.False(want.IsSatisfiedBy(got with { Props = new(StringComparer.Ordinal) { ["kind"] = "vxlan", ["vni"] = "43" } }));
        Assert.Equal("kind=vxlan vni=42", got.ProjectOnto(want).Describe());
    }

    [Fact]
    public void SeedStaticFdbLabWantsFloodUnicastAndNeighbourEntries()
    {
        LabTopology lab = OverlayNet.Labs.TopologyLoader.FromYaml("""
            name: s
            hosts: [{name: h0, underlay: 192.168.8.100/24}, {name: h1, underlay: 192.168.8.101/24}, {name: h2, underlay: 192.168.8.102/24}]
            overlays: [{name: vxlan0, type: vxlan, mode: static, vni: 42, bridge: br0, subnet: 10.20.1.0/24}]
            containers:
              - {name: c1, host: h1, overlay: vxlan0, address: 10.20.1.4, mac: 52:5e:55:58:9a:ab}
              - {name: c2, host: h2, overlay: vxlan0, address: 10.20.1.3, mac: d6:d9:cd:0a:a4:28}
            """);
        var h0 = DesiredState.Build(lab).Where(o => o.Namespace == "s-h0").ToList();
        Assert.Equal(
            ["vxlan0 00:00:00:00:00:00 192.168.8.101", "vxlan0 00:00:00:00:00:00 192.168.8.102",
             "vxlan0 52:5e:55:58:9a:ab 192.168.8.101", "vxlan0 d6:d9:cd:0a:a4:28 192.168.8.102"],
            h0.Where(o => o.Kind == LabObjectKind.Fdb).Select(o => o.Name).Order());
        Assert.Equal(["vxlan0 10.20.1.3", "vxlan0 10.20.1.4"], h0.Where(o => o.Kind == LabObjectKind.Neighbor).Select(o => o.Name).Order());
        LabObject vx = h0.Single(o => o.Kind == LabObjectKind.Link && o.Name == "vxlan0");
        Assert.Equal("dev=eth0 kind=vxlan learning=false master=br0 port=4789 proxy=true up=true vni=42", vx.Describe());
    }
}
