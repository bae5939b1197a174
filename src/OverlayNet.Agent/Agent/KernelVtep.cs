using System.Net;
using OverlayNet.Netlink.Events;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Reconcile;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Agent.Agent;

/// <summary>
/// The kernel side of an agent: dumps what one VXLAN device holds for remote peers and writes a list of
/// changes in one batch. Entries it owns: permanent FDB entries with a destination (not the all-zero flood
/// entries a user may add), permanent neighbours, and (flannel) on-link routes through the device.
/// Every add is NLM_F_REPLACE, so a learned entry never makes it fail with EEXIST (moby #53663); every delete
/// carries the add's family, state and flags, so it matches what the add left (moby #50236).
/// </summary>
public sealed class KernelVtep(RtnlClient rtnl, int deviceIndex, bool manageRoutes) : IDisposable
{
    public RtnlClient Rtnl { get; } = rtnl;
    public int DeviceIndex { get; } = deviceIndex;

    public VtepTables Dump()
    {
        var t = new VtepTables();
        foreach (BridgeFdbEntry e in Rtnl.GetFdbEntries(DeviceIndex))
        {
            if (e.InterfaceIndex != DeviceIndex || !e.Self || e.State != FdbState.Permanent) continue;
            if (e.Destination == null || e.MacAddress == MacAddress.Zero) continue;
            t.Fdb[e.MacAddress] = e.Destination;
        }
        foreach (IpNeighbor n in Rtnl.GetNeighbors(false, null, DeviceIndex))
        {
            if (n.InterfaceIndex != DeviceIndex || n.State != NeighborState.Permanent || n.LinkLayerAddress is not MacAddress mac) continue;
            t.Neighbors[n.IPAddress] = mac;
        }
        if (manageRoutes)
        {
            foreach (IpRoute r in Rtnl.GetRoutes(IpAddressFamily.IPv4))
            {
                if (r.InterfaceIndex != DeviceIndex || r.NextHop == null || !r.OnLink || r.Protocol == RouteProtocol.Kernel) continue;
                t.Routes[r.Prefix] = r.NextHop;
            }
        }
        return t;
    }

    /// <summary>
    /// The three tables' differences, desired against actual, from the library's shared diff core: Before is
    /// what the kernel holds (Update, Remove), After what the store wants (Create, Update).
    /// </summary>
    public sealed record Plan(
        List<StateChange<MacAddress, IPAddress>> Fdb,
        List<StateChange<IPAddress, MacAddress>> Neighbors,
        List<StateChange<IpPrefix, IPAddress>> Routes)
    {
        public int Count => Fdb.Count + Neighbors.Count + Routes.Count;
    }

    /// <summary>No kernel needed: static so the plan can be tested on its own.</summary>
    public static Plan Diff(VtepTables desired, VtepTables actual) => new(
        StateDiff.Compute(desired.Fdb, actual.Fdb, Same),
        StateDiff.Compute(desired.Neighbors, actual.Neighbors, Same),
        StateDiff.Compute(desired.Routes, actual.Routes, Same));

    // A table entry is one value (destination, MAC, gateway): it satisfies the store only when equal.
    private static bool Same<T>(T want, T have) => EqualityComparer<T>.Default.Equals(want, have);

    /// <summary>One applied (or refused) change; <see cref="Text"/> describes it as iproute2 would print it.</summary>
    public readonly record struct Outcome(bool Removed, ChangeText Text, Exception? Error);

    /// <summary>
    /// "neigh 10.0.0.2 lladdr 02:42:…", kept as its parts and formatted by <see cref="ToString"/> when read
    /// (a warning, an event someone looks at): not once per entry written.
    /// </summary>
    public readonly record struct ChangeText(string Kind, object Key, string Relation, object? Value, string Suffix = "")
    {
        public override string ToString() => $"{Kind} {Key} {Relation} {Value}{Suffix}";
    }

    private RtnlBatch<int>? _batch;

