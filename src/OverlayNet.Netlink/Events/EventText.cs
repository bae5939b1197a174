using System.Text;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Events;

/// <summary>
/// Describes an event's object in the words <c>ip monitor</c> / <c>bridge monitor</c> use, so a watch reads the
/// way people already know (<c>10.0.0.2 dev veth0 lladdr aa:... PERMANENT</c>). The action and type are shown
/// in columns of their own, so the text does not repeat them.
/// </summary>
public static class EventText
{
    public static string Describe(NetlinkEvent e) => e.Object switch
    {
        null => e.Message ?? "",
        Link l => Link(l),
        IpAddress a => $"{a.InterfaceName} {(a.AddressFamily == IpAddressFamily.IPv6 ? "inet6" : "inet")} {a.IPAddress}/{a.PrefixLength}"
            + (a.Peer != null ? $" peer {a.Peer}" : "") + $" scope {Scope(a.Scope)}" + AddressFlags(a.Flags),
        IpRoute r => Route(r),
        IpNeighbor n when e.Type == NetlinkEventType.L3Miss => $"{n.IPAddress} dev {n.InterfaceName}",
        IpNeighbor n => (n.Proxy ? "proxy " : "") + $"{n.IPAddress} dev {n.InterfaceName}"
            + (n.LinkLayerAddress is MacAddress m ? $" lladdr {m}" : "") + (n.Router ? " router" : "")
            + (n.Proxy ? "" : " " + NeighborStateText(n.State)),
        BridgeFdbEntry f when e.Type == NetlinkEventType.L2Miss => $"{f.MacAddress} dev {f.InterfaceName}",
        BridgeFdbEntry f => Fdb(f),
        IpRule r => $"{r.Priority}: from {r.From}" + (r.To != null ? $" to {r.To}" : "")
            + (r.InputInterface != null ? $" iif {r.InputInterface}" : "") + (r.OutputInterface != null ? $" oif {r.OutputInterface}" : "")
            + (r.Action == RuleAction.Table ? $" lookup {Table(r.Table)}" : $" {r.Action.ToString().ToLowerInvariant()}"),
        _ => e.Object.ToString() ?? "",
    };

    private static string Link(Link l)
    {
        var flags = new List<string>();
        if ((l.Flags & Iff.LOOPBACK) != 0) flags.Add("LOOPBACK");
        if ((l.Flags & Iff.BROADCAST) != 0) flags.Add("BROADCAST");
        if ((l.Flags & Iff.MULTICAST) != 0) flags.Add("MULTICAST");
        if ((l.Flags & Iff.UP) != 0) flags.Add("UP");
        if (l.LowerUp) flags.Add("LOWER_UP");
        var sb = new StringBuilder($"{l.Index}: {l.Name}");
        if (l.Parent != null) sb.Append('@').Append(l.Parent);
        sb.Append(" <").Append(string.Join(',', flags)).Append($"> mtu {l.Mtu}");
        if (l.Master != null) sb.Append(" master ").Append(l.Master);
        sb.Append(" state ").Append(OperStateText(l.OperState));
        if (l.Kind != null) sb.Append(' ').Append(l.Kind);
        if (l.MacAddress is MacAddress mac) sb.Append(" link/ether ").Append(mac);
        return sb.ToString();
    }

    private static string Route(IpRoute r)
    {
        var sb = new StringBuilder();
        if (r.Type != RouteType.Unicast) sb.Append(r.Type.ToString().ToLowerInvariant()).Append(' ');
        sb.Append(r.DestinationPrefix);
        if (r.NextHop != null) sb.Append(" via ").Append(r.NextHop);
        if (r.InterfaceName != null) sb.Append(" dev ").Append(r.InterfaceName);
        foreach (RouteNextHop nh in r.NextHops) sb.Append(" nexthop ").Append(nh);
        if (r.Table != RouteTables.Main) sb.Append(" table ").Append(Table(r.Table));
        if (r.Protocol is not (RouteProtocol.Boot or RouteProtocol.Unspec)) sb.Append(" proto ").Append(r.Protocol.ToString().ToLowerInvariant());
        if (r.Scope != OverlayNet.Scope.Global) sb.Append(" scope ").Append(Scope(r.Scope));
        if (r.Source != null) sb.Append(" src ").Append(r.Source);
        if (r.RouteMetric is uint metric && metric != 0) sb.Append(" metric ").Append(metric);
        return sb.ToString();
    }

    private static string Fdb(BridgeFdbEntry f)
    {
        var sb = new StringBuilder($"{f.MacAddress} dev {f.InterfaceName}");
        if (f.Destination != null) sb.Append(" dst ").Append(f.Destination);
        if (f.Vni is int vni) sb.Append(" vni ").Append(vni);
        if (f.Port is int port) sb.Append(" port ").Append(port);
        if (f.Via != null) sb.Append(" via ").Append(f.Via);
        if (f.Vlan is int vlan) sb.Append(" vlan ").Append(vlan);
        if (f.Bridge != null) sb.Append(" master ").Append(f.Bridge);
        else if (f.Master) sb.Append(" master");
        if (f.Self) sb.Append(" self");
        sb.Append(' ').Append(f.State.ToString().ToLowerInvariant());
        return sb.ToString();
    }

    private static string Table(uint t) => t switch
    {
        RouteTables.Main => "main",
        RouteTables.Local => "local",
        RouteTables.Default => "default",
        _ => t.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Scope(Scope s) => s switch
    {
        OverlayNet.Scope.Global => "global",
        OverlayNet.Scope.Link => "link",
        OverlayNet.Scope.Host => "host",
        OverlayNet.Scope.Site => "site",
        OverlayNet.Scope.Nowhere => "nowhere",
        _ => ((byte)s).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string AddressFlags(uint flags)
    {
        var sb = new StringBuilder();
        if ((flags & 0x01) != 0) sb.Append(" secondary");
        if ((flags & AddressFlagBits.DadFailed) != 0) sb.Append(" dadfailed");
        if ((flags & AddressFlagBits.Tentative) != 0) sb.Append(" tentative");
        return sb.ToString();
    }

    internal static string NeighborStateText(NeighborState s) =>
        s == NeighborState.None ? "NONE" : s.ToString().ToUpperInvariant().Replace(", ", ",");

    private static string OperStateText(OperState s) => s switch
    {
        OperState.LowerLayerDown => "LOWERLAYERDOWN",
        OperState.NotPresent => "NOTPRESENT",
        _ => s.ToString().ToUpperInvariant(),
    };
}

/// <summary>IFA_F_* bits the waits and the text look at (linux/if_addr.h).</summary>
public static class AddressFlagBits
{
    public const uint Secondary = 0x01, DadFailed = 0x08, Tentative = 0x40, Permanent = 0x80;
}
