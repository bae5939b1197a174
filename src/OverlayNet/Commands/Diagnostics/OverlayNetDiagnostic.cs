using System.Globalization;
using System.Reflection;

namespace OverlayNet;

/// <summary>
/// One namespace's network state in one object, for bug reports and failed tests (Get-OverlayNetDiagnostic).
/// Every value is text, a number or a flag, so <c>ConvertTo-Json -Depth 5</c> writes what <c>ip</c> would
/// print (10.0.0.1/24, aa:bb:..., Permanent) and <c>ConvertFrom-Json</c> reads the same values back.
/// </summary>
public sealed class OverlayNetDiagnostic
{
    public string? NetNamespace { get; set; }
    /// <summary>When the tables were read (UTC).</summary>
    public DateTime Time { get; set; }
    /// <summary>The running kernel (uname -r): which link kinds and features exist depends on it.</summary>
    public string Kernel { get; set; } = "";
    public string ModuleVersion { get; set; } = "";
    public DiagnosticLink[] Links { get; set; } = [];
    public DiagnosticAddress[] Addresses { get; set; } = [];
    /// <summary>Every table (ip route show table all), both families.</summary>
    public DiagnosticRoute[] Routes { get; set; } = [];
    public DiagnosticRule[] Rules { get; set; } = [];
    public DiagnosticNeighbor[] Neighbors { get; set; } = [];
    public DiagnosticFdbEntry[] Fdb { get; set; } = [];
    /// <summary>The sysctls an overlay depends on (forwarding, proxy ARP/NDP, rp_filter...), key → value.</summary>
    public SortedDictionary<string, string> Sysctls { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Tables that could not be read, each with the reason; the rest of the object is still filled.</summary>
    public string[] Errors { get; set; } = [];

    public override string ToString() => $"OverlayNet diagnostic of {NetNamespace ?? "the caller's namespace"} at {Time:u}";

    internal static string? Text(object? value) => value switch
    {
        null => null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

/// <summary>A link as <c>ip -d link</c> shows it; <see cref="Details"/> holds the kind's own settings.</summary>
public sealed class DiagnosticLink
{
    public string Name { get; set; } = "";
    public int Index { get; set; }
    public string? Kind { get; set; }
    public string AdminState { get; set; } = "";
    public string OperState { get; set; } = "";
    public int Mtu { get; set; }
    public string? MacAddress { get; set; }
    public string? Master { get; set; }
    public string? Parent { get; set; }
    /// <summary>The properties the link's kind adds (Vni, Local, Port, PeerName...), as text.</summary>
    public SortedDictionary<string, string?> Details { get; set; } = new(StringComparer.Ordinal);

    public override string ToString() => Name;

    internal static DiagnosticLink Of(Link l)
    {
        var d = new DiagnosticLink
        {
            Name = l.Name, Index = l.Index, Kind = l.Kind, AdminState = l.AdminState.ToString(), OperState = l.OperState.ToString(),
            Mtu = l.Mtu, MacAddress = OverlayNetDiagnostic.Text(l.MacAddress), Master = l.Master, Parent = l.Parent,
        };
        // The kind classes (VxlanLink, VethLink...) add public properties to Link: those are the details.
        for (Type? t = l.GetType(); t != null && t != typeof(Link); t = t.BaseType)
        {
            foreach (PropertyInfo p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (p.GetIndexParameters().Length != 0) continue;
                object? v = p.GetValue(l);
                d.Details[p.Name] = v is Array a ? string.Join(",", a.Cast<object?>().Select(OverlayNetDiagnostic.Text)) : OverlayNetDiagnostic.Text(v);
            }
        }
        return d;
    }
}

public sealed class DiagnosticAddress
{
    public string InterfaceName { get; set; } = "";
    /// <summary>CIDR text: 10.0.0.1/24.</summary>
    public string Address { get; set; } = "";
    public string AddressFamily { get; set; } = "";
    public string Scope { get; set; } = "";
    public string? Peer { get; set; }
    public string? Broadcast { get; set; }
    public string? Label { get; set; }

    public override string ToString() => $"{Address} dev {InterfaceName}";

    internal static DiagnosticAddress Of(IpAddress a) => new()
    {
        InterfaceName = a.InterfaceName, Address = a.ToString(), AddressFamily = a.AddressFamily.ToString(), Scope = a.Scope.ToString(),
        Peer = OverlayNetDiagnostic.Text(a.Peer), Broadcast = OverlayNetDiagnostic.Text(a.Broadcast), Label = a.Label,
    };
}

public sealed class DiagnosticRoute
{
    public string DestinationPrefix { get; set; } = "";
    public string? NextHop { get; set; }
    public string? InterfaceName { get; set; }
    public uint Table { get; set; }
    public string? Vrf { get; set; }
    public string Type { get; set; } = "";
    public string Protocol { get; set; } = "";
    public string Scope { get; set; } = "";
    public uint? RouteMetric { get; set; }
    public string? Source { get; set; }
    public bool OnLink { get; set; }
    /// <summary>Multipath routes: "via 10.0.0.1 dev eth0" per path.</summary>
    public string[] NextHops { get; set; } = [];
    public string AddressFamily { get; set; } = "";

    public override string ToString() => $"{DestinationPrefix}{(NextHop != null ? $" via {NextHop}" : "")}{(InterfaceName != null ? $" dev {InterfaceName}" : "")} table {Table}";

    internal static DiagnosticRoute Of(IpRoute r) => new()
    {
        DestinationPrefix = r.DestinationPrefix, NextHop = OverlayNetDiagnostic.Text(r.NextHop), InterfaceName = r.InterfaceName,
        Table = r.Table, Vrf = r.Vrf, Type = r.Type.ToString(), Protocol = r.Protocol.ToString(), Scope = r.Scope.ToString(),
        RouteMetric = r.RouteMetric, Source = OverlayNetDiagnostic.Text(r.Source), OnLink = r.OnLink,
        NextHops = r.NextHops.Select(h => $"via {h.NextHop} dev {h.InterfaceName}").ToArray(), AddressFamily = r.AddressFamily.ToString(),
    };
}

public sealed class DiagnosticRule
{
    public uint Priority { get; set; }
    public string From { get; set; } = "";
    public string? To { get; set; }
    public uint Table { get; set; }
    public string Action { get; set; } = "";
    public string? InputInterface { get; set; }
    public string? OutputInterface { get; set; }
    public bool L3MasterDevice { get; set; }
    public uint? FirewallMark { get; set; }
    public string AddressFamily { get; set; } = "";

    public override string ToString() =>
        $"{Priority}: from {From}{(To != null ? $" to {To}" : "")} {(Action == "Table" ? $"lookup {Table}" : Action.ToLowerInvariant())}";

    internal static DiagnosticRule Of(IpRule r) => new()
    {
        Priority = r.Priority, From = r.From, To = r.To, Table = r.Table, Action = r.Action.ToString(), InputInterface = r.InputInterface,
        OutputInterface = r.OutputInterface, L3MasterDevice = r.L3MasterDevice, FirewallMark = r.FirewallMark, AddressFamily = r.AddressFamily.ToString(),
    };
}

public sealed class DiagnosticNeighbor
{
    public string IPAddress { get; set; } = "";
    public string? LinkLayerAddress { get; set; }
    public string InterfaceName { get; set; } = "";
    public string State { get; set; } = "";
    public bool Proxy { get; set; }
    public bool Router { get; set; }

    public override string ToString() => $"{IPAddress} dev {InterfaceName}{(LinkLayerAddress != null ? $" lladdr {LinkLayerAddress}" : "")} {State}";

    internal static DiagnosticNeighbor Of(IpNeighbor n) => new()
    {
        IPAddress = n.IPAddress.ToString(), LinkLayerAddress = OverlayNetDiagnostic.Text(n.LinkLayerAddress), InterfaceName = n.InterfaceName,
        State = n.State.ToString(), Proxy = n.Proxy, Router = n.Router,
    };
}

public sealed class DiagnosticFdbEntry
{
    public string MacAddress { get; set; } = "";
    public string InterfaceName { get; set; } = "";
    public string? Destination { get; set; }
    public int? Vni { get; set; }
    public int? Port { get; set; }
    public string? Via { get; set; }
    public int? Vlan { get; set; }
    public bool Master { get; set; }
    public bool Self { get; set; }
    public string State { get; set; } = "";
    public string? Bridge { get; set; }

    public override string ToString() => $"{MacAddress} dev {InterfaceName}{(Destination != null ? $" dst {Destination}" : "")} {State}";

    internal static DiagnosticFdbEntry Of(BridgeFdbEntry e) => new()
    {
        MacAddress = e.MacAddress.ToString(), InterfaceName = e.InterfaceName, Destination = OverlayNetDiagnostic.Text(e.Destination),
        Vni = e.Vni, Port = e.Port, Via = e.Via, Vlan = e.Vlan, Master = e.Master, Self = e.Self, State = e.State.ToString(), Bridge = e.Bridge,
    };
}
