using System.Globalization;

namespace OverlayNet.Netlink.Events;

/// <summary>
/// The identity (key) and the visible content (signature) of each kind of object, as text. The key says which
/// kernel object a notification is about (what the kernel itself matches on: index for a link, device + IP for
/// a neighbour, table + prefix + metric for a route...); the signature says whether something a user can see
/// changed. Together they turn the kernel's NEW messages, which mean "created or changed", into New or Changed,
/// and let a resync compare a fresh dump with what the stream knew.
/// </summary>
internal static class EventKeys
{
    public static string Key(object o) => o switch
    {
        Link l => l.Index.ToString(CultureInfo.InvariantCulture),
        IpAddress a => $"{a.InterfaceIndex}|{a.IPAddress}/{a.PrefixLength}|{a.Peer}",
        IpRoute r => $"{(int)r.AddressFamily}|{r.Table}|{r.Prefix}|{r.RouteMetric}",
        IpNeighbor n => $"{n.InterfaceIndex}|{n.IPAddress}|{(n.Proxy ? "proxy" : "")}",
        BridgeFdbEntry f => $"{f.InterfaceIndex}|{f.MacAddress}|{f.Vlan}|{f.Destination}|{f.Vni}|{f.Port}|{f.BridgeIndex}|{(f.Self ? "self" : "")}",
        IpRule r => $"{(int)r.AddressFamily}|{r.Priority}|{r.From}|{r.To}|{r.InputInterface}|{r.OutputInterface}|{r.Table}|{r.Action}|{r.FirewallMark}/{r.FirewallMask}|{r.L3MasterDevice}",
        _ => throw new ArgumentException($"No key for {o.GetType().Name}."),
    };

    public static string Signature(object o) => o switch
    {
        Link l => $"{l.Name}|{l.Flags}|{l.Mtu}|{l.MacAddress}|{l.MasterIndex}|{l.ParentIndex}|{l.OperState}|{l.Alias}|{l.TxQueueLength}",
        IpAddress a => $"{a.Flags & ~AddressFlagBits.Permanent}|{a.Scope}|{a.Label}|{a.Broadcast}",
        IpRoute r => $"{r.Type}|{r.NextHop}|{r.InterfaceIndex}|{r.Scope}|{r.Protocol}|{r.Source}|{r.OnLink}|{string.Join(",", r.NextHops.Select(h => $"{h.NextHop}/{h.InterfaceIndex}/{h.Weight}"))}",
        IpNeighbor n => $"{(int)n.State}|{n.LinkLayerAddress}|{n.Router}",
        BridgeFdbEntry f => $"{f.State}|{f.ViaIndex}|{f.Master}",
        IpRule => "",
        _ => throw new ArgumentException($"No signature for {o.GetType().Name}."),
    };

    /// <summary>The interface an object belongs to, for the event's InterfaceIndex.</summary>
    public static int InterfaceIndex(object? o) => o switch
    {
        Link l => l.Index,
        IpAddress a => a.InterfaceIndex,
        IpRoute r => r.InterfaceIndex != 0 ? r.InterfaceIndex : r.NextHops.FirstOrDefault()?.InterfaceIndex ?? 0,
        IpNeighbor n => n.InterfaceIndex,
        BridgeFdbEntry f => f.InterfaceIndex,
        _ => 0,
    };
}
