using System.Net;
using OverlayNet.Netlink.Reconcile;
using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Netfilter;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Route.Tunnels;
using OverlayNet.Netlink.Sysctl;

namespace OverlayNet.Labs.State;

/// <summary>
/// Carries out one change on one <see cref="LabObject"/> through the netlink library. Everything it needs
/// is in the object's attributes, so the journal can replay a step backwards (undo) without the topology.
/// </summary>
public sealed class KernelWriter(KernelState kernel)
{
    private const int ENOENT = 2, ESRCH = 3, EEXIST = 17, ENODEV = 19, EADDRNOTAVAIL = 99;

    /// <summary>
    /// Applies a change. <paramref name="tolerant"/> (for undo and teardown) treats "already there" on a create
    /// and "already gone" on a remove as done: the step may have half-happened when a run was killed.
    /// </summary>
    public void Apply(ChangeAction action, LabObject? before, LabObject? after, bool tolerant = false)
    {
        try
        {
            switch (action)
            {
                case ChangeAction.Create: Create(after!); break;
                case ChangeAction.Remove: Remove(before!); break;
                case ChangeAction.Update: Update(before!, after!); break;
            }
        }
        catch (ErrnoException e) when (tolerant && Harmless(action, e.Errno))
        {
        }
        catch (LinkNotFoundException) when (tolerant || action == ChangeAction.Remove)
        {
        }
    }

    /// <summary>
    /// "Gone already" on removal is never a failure: removing a link takes its addresses, routes and entries
    /// with it, and removing a namespace takes everything in it.
    /// </summary>
    private static bool Harmless(ChangeAction a, int errno) =>
        a == ChangeAction.Remove ? errno is ENOENT or ENODEV or ESRCH or EADDRNOTAVAIL : errno == EEXIST;

    private void Create(LabObject o)
    {
        switch (o.Kind)
        {
            case LabObjectKind.Namespace:
                NetNamespaceStore.Create(o.Name);
                break;
            case LabObjectKind.Link: CreateLink(o); break;
            case LabObjectKind.Address: Rtnl(o).AddAddress(AddressOf(o, o.Name)); break;
            case LabObjectKind.Sysctl: NetSysctl.Set(NetNamespaceStore.Resolve(o.Namespace), o.Name, o["value"]!); break;
            case LabObjectKind.Route: Rtnl(o).ModifyRoute(RouteOf(o), RouteOperation.Add); break;
            case LabObjectKind.Fdb: Rtnl(o).ModifyFdbEntry(FdbOf(o), FdbOperation.Append); break;
            case LabObjectKind.Neighbor: Rtnl(o).ModifyNeighbor(NeighborOf(o), NeighborOperation.Add); break;
            case LabObjectKind.Nat:
                using (NftClient nft = NftClient.Open(NetNamespaceStore.Resolve(o.Namespace)))
                    nft.AddRule(NftChain.NatPostrouting, NatOf(o));
                break;
        }
    }

    private void Remove(LabObject o)
    {
        switch (o.Kind)
        {
            case LabObjectKind.Namespace:
                kernel.Forget(o.Name);
                if (File.Exists(Path.Combine(NetNamespaceStore.RunDirectory, o.Name))) NetNamespaceStore.Delete(o.Name);
                break;
            case LabObjectKind.Link:
                if (o.Name == "lo") return;
                Link? l = Rtnl(o).GetLink(o.Name);
                if (l != null) Rtnl(o).DeleteLink(l.Index);
                break;
            case LabObjectKind.Address:
                int at = o.Name.IndexOf('#');
                Rtnl(o).DeleteAddress(AddressOf(o, at < 0 ? o.Name : o.Name[..at]));
                break;
            case LabObjectKind.Sysctl: break; // a setting is never "removed"; its namespace goes with the lab
            case LabObjectKind.Route: Rtnl(o).ModifyRoute(RouteOf(o), RouteOperation.Delete); break;
            case LabObjectKind.Fdb: Rtnl(o).ModifyFdbEntry(FdbOf(o), FdbOperation.Delete); break;
            case LabObjectKind.Neighbor: Rtnl(o).ModifyNeighbor(NeighborOf(o), NeighborOperation.Delete); break;
            case LabObjectKind.Nat:
                using (NftClient nft = NftClient.Open(NetNamespaceStore.Resolve(o.Namespace)))
                {
                    // The handle is the kernel's and changes on every add: find the rule by its matches.
                    NftRuleSpec want = NatOf(o);
                    var handles = nft.ListRules(NftChain.NatPostrouting).Where(r => r.Spec == want).Select(r => r.Handle).ToList();
                    nft.DeleteRules(NftChain.NatPostrouting, handles);
                }
                break;
        }
    }

