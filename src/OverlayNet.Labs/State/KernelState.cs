using System.Collections.Concurrent;
using System.Net;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Netfilter;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Route.Tunnels;
using OverlayNet.Netlink.Sysctl;

namespace OverlayNet.Labs.State;

/// <summary>
/// Reads the lab's namespaces from the kernel into <see cref="LabObject"/>s of the same shape
/// <see cref="DesiredState"/> makes: one dump per table per namespace, nothing written.
/// Only what the lab could have made is reported (no kernel-made routes, no learned FDB or ARP entries),
/// so what is reported and not desired is the lab's to remove.
/// </summary>
public sealed class KernelState : IDisposable
{
    // Namespaces are read in parallel (one socket each), so these are shared between threads.
    private readonly ConcurrentDictionary<string, Lazy<RtnlClient>> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), int?> _nsids = new();

    /// <summary>The rtnetlink client of a namespace, opened once and kept for the run (reads and writes share it).</summary>
    public RtnlClient Client(string ns) =>
        _clients.GetOrAdd(ns, n => new Lazy<RtnlClient>(() => RtnlClient.Open(NetNamespaceStore.Resolve(n), n))).Value;

    /// <summary>Forgets a namespace's client (after the namespace was deleted).</summary>
    public void Forget(string ns)
    {
        if (_clients.TryRemove(ns, out Lazy<RtnlClient>? c) && c.IsValueCreated) c.Value.Dispose();
    }

    public static bool Exists(string ns) => NetNamespaceStore.TryGetInode(Path.Combine(NetNamespaceStore.RunDirectory, ns)) != null;

    public List<LabObject> Read(IEnumerable<string> namespaces, IReadOnlyCollection<LabObject> desired)
    {
        var want = desired.ToDictionary(d => d.Key);
        var peerEnds = new HashSet<string>(desired.Where(d => d.Kind == LabObjectKind.Link && d["peer"] != null).Select(d => d["peer"]!), StringComparer.Ordinal);
        var present = namespaces.Distinct().Where(Exists).ToList();
        // Each namespace is read on its own socket; on a lab of a hundred namespaces the reads overlap.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        var links = new ConcurrentDictionary<string, List<Link>>(StringComparer.Ordinal);
        Parallel.ForEach(present, parallel, ns => links[ns] = Client(ns).GetLinks());
        var perNamespace = new ConcurrentDictionary<string, List<LabObject>>(StringComparer.Ordinal);
        Parallel.ForEach(present, parallel, ns =>
        {
            var objects = new List<LabObject> { new(LabObjectKind.Namespace, ns, ns) };
            foreach (Link l in links[ns])
                if (DescribeLink(ns, l, want, peerEnds, links) is LabObject lo) objects.Add(lo);
            ReadTables(ns, links[ns], objects);
            foreach (LabObject s in desired.Where(d => d.Kind == LabObjectKind.Sysctl && d.Namespace == ns))
            {
                string path = NetNamespaceStore.Resolve(ns);
                objects.Add(s with { Props = new(StringComparer.Ordinal) { ["value"] = NetSysctl.Get(path, s.Name, ns).Value.Trim() } });
            }
            if (desired.Any(d => d.Namespace == ns && d.Kind is LabObjectKind.Sysctl or LabObjectKind.Nat))
                objects.AddRange(ReadNat(ns));
            perNamespace[ns] = objects;
        });
        var result = present.SelectMany(ns => perNamespace[ns]).ToList();
        return result;
    }

    /// <summary>
    /// The devices the kernel itself puts into every new namespace once ipip, ip_gre, sit, ip_vti, ip6_tunnel or
    /// ip6_gre is loaded (net.core.fb_tunnels_only_for_init_net = 0): no lab made them and none may remove them.
    /// </summary>
    private static readonly HashSet<string> KernelFallbackTunnels = new(StringComparer.Ordinal)
    {
        "tunl0", "gre0", "gretap0", "erspan0", "sit0", "ip_vti0", "ip6_vti0", "ip6tnl0", "ip6gre0",
    };

    /// <summary>One of the kernel's own per-namespace fallback tunnels (gre0, tunl0, ...), which no lab made.</summary>
    public static bool IsKernelFallback(Link l) =>
        KernelFallbackTunnels.Contains(l.Name) && l is IpTunnel or { Kind: "gretap" or "erspan" or "vti" or "vti6" or "ip6tnl" or "ip6gre" };

    private LabObject? DescribeLink(string ns, Link l, Dictionary<string, LabObject> want, HashSet<string> peerEnds,
        IReadOnlyDictionary<string, List<Link>> all)
    {
        if (IsKernelFallback(l)) return null;
        var p = new List<(string, string?)>
        {
            ("kind", l.Kind), ("up", l.AdminState == AdminState.Up ? "true" : "false"), ("master", l.Master),
        };
        switch (l)
        {
            case VethLink v:
                if (peerEnds.Contains($"{ns}/{l.Name}")) return null; // the far end of a pair: described with its near end
                Link? far = FarEnd(ns, l, "peer", v.PeerIndex, want, all, out string? peer);
                p.Add(("peer", peer ?? "?"));
                if (far != null) p.Add(("peer-mac", far.MacAddress?.ToString()));
                break;
            case VxlanLink x:
                p.AddRange([("vni", x.Vni?.ToString()), ("port", x.Port.ToString()), ("dev", x.Device), ("local", x.Local?.ToString()),
                    ("remote", x.Remote?.ToString()), ("group", x.Group?.ToString()), ("learning", DesiredState.Flag(x.Learning)), ("proxy", DesiredState.Flag(x.Proxy))]);
                break;
            case IpTunnel t:
                p.AddRange([("local", t.Local?.ToString()), ("remote", t.Remote?.ToString()), ("ttl", t.Ttl.ToString())]);
                if (t.Mode == IpTunnelMode.Gre)
                    p.AddRange([("ikey", DesiredState.Key(t.InputKey)), ("okey", DesiredState.Key(t.OutputKey)), ("icsum", DesiredState.Flag(t.InputChecksum)),
                        ("ocsum", DesiredState.Flag(t.OutputChecksum)), ("iseq", DesiredState.Flag(t.InputSequence)), ("oseq", DesiredState.Flag(t.OutputSequence))]);
                break;
            case VlanLink vl:
                p.AddRange([("parent", vl.Parent), ("id", vl.VlanId.ToString())]);
                break;
            case MacvlanLink mv:
                // A container's macvlan: its parent is in the host's namespace; confirmed as a veth's peer is.
                FarEnd(ns, l, "parent", mv.ParentIndex, want, all, out string? parent);
                p.AddRange([("parent", parent ?? "?"), ("mode", mv.Mode.ToString().ToLowerInvariant()), ("mac", mv.MacAddress?.ToString())]);
                break;
        }
        if (l.Name == "lo") p.RemoveAll(x => x.Item1 != "up");
        return new LabObject(LabObjectKind.Link, ns, l.Name, p.ToArray());
    }

    /// <summary>
    /// The device at the far end of <paramref name="l"/> (a veth's peer, a macvlan's parent), when it is the one
    /// the desired object names in <paramref name="attribute"/> ("ns/name"): same index, and the namespace the
    /// kernel's link-netnsid points at. <paramref name="named"/> is then that "ns/name", else null.
    /// </summary>
    private Link? FarEnd(string ns, Link l, string attribute, int farIndex, Dictionary<string, LabObject> want,
        IReadOnlyDictionary<string, List<Link>> all, out string? named)
    {
        named = null;
        if (!want.TryGetValue($"{LabObjectKind.Link}|{ns}|{l.Name}", out LabObject? d) || d[attribute] is not string wanted) return null;
        string fns = wanted[..wanted.IndexOf('/')], fname = wanted[(wanted.IndexOf('/') + 1)..];
        if (all.TryGetValue(fns, out List<Link>? farLinks)
            && farLinks.FirstOrDefault(x => x.Name == fname) is Link candidate && candidate.Index == farIndex
            && (l.LinkNetNsId == null ? fns == ns : NsId(ns, fns) == l.LinkNetNsId))
        {
            named = wanted;
            return candidate;
        }
        return null;
    }

    private int? NsId(string ns, string peerNs)
    {
        return _nsids.GetOrAdd((ns, peerNs), k => Client(k.Item1).GetNetNsId(NetNamespaceStore.Resolve(k.Item2)));
    }

    private void ReadTables(string ns, List<Link> links, List<LabObject> result)
    {
        RtnlClient c = Client(ns);
        var byIndex = links.ToDictionary(l => l.Index);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (IpAddress a in c.GetAddresses(IpAddressFamily.IPv4))
        {
            if (a.InterfaceName == "lo") continue;
            int n = seen[a.InterfaceName] = seen.GetValueOrDefault(a.InterfaceName) + 1;
            string name = n == 1 ? a.InterfaceName : $"{a.InterfaceName}#{n}";
            result.Add(new LabObject(LabObjectKind.Address, ns, name, ("address", $"{a.IPAddress}/{a.PrefixLength}")));
        }
        foreach (IpRoute r in c.GetRoutes(IpAddressFamily.IPv4))
        {
            if (r.Protocol == RouteProtocol.Kernel || r.Type != RouteType.Unicast) continue;
            result.Add(new LabObject(LabObjectKind.Route, ns, r.DestinationPrefix,
                ("via", r.NextHop?.ToString()), ("dev", r.InterfaceName), ("onlink", r.OnLink ? "true" : null)));
        }
        foreach (BridgeFdbEntry f in c.GetFdbEntries())
        {
            if (f.Destination == null || !byIndex.TryGetValue(f.InterfaceIndex, out Link? l) || l is not VxlanLink vx) continue;
            // Learned entries, and the all-zeros entry the kernel makes itself for a VTEP's remote or group, are not the lab's.
            if (f.State is FdbState.Dynamic or FdbState.Stale) continue;
            if (f.MacAddress == MacAddress.Zero && (f.Destination.Equals(vx.Remote) || f.Destination.Equals(vx.Group))) continue;
            string mac = f.MacAddress.ToString(), dst = f.Destination.ToString();
            result.Add(new LabObject(LabObjectKind.Fdb, ns, $"{f.InterfaceName} {mac} {dst}", ("dev", f.InterfaceName), ("mac", mac), ("dst", dst)));
        }
        foreach (IpNeighbor n in c.GetNeighbors(family: IpAddressFamily.IPv4))
        {
            if (n.State != NeighborState.Permanent || n.Proxy) continue;
            result.Add(new LabObject(LabObjectKind.Neighbor, ns, $"{n.InterfaceName} {n.IPAddress}", ("lladdr", n.LinkLayerAddress?.ToString())));
        }
    }

    private static List<LabObject> ReadNat(string ns)
    {
        using NftClient nft = NftClient.Open(NetNamespaceStore.Resolve(ns));
        var result = new List<LabObject>();
        foreach (NftRule rule in nft.ListRules(NftChain.NatPostrouting))
        {
            NatMasquerade m = NatMasquerade.FromRule(rule, ns);
            if (!m.Recognized || m.SourcePrefix == null) continue;
            LabObject o = DesiredState.Nat(ns, m.SourcePrefix, m.ExcludeDestinationPrefix, m.OutInterface);
            o.Props["handle"] = rule.Handle.ToString();
            result.Add(o);
        }
        return result;
    }

    public void Dispose()
    {
        foreach (Lazy<RtnlClient> c in _clients.Values) if (c.IsValueCreated) c.Value.Dispose();
        _clients.Clear();
    }
}
