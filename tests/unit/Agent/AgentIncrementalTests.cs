using System.Net;
using OverlayNet.Agent.Agent;
using OverlayNet.Netlink.Reconcile;

namespace OverlayNet.Netlink.Tests.Agent;

/// <summary>
/// What lets an agent handle a watch response without a kernel dump: values parsed once, the kernel tables it
/// keeps brought up to date by its own writes, and kernel events told apart (its own writes, or drift).
/// </summary>
public class AgentIncrementalTests
{
    private static readonly MacAddress MacA = MacAddress.Parse("02:42:0a:00:00:02");
    private static readonly MacAddress MacB = MacAddress.Parse("02:42:0a:00:00:03");
    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    [Fact]
    public void Cache_parses_a_value_once_again_when_it_changes_and_forgets_deleted_keys()
    {
        int parses = 0;
        var cache = new ParsedValueCache<int>((_, v) => { parses++; return int.Parse(v); });
        cache.BeginPass();
        Assert.Equal(1, cache.Get("/a", "1"));
        Assert.Equal(2, cache.Get("/b", "2"));
        cache.EndPass();
        cache.BeginPass();
        Assert.Equal(1, cache.Get("/a", "1"));
        Assert.Equal(3, cache.Get("/b", "3"));   // changed value: parsed again
        cache.EndPass();
        Assert.Equal(3, parses);
        cache.BeginPass();
        Assert.Equal(1, cache.Get("/a", "1"));   // /b not asked for: dropped
        cache.EndPass();
        cache.BeginPass();
        Assert.Equal(3, cache.Get("/b", "3"));
        cache.EndPass();
        Assert.Equal(4, parses);
    }

    [Fact]
    public void Cache_remembers_a_malformed_value_and_throws_its_error_each_time()
    {
        int parses = 0;
        var cache = new ParsedValueCache<int>((_, v) => { parses++; return int.Parse(v); });
        cache.BeginPass();
        var first = Assert.Throws<FormatException>(() => cache.Get("/a", "x"));
        var second = Assert.Throws<FormatException>(() => cache.Get("/a", "x"));
        Assert.Same(first, second);
        Assert.Equal(1, parses);
        Assert.Equal(5, cache.Get("/a", "5"));   // repaired in the store
    }

    [Fact]
    public void Record_brings_the_known_tables_to_the_desired_ones()
    {
        var desired = new VtepTables();
        desired.Fdb[MacA] = Ip("192.168.8.101");
        desired.Neighbors[Ip("10.0.0.2")] = MacA;
        var known = new VtepTables();
        known.Fdb[MacA] = Ip("192.168.8.100");
        known.Fdb[MacB] = Ip("192.168.8.102");
        known.Neighbors[Ip("10.0.0.3")] = MacB;

        KernelVtep.Record(known, KernelVtep.Diff(desired, known));

        Assert.Equal(desired.Fdb, known.Fdb);
        Assert.Equal(desired.Neighbors, known.Neighbors);
        Assert.Equal(0, KernelVtep.Diff(desired, known).Count);
    }

    private static NetlinkEvent Fdb(NetlinkEventAction action, MacAddress mac, string dst, FdbState state = FdbState.Permanent) => new()
    {
        Action = action, Type = NetlinkEventType.Fdb,
        Object = new BridgeFdbEntry { MacAddress = mac, Destination = Ip(dst), State = state, Self = true },
    };

    private static NetlinkEvent Neigh(NetlinkEventAction action, string ip, MacAddress mac) => new()
    {
        Action = action, Type = NetlinkEventType.Neighbor,
        Object = new IpNeighbor { IPAddress = Ip(ip), LinkLayerAddress = mac, State = NeighborState.Permanent },
    };

    [Fact]
    public void The_agent_s_own_writes_are_not_drift()
    {
        var known = new VtepTables();
        known.Fdb[MacA] = Ip("192.168.8.101");
        known.Neighbors[Ip("10.0.0.2")] = MacA;
        // Removed by the agent (no longer known), replaced by the agent (known as it is now).
        Assert.False(KernelVtep.IsDrift(known, Fdb(NetlinkEventAction.Deleted, MacB, "192.168.8.102")));
        Assert.False(KernelVtep.IsDrift(known, Neigh(NetlinkEventAction.Deleted, "10.0.0.3", MacB)));
        Assert.False(KernelVtep.IsDrift(known, Fdb(NetlinkEventAction.Changed, MacA, "192.168.8.101")));
        Assert.False(KernelVtep.IsDrift(known, Neigh(NetlinkEventAction.Changed, "10.0.0.2", MacA)));
        // A removed permanent neighbour first turns FAILED (a change), then goes.
        var failed = new NetlinkEvent
        {
            Action = NetlinkEventAction.Changed, Type = NetlinkEventType.Neighbor,
            Object = new IpNeighbor { IPAddress = Ip("10.0.0.3"), LinkLayerAddress = MacB, State = NeighborState.Failed },
        };
        Assert.False(KernelVtep.IsDrift(known, failed));
    }

    [Fact]
    public void Someone_else_s_change_is_drift()
    {
        var known = new VtepTables();
        known.Fdb[MacA] = Ip("192.168.8.101");
        known.Neighbors[Ip("10.0.0.2")] = MacA;
        Assert.True(KernelVtep.IsDrift(known, Fdb(NetlinkEventAction.Deleted, MacA, "192.168.8.101")));       // deleted by hand
        Assert.True(KernelVtep.IsDrift(known, Neigh(NetlinkEventAction.Deleted, "10.0.0.2", MacA)));
        Assert.True(KernelVtep.IsDrift(known, Fdb(NetlinkEventAction.Changed, MacA, "192.168.8.109")));       // pointed elsewhere
        Assert.True(KernelVtep.IsDrift(known, Neigh(NetlinkEventAction.Changed, "10.0.0.2", MacB)));
        Assert.True(KernelVtep.IsDrift(known, Neigh(NetlinkEventAction.Changed, "10.0.0.9", MacB)));          // a permanent one added by hand
        Assert.True(KernelVtep.IsDrift(known, Fdb(NetlinkEventAction.New, MacB, "192.168.8.102", FdbState.Dynamic))); // learned
        Assert.True(KernelVtep.IsDrift(known, new NetlinkEvent { Action = NetlinkEventAction.Resync }));      // events lost
        Assert.True(KernelVtep.IsDrift(null, Neigh(NetlinkEventAction.Deleted, "10.0.0.3", MacB)));           // nothing known yet
    }
}