    private void Update(LabObject before, LabObject after)
    {
        switch (after.Kind)
        {
            case LabObjectKind.Link:
                // Master and admin state change in place; anything else (VNI, remote, peer...) means a new device.
                var changed = after.Props.Where(p => before[p.Key] != p.Value).Select(p => p.Key).ToHashSet();
                if (changed.IsSubsetOf(["up", "master"]))
                {
                    RtnlClient c = Rtnl(after);
                    var change = new LinkChange { Up = after["up"] == "true" };
                    if (after["master"] is string m) change.MasterIndex = c.GetIndex(m);
                    c.SetLink(c.GetIndex(after.Name), change);
                }
                else
                {
                    Remove(before with { Name = after.Name });
                    CreateLink(after);
                }
                break;
            case LabObjectKind.Address:
                // The old address may have gone with its device, made anew earlier in this run (a container's
                // macvlan moved to another VLAN): gone is what was wanted.
                try { Remove(before); }
                catch (ErrnoException e) when (e.Errno is EADDRNOTAVAIL or ENODEV) { }
                Create(after);
                break;
            case LabObjectKind.Sysctl: Create(after); break;
            case LabObjectKind.Route: Rtnl(after).ModifyRoute(RouteOf(after), RouteOperation.Replace); break;
            case LabObjectKind.Neighbor: Rtnl(after).ModifyNeighbor(NeighborOf(after), NeighborOperation.Replace); break;
            default:
                Remove(before);
                Create(after);
                break;
        }
    }

    private RtnlClient Rtnl(LabObject o) => kernel.Client(o.Namespace);

