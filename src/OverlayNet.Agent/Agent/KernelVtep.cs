using System.Net;
using OverlayNet.Agent.Reconcile;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Agent.Agent;

/// <summary>
/// The kernel side of an agent: dumps what one VXLAN device holds for remote peers and writes a list of
/// changes in one batch. Entries it owns: permanent FDB entries with a destination (not the all-zero flood
/// entries a user may add), permanent neighbours, and (flannel) on-link routes through the device.
/// Every add is NLM_F_REPLACE, so a learned entry never makes it fail with EEXIST (moby #53663); every delete
/// carries the add's family, state and flags, so it matches what the add left (moby #50236).
/// </summary>
public sealed class KernelVtep(RtnlClient rtnl, int deviceIndex, bool manageRoutes)
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

    /// <summary>The three tables' differences, desired against actual.</summary>
    public sealed record Plan(
        List<Change<MacAddress, IPAddress>> Fdb,
        List<Change<IPAddress, MacAddress>> Neighbors,
        List<Change<IpPrefix, IPAddress>> Routes)
    {
        public int Count => Fdb.Count + Neighbors.Count + Routes.Count;
    }

    public Plan Diff(VtepTables desired, VtepTables actual) => new(
        Reconciler.Diff(desired.Fdb, actual.Fdb),
        Reconciler.Diff(desired.Neighbors, actual.Neighbors),
        Reconciler.Diff(desired.Routes, actual.Routes));

    /// <summary>One applied (or refused) change, described as iproute2 would print it.</summary>
    public readonly record struct Outcome(bool Removed, string Text, NetlinkException? Error);

    /// <summary>
    /// Writes the plan in one sendmsg: removals first (routes, FDB, neighbours), then adds and replaces in
    /// flanneld's order (neighbour, FDB entry, route), so a route never points at an unresolved gateway.
    /// </summary>
    public List<Outcome> Apply(Plan plan)
    {
        var texts = new List<(bool Removed, string Text)>();
        using var w = new MessageWriter();
        foreach (var c in plan.Routes.Where(c => c.Kind == ChangeKind.Remove))
        {
            RtnlClient.WriteRoute(w, RouteSpecFor(c.Key, c.Actual!), RouteOperation.Delete);
            texts.Add((true, $"route {c.Key} via {c.Actual} onlink"));
        }
        foreach (var c in plan.Fdb.Where(c => c.Kind == ChangeKind.Remove))
        {
            RtnlClient.WriteFdbEntry(w, FdbSpecFor(c.Key, c.Actual!), FdbOperation.Delete);
            texts.Add((true, $"fdb {c.Key} dst {c.Actual}"));
        }
        foreach (var c in plan.Neighbors.Where(c => c.Kind == ChangeKind.Remove))
        {
            RtnlClient.WriteNeighbor(w, NeighborSpecFor(c.Key, c.Actual), NeighborOperation.Delete);
            texts.Add((true, $"neigh {c.Key} lladdr {c.Actual}"));
        }
        foreach (var c in plan.Neighbors.Where(c => c.Kind != ChangeKind.Remove))
        {
            RtnlClient.WriteNeighbor(w, NeighborSpecFor(c.Key, c.Desired), NeighborOperation.Replace);
            texts.Add((false, $"neigh {c.Key} lladdr {c.Desired}"));
        }
        foreach (var c in plan.Fdb.Where(c => c.Kind != ChangeKind.Remove))
        {
            RtnlClient.WriteFdbEntry(w, FdbSpecFor(c.Key, c.Desired!), FdbOperation.Replace);
            texts.Add((false, $"fdb {c.Key} dst {c.Desired}"));
        }
        foreach (var c in plan.Routes.Where(c => c.Kind != ChangeKind.Remove))
        {
            RtnlClient.WriteRoute(w, RouteSpecFor(c.Key, c.Desired!), RouteOperation.Replace);
            texts.Add((false, $"route {c.Key} via {c.Desired} onlink"));
        }
        var outcomes = new List<Outcome>(texts.Count);
        if (texts.Count == 0) return outcomes;
        NetlinkException?[] errors = Rtnl.Socket.ExecuteBatch(w);
        for (int i = 0; i < texts.Count; i++)
        {
            NetlinkException? e = errors[i];
            // ENOENT on a removal: the entry went away by itself, which is what was wanted.
            if (e != null && texts[i].Removed && e.Errno == 2) e = null;
            outcomes.Add(new Outcome(texts[i].Removed, texts[i].Text, e));
        }
        return outcomes;
    }

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