    /// <summary>
    /// Writes the plan through the library's bulk writer (many requests per sendmsg, one ack per sendmsg):
    /// removals first (routes, FDB, neighbours), then adds and replaces in flanneld's order (neighbour, FDB
    /// entry, route), so a route never points at an unresolved gateway.
    /// </summary>
    public List<Outcome> Apply(Plan plan)
    {
        var texts = new List<(bool Removed, ChangeText Text)>(plan.Count);
        var errors = new Dictionary<int, Exception>();
        _batch ??= new RtnlBatch<int>(Rtnl);
        void Queue(bool removed, ChangeText text, Func<int, IReadOnlyList<(int Tag, NetlinkException? Error)>> add)
        {
            texts.Add((removed, text));
            try { Collect(add(texts.Count - 1)); }
            catch (ArgumentException e) { errors[texts.Count - 1] = e; } // a value the kernel would refuse: said, not sent
        }
        void Collect(IReadOnlyList<(int Tag, NetlinkException? Error)> done)
        {
            foreach (var (tag, error) in done) if (error != null) errors[tag] = error;
        }
        foreach (var c in plan.Routes.Where(c => c.Action == ChangeAction.Remove))
            Queue(true, new("route", c.Key, "via", c.Before, " onlink"), t => _batch.Add(RouteSpecFor(c.Key, c.Before!), RouteOperation.Delete, t));
        foreach (var c in plan.Fdb.Where(c => c.Action == ChangeAction.Remove))
            Queue(true, new("fdb", c.Key, "dst", c.Before), t => _batch.Add(FdbSpecFor(c.Key, c.Before!), FdbOperation.Delete, t));
        foreach (var c in plan.Neighbors.Where(c => c.Action == ChangeAction.Remove))
            Queue(true, new("neigh", c.Key, "lladdr", c.Before), t => _batch.Add(NeighborSpecFor(c.Key, c.Before), NeighborOperation.Delete, t));
        foreach (var c in plan.Neighbors.Where(c => c.Action != ChangeAction.Remove))
            Queue(false, new("neigh", c.Key, "lladdr", c.After), t => _batch.Add(NeighborSpecFor(c.Key, c.After), NeighborOperation.Replace, t));
        foreach (var c in plan.Fdb.Where(c => c.Action != ChangeAction.Remove))
            Queue(false, new("fdb", c.Key, "dst", c.After), t => _batch.Add(FdbSpecFor(c.Key, c.After!), FdbOperation.Replace, t));
        foreach (var c in plan.Routes.Where(c => c.Action != ChangeAction.Remove))
            Queue(false, new("route", c.Key, "via", c.After, " onlink"), t => _batch.Add(RouteSpecFor(c.Key, c.After!), RouteOperation.Replace, t));
        Collect(_batch.Complete());
        var outcomes = new List<Outcome>(texts.Count);
        for (int i = 0; i < texts.Count; i++)
        {
            Exception? e = errors.GetValueOrDefault(i);
            // ENOENT on a removal: the entry went away by itself, which is what was wanted.
            if (e is NetlinkException ne && texts[i].Removed && ne.Errno == 2) e = null;
            outcomes.Add(new Outcome(texts[i].Removed, texts[i].Text, e));
        }
        return outcomes;
    }

    /// <summary>Brings <paramref name="known"/> (what the kernel holds) up to date with a plan written without error.</summary>
    public static void Record(VtepTables known, Plan plan)
    {
        foreach (var c in plan.Fdb) { if (c.Action == ChangeAction.Remove) known.Fdb.Remove(c.Key); else known.Fdb[c.Key] = c.After!; }
        foreach (var c in plan.Neighbors) { if (c.Action == ChangeAction.Remove) known.Neighbors.Remove(c.Key); else known.Neighbors[c.Key] = c.After; }
        foreach (var c in plan.Routes) { if (c.Action == ChangeAction.Remove) known.Routes.Remove(c.Key); else known.Routes[c.Key] = c.After!; }
    }

    /// <summary>
    /// Whether a kernel event is someone else's doing: an entry the agent believes is there deleted, or changed
    /// to something else, a learned entry, a lost event (Resync). The agent's own removals delete entries it no
    /// longer holds in <paramref name="known"/>, and its own replaces leave what <paramref name="known"/> says: neither
    /// needs a dump. When in doubt (nothing known yet, an object of another kind), it is drift.
    /// </summary>
    public static bool IsDrift(VtepTables? known, NetlinkEvent e)
    {
        if (known == null || e.Action == NetlinkEventAction.Resync) return true;
        bool deleted = e.Action == NetlinkEventAction.Deleted;
        return e.Object switch
        {
            BridgeFdbEntry when e.Action == NetlinkEventAction.New => true,  // learned over the agent's entries
            // Not known and changed: drift only if it looks like one of the agent's own (a dump would count it).
            BridgeFdbEntry f => known.Fdb.TryGetValue(f.MacAddress, out var dst)
                ? deleted ? Equals(dst, f.Destination) : !(Equals(dst, f.Destination) && f.State == FdbState.Permanent)
                : !deleted && f.State == FdbState.Permanent && f.Destination != null,
            // The kernel reports a permanent neighbour's removal as a change to FAILED first, then the deletion.
            IpNeighbor n => known.Neighbors.TryGetValue(n.IPAddress, out MacAddress mac)
                ? deleted ? Equals(mac, n.LinkLayerAddress) : !(Equals(mac, n.LinkLayerAddress) && n.State == NeighborState.Permanent)
                : !deleted && n.State == NeighborState.Permanent,
            IpRoute r => known.Routes.TryGetValue(r.Prefix, out var gw)
                ? deleted ? Equals(gw, r.NextHop) : !Equals(gw, r.NextHop)
                : !deleted,
            _ => true,
        };
    }

    public void Dispose() => _batch?.Dispose();

    private FdbEntrySpec FdbSpecFor(MacAddress mac, IPAddress dst) => new()
    {
        MacAddress = mac, InterfaceIndex = DeviceIndex, Destination = dst, Self = true, State = FdbState.Permanent,
    };

    private NeighborSpec NeighborSpecFor(IPAddress ip, MacAddress mac) => new()
    {
        Address = ip, LinkLayerAddress = mac, InterfaceIndex = DeviceIndex, State = NeighborState.Permanent,
    };

    private RouteSpec RouteSpecFor(IpPrefix prefix, IPAddress gateway) => new()
    {
        Destination = prefix, Gateway = gateway, InterfaceIndex = DeviceIndex, OnLink = true,
    };
}
