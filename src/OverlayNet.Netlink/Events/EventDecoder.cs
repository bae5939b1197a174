using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Events;

/// <summary>
/// Turns one notification into a typed object with the parsers the Get- side uses (so an event's Object is
/// exactly what a dump would return), and says what kind of change it reports. Names of interfaces are filled
/// in from the link names the stream keeps. No state of its own beyond those names.
/// </summary>
internal static class EventDecoder
{
    /// <summary>A decoded notification: the object, its type, and whether the message deleted it.</summary>
    public readonly record struct Decoded(NetlinkEventType Type, object Obj, bool Deleted);

    public static Decoded? Decode(NetlinkMessage m, IReadOnlyDictionary<int, Link> links)
    {
        // The parsers read RTM_NEW* only; a RTM_DEL* carries the same layout, describing what went away.
        switch (m.Type)
        {
            case Rtm.NEWLINK or Rtm.DELLINK:
                // AF_BRIDGE link messages describe a bridge port's settings (and a DELLINK of that family only
                // means the port left its bridge), not the device itself.
                if (m.Header<IfInfoMsg>().Family == AddressFamilies.Bridge) return null;
                return Wrap(NetlinkEventType.Link, LinkParser.Parse(AsNew(m, Rtm.NEWLINK)), m.Type == Rtm.DELLINK);
            case Rtm.NEWADDR or Rtm.DELADDR:
                return Wrap(NetlinkEventType.Address, RtnlClient.ParseAddress(AsNew(m, Rtm.NEWADDR)), m.Type == Rtm.DELADDR);
            case Rtm.NEWROUTE or Rtm.DELROUTE:
                IpRoute? r = RtnlClient.ParseRoute(AsNew(m, Rtm.NEWROUTE));
                if (r == null || (r.Flags & Rta.RTM_F_CLONED) != 0) return null; // cache entries, hidden as by `ip route`
                return new Decoded(NetlinkEventType.Route, r, m.Type == Rtm.DELROUTE);
            case Rtm.NEWNEIGH or Rtm.DELNEIGH:
                NetlinkMessage asNew = AsNew(m, Rtm.NEWNEIGH);
                return m.Header<NdMsg>().Family == AddressFamilies.Bridge
                    ? Wrap(NetlinkEventType.Fdb, RtnlClient.ParseFdbEntry(asNew), m.Type == Rtm.DELNEIGH)
                    : Wrap(NetlinkEventType.Neighbor, RtnlClient.ParseNeighbor(asNew), m.Type == Rtm.DELNEIGH);
            case Rtm.GETNEIGH:
                return DecodeMiss(m, links);
            case Rtm.NEWRULE or Rtm.DELRULE:
                return Wrap(NetlinkEventType.Rule, RtnlClient.ParseRule(AsNew(m, Rtm.NEWRULE)), m.Type == Rtm.DELRULE);
            default:
                return null;
        }
    }

    /// <summary>
    /// A VXLAN device's lookup that found nothing (vxlan_fdb_miss / vxlan_ip_miss in the kernel): an
    /// RTM_GETNEIGH on the neighbour group, with NDA_LLADDR for an L2 miss (no FDB entry for that MAC) or
    /// NDA_DST for an L3 miss (no neighbour entry for that IP, reported when the device answers ARP/NDP itself,
    /// <c>proxy</c>). The family is not a reliable mark (6.x kernels send AF_INET, older ones AF_BRIDGE), so the
    /// device decides: GETNEIGH for other devices are the neighbour table's application probes, not misses.
    /// </summary>
    private static Decoded? DecodeMiss(NetlinkMessage m, IReadOnlyDictionary<int, Link> links)
    {
        NdMsg h = m.Header<NdMsg>();
        if (h.Family != AddressFamilies.Bridge && !(links.TryGetValue(h.Index, out Link? dev) && dev is VxlanLink)) return null;
        MacAddress? mac = null;
        System.Net.IPAddress? ip = null;
        foreach (NetlinkAttribute a in m.Attributes<NdMsg>())
        {
            if (a.Type == Nda.LLADDR && a.Value.Length == 6) mac = new MacAddress(a.Value);
            else if (a.Type == Nda.DST) ip = a.Address();
        }
        if (ip != null)
            return new Decoded(NetlinkEventType.L3Miss, new IpNeighbor { IPAddress = ip, InterfaceIndex = h.Index, State = NeighborState.None }, false);
        if (mac is MacAddress found)
            return new Decoded(NetlinkEventType.L2Miss, new BridgeFdbEntry { MacAddress = found, InterfaceIndex = h.Index, Self = true, State = FdbState.Stale }, false);
        return null;
    }

    private static Decoded? Wrap(NetlinkEventType type, object? obj, bool deleted) =>
        obj == null ? null : new Decoded(type, obj, deleted);

    private static NetlinkMessage AsNew(NetlinkMessage m, ushort newType) =>
        new(newType, m.Flags, m.Seq, m.Pid, m.Payload);

    /// <summary>Fills in interface names (and the namespace) from the stream's link list.</summary>
    public static void Name(object obj, IReadOnlyDictionary<int, Link> links, string? nsName)
    {
        string NameOf(int index) => links.TryGetValue(index, out Link? l) ? l.Name : "";
        switch (obj)
        {
            case Link l:
                l.NetNamespace = nsName;
                var names = new Dictionary<int, string>();
                foreach (int i in new[] { l.MasterIndex, l.ParentIndex })
                    if (i != 0 && links.TryGetValue(i, out Link? other)) names[i] = other.Name;
                names[l.Index] = l.Name;
                l.ResolveNames(names);
                break;
            case IpAddress a:
                a.InterfaceName = NameOf(a.InterfaceIndex);
                a.NetNamespace = nsName;
                break;
            case IpRoute r:
                r.NetNamespace = nsName;
                if (r.InterfaceIndex != 0) r.InterfaceName = NameOf(r.InterfaceIndex);
                foreach (RouteNextHop nh in r.NextHops)
                    if (nh.InterfaceIndex != 0) nh.InterfaceName = NameOf(nh.InterfaceIndex);
                r.Vrf = links.Values.OfType<VrfLink>().FirstOrDefault(v => v.Table == r.Table)?.Name;
                break;
            case IpNeighbor n:
                n.InterfaceName = NameOf(n.InterfaceIndex);
                n.NetNamespace = nsName;
                break;
            case BridgeFdbEntry f:
                f.InterfaceName = NameOf(f.InterfaceIndex);
                if (f.ViaIndex != 0) f.Via = NameOf(f.ViaIndex);
                if (f.BridgeIndex != 0) f.Bridge = NameOf(f.BridgeIndex);
                f.NetNamespace = nsName;
                break;
            case IpRule rule:
                rule.NetNamespace = nsName;
                break;
        }
    }
}