    private void CreateLink(LabObject o)
    {
        RtnlClient c = Rtnl(o);
        int? Index(string? name) => name == null ? null : c.GetIndex(name);
        LinkSpec spec;
        switch (o["kind"])
        {
            case null: // a device every namespace has (lo): only bring it up
                c.SetLink(c.GetIndex(o.Name), new LinkChange { Up = o["up"] == "true" });
                return;
            case "bridge":
                spec = new BridgeLinkSpec(o.Name);
                break;
            case "veth":
                string peer = o["peer"]!;
                string pns = peer[..peer.IndexOf('/')], pname = peer[(peer.IndexOf('/') + 1)..];
                var veth = new VethLinkSpec(o.Name, pname);
                if (o["peer-mac"] is string pm) veth.PeerMacAddress = MacAddress.Parse(pm);
                using (NetNamespaceHandle h = NetNamespaceHandle.Open(pns))
                {
                    veth.PeerNetNamespaceFd = pns == o.Namespace ? null : h.Fd;
                    veth.MasterIndex = Index(o["master"]);
                    veth.Up = o["up"] == "true";
                    c.CreateLink(veth);
                }
                RtnlClient far = kernel.Client(pns);
                far.SetLink(far.GetIndex(pname), new LinkChange { Up = true });
                return;
            case "vxlan":
                spec = new VxlanLinkSpec(o.Name)
                {
                    Vni = int.Parse(o["vni"]!),
                    Port = int.Parse(o["port"]!),
                    DeviceIndex = Index(o["dev"]),
                    Local = Ip(o["local"]),
                    Remote = Ip(o["remote"]),
                    Group = Ip(o["group"]),
                    Learning = o["learning"] != "false",
                    Proxy = o["proxy"] == "true" ? true : null,
                };
                break;
            case "gre" or "ipip":
                var t = new IpTunnelLinkSpec(o.Name, o["kind"] == "gre" ? IpTunnelMode.Gre : IpTunnelMode.IpIp)
                {
                    Local = Ip(o["local"]),
                    Remote = Ip(o["remote"]),
                };
                if (o["ttl"] is string ttl && ttl != "0") t.Ttl = byte.Parse(ttl);
                t.InputKey = Key(o["ikey"]);
                t.OutputKey = Key(o["okey"]);
                t.InputChecksum = o["icsum"] == "true";
                t.OutputChecksum = o["ocsum"] == "true";
                t.InputSequence = o["iseq"] == "true";
                t.OutputSequence = o["oseq"] == "true";
                spec = t;
                break;
            case "vlan":
                spec = new VlanLinkSpec(o.Name, c.GetIndex(o["parent"]!), int.Parse(o["id"]!));
                break;
            case "macvlan":
                // Made by the parent's namespace straight into this one (ip link add ... link eth0.10 netns c1),
                // so it never exists half-placed on the host.
                string parent = o["parent"]!;
                string hostNs = parent[..parent.IndexOf('/')], parentName = parent[(parent.IndexOf('/') + 1)..];
                RtnlClient host = kernel.Client(hostNs);
                // Older kernels (6.1) look the new name up in the requesting namespace first, so "eth0" collides
                // with the host's own eth0: a name nobody uses there, renamed once it is in place.
                bool moved = hostNs != o.Namespace;
                string madeAs = moved ? $"mvl{Environment.ProcessId % 100000}x{Random.Shared.Next(1000)}" : o.Name;
                var mv = new MacvlanLinkSpec(madeAs, host.GetIndex(parentName)) { Mode = Enum.Parse<MacvlanMode>(o["mode"]!, ignoreCase: true) };
                if (o["mac"] is string mac) mv.MacAddress = MacAddress.Parse(mac);
                using (NetNamespaceHandle h = NetNamespaceHandle.Open(o.Namespace))
                {
                    mv.NetNamespaceFd = moved ? h.Fd : null;
                    host.CreateLink(mv);
                }
                if (moved) c.SetLink(c.GetIndex(madeAs), new LinkChange { NewName = o.Name });
                c.SetLink(c.GetIndex(o.Name), new LinkChange { Up = o["up"] == "true" });
                return;
            default:
                throw new NotSupportedException($"Labs cannot create links of kind '{o["kind"]}'.");
        }
        spec.MasterIndex = Index(o["master"]);
        spec.Up = o["up"] == "true";
        c.CreateLink(spec);
    }

    private static uint? Key(string? text) => text is null or "none" ? null : uint.Parse(text);

    private static IPAddress? Ip(string? text) => text == null ? null : IPAddress.Parse(text);

    private AddressSpec AddressOf(LabObject o, string dev)
    {
        IpPrefix p = IpPrefix.Parse(o["address"]!);
        return new AddressSpec { InterfaceIndex = Rtnl(o).GetIndex(dev), Address = p.Address, PrefixLength = p.Length };
    }

    private RouteSpec RouteOf(LabObject o)
    {
        var spec = new RouteSpec
        {
            Destination = o.Name == "default" ? new IpPrefix(IPAddress.Any, 0) : IpPrefix.Parse(o.Name),
            Gateway = Ip(o["via"]),
            OnLink = o["onlink"] == "true",
        };
        if (o["dev"] is string dev) spec.InterfaceIndex = Rtnl(o).GetIndex(dev);
        return spec;
    }

    private FdbEntrySpec FdbOf(LabObject o) => new()
    {
        MacAddress = MacAddress.Parse(o["mac"]!),
        InterfaceIndex = Rtnl(o).GetIndex(o["dev"]!),
        Destination = Ip(o["dst"]),
        Self = true,
    };

    private NeighborSpec NeighborOf(LabObject o)
    {
        int space = o.Name.IndexOf(' ');
        return new NeighborSpec
        {
            InterfaceIndex = Rtnl(o).GetIndex(o.Name[..space]),
            Address = IPAddress.Parse(o.Name[(space + 1)..]),
            LinkLayerAddress = o["lladdr"] is string mac ? MacAddress.Parse(mac) : null,
        };
    }

    private static NftRuleSpec NatOf(LabObject o) => new()
    {
        Source = IpPrefix.Parse(o["source"]!),
        Destination = o["exclude"] is string ex ? IpPrefix.Parse(ex) : null,
        DestinationNegated = o["exclude"] != null,
        OutInterface = o["out"],
        Action = NftRuleAction.Masquerade,
    };
}
