using System.Net;
using OverlayNet.Labs.Reading;

namespace OverlayNet.Labs;

/// <summary>
/// Checks a bound topology as a whole: references, duplicates, addresses against their subnets, ranges,
/// derived interface names, and namespaces another lab owns. Fills in the defaults that depend on the rest
/// (an overlay's hosts, a container's prefix length, check destinations).
/// </summary>
internal sealed class TopologyValidator(List<TopologyError> errors)
{
    public const int MaxVni = 0xFFFFFF;

    public void Validate(LabTopology lab, TopologyBinder binder, Func<string, string?>? ownerOfNamespace)
    {
        var nodes = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        if (lab.Underlay.Type == UnderlayType.Switch) nodes[lab.Underlay.Switch] = default;
        foreach (LabHost h in lab.Hosts) AddName(nodes, h.Name, "host", h.Position);
        foreach (LabContainer c in lab.Containers) AddName(nodes, c.Name, "container", c.Position);

        if (lab.Hosts.Count == 0) errors.Add(new(new SourcePosition(lab.Path, 1, 1), "A lab needs at least one host under 'hosts'."));
        if (lab.Underlay.Type == UnderlayType.Cable && lab.Hosts.Count != 2)
            errors.Add(new(new SourcePosition(lab.Path, 1, 1), $"'underlay: cable' joins exactly two hosts; this lab has {lab.Hosts.Count}. Use 'underlay: switch'."));
        LabNames.CheckInterface(lab.Underlay.Interface, "underlay.interface", new SourcePosition(lab.Path, 0, 0), errors);
        if (lab.Underlay.Type == UnderlayType.Switch)
            LabNames.CheckInterface(lab.Underlay.Bridge, "underlay.bridge", new SourcePosition(lab.Path, 0, 0), errors);

        var underlayAddresses = new Dictionary<IPAddress, string>();
        foreach (LabHost h in lab.Hosts)
        {
            if (h.PrefixLength > 0 && !underlayAddresses.TryAdd(h.Address, h.Name))
                errors.Add(new(h.Position, $"Duplicate underlay address {h.Address}: host '{underlayAddresses[h.Address]}' has it already."));
            if (lab.Underlay.Type == UnderlayType.Switch)
                LabNames.CheckInterface(SwitchPort(h), $"host '{h.Name}' (its switch port)", h.Position, errors);
        }

        foreach (var (name, at, what) in binder.HostRefs)
            if (name.Length > 0 && lab.FindHost(name) == null)
                errors.Add(new(at, $"Unknown host '{name}' in {what}; hosts are: {string.Join(", ", lab.Hosts.Select(h => h.Name))}."));

        var overlayNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (LabOverlay o in lab.Overlays)
        {
            if (o.Name.Length > 0 && !overlayNames.Add(o.Name)) errors.Add(new(o.Position, $"Duplicate overlay name '{o.Name}'."));
            LabNames.Check(o.Name, "overlay name", o.Position, errors);
            ValidateOverlay(lab, o);
        }
        CheckSharedInterfaces(lab);
        binder.DefaultForwarding(lab);

        var containerAddresses = new Dictionary<IPAddress, string>();
        var macs = new Dictionary<MacAddress, string>();
        foreach (LabContainer c in lab.Containers) ValidateContainer(lab, c, containerAddresses, macs);

        foreach (LabCheck check in lab.Checks) ResolveCheck(lab, check);

        if (ownerOfNamespace != null && lab.Name.Length > 0)
        {
            foreach (string ns in lab.Namespaces())
            {
                string? owner = ownerOfNamespace(ns);
                if (owner != null && owner != lab.Name)
                    errors.Add(new(PositionOfNamespace(lab, ns), $"Namespace '{ns}' is owned by lab '{owner}'; remove that lab first (Remove-OverlayLab -Name {owner}) or rename this one."));
            }
        }
    }

    public static string SwitchPort(LabHost h) => h.Port.Length > 0 ? h.Port : "u-" + h.Name;

    private void AddName(Dictionary<string, SourcePosition> nodes, string name, string what, SourcePosition at)
    {
        if (name.Length == 0) return;
        LabNames.Check(name, $"{what} name", at, errors);
        if (nodes.TryGetValue(name, out SourcePosition prev) && prev == default)
            errors.Add(new(at, $"'{name}' is the underlay switch's name; call the {what} something else."));
        else if (!nodes.TryAdd(name, at))
            errors.Add(new(at, $"Duplicate name '{name}': a host or container at {nodes[name]} has it already (each becomes the namespace <lab>-{name})."));
    }

    private void ValidateOverlay(LabTopology lab, LabOverlay o)
    {
        SourcePosition at = o.Position;
        if (o.Hosts.Count == 0)
        {
            if (o.Type == OverlayType.Routed) o.Hosts.AddRange(o.Subnets.Keys);
            else if (o.Type is OverlayType.Gre or OverlayType.Ipip or OverlayType.Vlan) o.Hosts.AddRange(o.Addresses.Keys);
            else o.Hosts.AddRange(lab.Hosts.Select(h => h.Name));
        }
        if (o.Hosts.Distinct().Count() != o.Hosts.Count) errors.Add(new(at, $"Overlay '{o.Name}' names a host twice."));
        switch (o.Type)
        {
            case OverlayType.Vxlan:
                if (o.Vni is < 0 or > MaxVni) errors.Add(new(at, $"VNI {o.Vni} of overlay '{o.Name}' is out of range 0..{MaxVni}."));
                if (o.Port is < 1 or > 65535) errors.Add(new(at, $"Port {o.Port} of overlay '{o.Name}' is out of range 1..65535."));
                if (o.Mode == VxlanMode.PointToPoint && o.Hosts.Count != 2)
                    errors.Add(new(at, $"Point-to-point VXLAN overlay '{o.Name}' needs exactly two hosts, not {o.Hosts.Count}; use mode multicast or static."));
                if (o.Mode == VxlanMode.Multicast && (o.Group == null || o.Group.GetAddressBytes()[0] is < 224 or > 239))
                    errors.Add(new(at, $"Multicast VXLAN overlay '{o.Name}' needs 'group', an address in 224.0.0.0/4."));
                if (o.Gateway != null && o.Subnet is IpPrefix sn && !Contains(sn, o.Gateway))
                    errors.Add(new(at, $"Gateway {o.Gateway} of overlay '{o.Name}' is outside its subnet {sn}."));
                if (o.Gateway != null && o.Subnet == null) errors.Add(new(at, $"Overlay '{o.Name}' has a gateway but no 'subnet'."));
                CheckOverlayInterfaces(o);
                LabNames.CheckInterface(o.Bridge, $"overlay '{o.Name}' (its bridge)", at, errors);
                break;
            case OverlayType.Routed:
                foreach (string h in o.Hosts)
                    if (!o.Subnets.ContainsKey(h)) errors.Add(new(at, $"Routed overlay '{o.Name}' has no subnet for host '{h}' under 'subnets'."));
                LabNames.CheckInterface(o.Bridge, $"overlay '{o.Name}' (its bridge)", at, errors);
                break;
            case OverlayType.Gre or OverlayType.Ipip:
                if (o.Hosts.Count != 2) errors.Add(new(at, $"Tunnel overlay '{o.Name}' joins exactly two hosts, not {o.Hosts.Count}."));
                if (o.Type == OverlayType.Ipip && (o.InputKey != null || o.OutputKey != null)) errors.Add(new(at, $"IPIP overlay '{o.Name}' cannot carry a key; only GRE can."));
                if (o.Type == OverlayType.Ipip && (o.InputChecksum || o.OutputChecksum || o.InputSequence || o.OutputSequence))
                    errors.Add(new(at, $"IPIP overlay '{o.Name}' has no checksums or sequence numbers; only GRE has."));
                CheckOverlayInterfaces(o);
                break;
            case OverlayType.Vlan:
                if (o.VlanId is < 1 or > 4094) errors.Add(new(at, $"VLAN id {o.VlanId} of overlay '{o.Name}' is out of range 1..4094."));
                CheckOverlayInterfaces(o);
                ValidateVlanGateway(o);
                break;
        }
        CheckTunnelOnly(o);
        foreach (string h in o.Interfaces.Keys)
            if (!o.Hosts.Contains(h) && lab.FindHost(h) != null) errors.Add(new(at, $"Overlay '{o.Name}' names an interface for host '{h}', which is not one of its hosts."));
        // Tunnel and VLAN addresses: one per host, no two alike.
        var seen = new Dictionary<IPAddress, string>();
        foreach (var (h, p) in o.Addresses)
        {
            if (!seen.TryAdd(p.Address, h)) errors.Add(new(at, $"Duplicate address {p.Address} in overlay '{o.Name}' (hosts '{seen[p.Address]}' and '{h}')."));
            if (!o.Hosts.Contains(h)) errors.Add(new(at, $"Overlay '{o.Name}' has an address for host '{h}', which is not one of its hosts."));
        }
    }

    private void CheckOverlayInterfaces(LabOverlay o)
    {
        foreach (string name in o.AllInterfaces()) LabNames.CheckInterface(name, $"overlay '{o.Name}'", o.Position, errors);
    }

    /// <summary>Keys, checksums, sequence numbers and TTL belong to tunnels; elsewhere they would be silently ignored.</summary>
    private void CheckTunnelOnly(LabOverlay o)
    {
        if (o.Type is OverlayType.Gre or OverlayType.Ipip) return;
        if (o.InputKey != null || o.OutputKey != null || o.InputChecksum || o.OutputChecksum || o.InputSequence || o.OutputSequence || o.Ttl != null)
            errors.Add(new(o.Position, $"Overlay '{o.Name}' is a {o.Type.ToString().ToLowerInvariant()} overlay; keys, checksums, sequence numbers and ttl are for gre (and ttl for ipip) tunnels."));
        if (o.Type == OverlayType.Routed && o.Interfaces.Count > 0)
            errors.Add(new(o.Position, $"Routed overlay '{o.Name}' makes no interface of its own; name its bridge with 'bridge'."));
    }

    /// <summary>
    /// A VLAN's macvlan subnet (seed 004's docker network) and its gateway: the gateway lies in the subnet and is
    /// one host's VLAN address (the router's), or the containers' default route would point at nobody.
    /// </summary>
    private void ValidateVlanGateway(LabOverlay o)
    {
        if (o.Gateway == null) return;
        if (o.Subnet is not IpPrefix sn) { errors.Add(new(o.Position, $"Overlay '{o.Name}' has a gateway but no 'subnet'.")); return; }
        if (!Contains(sn, o.Gateway)) { errors.Add(new(o.Position, $"Gateway {o.Gateway} of overlay '{o.Name}' is outside its subnet {sn}.")); return; }
        if (!o.Addresses.Any(a => a.Value.Address.Equals(o.Gateway) && a.Value.Length == sn.Length))
            errors.Add(new(o.Position, $"Gateway {o.Gateway} of VLAN overlay '{o.Name}' is no host's address; give the router {o.Gateway}/{sn.Length} under 'addresses'."));
    }

    /// <summary>Two overlays on one host must not derive the same interface name.</summary>
    private void CheckSharedInterfaces(LabTopology lab)
    {
        foreach (LabHost h in lab.Hosts)
        {
            var names = new Dictionary<string, string>(StringComparer.Ordinal) { [lab.Underlay.Interface] = "the underlay" };
            foreach (LabOverlay o in lab.Overlays.Where(o => o.Hosts.Contains(h.Name)))
            {
                string dev = o.InterfaceOn(h.Name);
                if (o.Type != OverlayType.Routed && !names.TryAdd(dev, $"overlay '{o.Name}'") && names[dev] != $"overlay '{o.Name}'")
                    errors.Add(new(o.Position, $"Overlay '{o.Name}' and {names[dev]} both make interface '{dev}' on host '{h.Name}'; set 'interface'."));
                if (o.Type is OverlayType.Vxlan or OverlayType.Routed && !names.TryAdd(o.Bridge, $"overlay '{o.Name}'") && names[o.Bridge] != $"overlay '{o.Name}'")
                    errors.Add(new(o.Position, $"Overlay '{o.Name}' and {names[o.Bridge]} both make interface '{o.Bridge}' on host '{h.Name}'; set 'bridge'."));
            }
            foreach (LabContainer c in lab.Containers.Where(c => c.Host == h.Name && !IsMacvlan(lab, c)))
                if (!names.TryAdd(c.HostInterface, $"container '{c.Name}'"))
                    errors.Add(new(c.Position, $"Container '{c.Name}' and {names[c.HostInterface]} both make interface '{c.HostInterface}' on host '{h.Name}'; set 'interface'."));
        }
    }

    private void ValidateContainer(LabTopology lab, LabContainer c, Dictionary<IPAddress, string> addresses, Dictionary<MacAddress, string> macs)
    {
        SourcePosition at = c.Position;
        if (!IsMacvlan(lab, c)) LabNames.CheckInterface(c.HostInterface, $"container '{c.Name}'", at, errors);
        LabOverlay? o = lab.FindOverlay(c.Overlay);
        if (o == null)
        {
            if (c.Overlay.Length > 0)
                errors.Add(new(at, $"Unknown overlay '{c.Overlay}' for container '{c.Name}'; overlays are: {string.Join(", ", lab.Overlays.Select(x => x.Name))}."));
            return;
        }
        if (o.Type is not (OverlayType.Vxlan or OverlayType.Routed or OverlayType.Vlan))
            errors.Add(new(at, $"Container '{c.Name}' is on overlay '{o.Name}', a {o.Type.ToString().ToLowerInvariant()} overlay; containers go on vxlan, routed or vlan overlays."));
        if (o.Type == OverlayType.Vlan && o.Subnet == null)
            errors.Add(new(at, $"Container '{c.Name}' is on VLAN overlay '{o.Name}', which needs a 'subnet' for its macvlan containers."));
        if (c.Host.Length > 0 && lab.FindHost(c.Host) != null && !o.Hosts.Contains(c.Host))
            errors.Add(new(at, $"Container '{c.Name}' is on host '{c.Host}', which overlay '{o.Name}' does not span."));
        IpPrefix? subnet = o.Type == OverlayType.Routed ? (o.Subnets.TryGetValue(c.Host, out IpPrefix s) ? s : null) : o.Subnet;
        if (c.Address.Equals(IPAddress.None)) return;
        if (subnet is IpPrefix net)
        {
            if (c.PrefixLength == 0) c.PrefixLength = net.Length;
            if (!Contains(net, c.Address))
                errors.Add(new(at, $"Address {c.Address} of container '{c.Name}' is outside {(o.Type == OverlayType.Routed ? $"host '{c.Host}''s subnet" : $"overlay '{o.Name}''s subnet")} {net}."));
            else if (o.GatewayFor(c.Host) is IPAddress gw && gw.Equals(c.Address))
                errors.Add(new(at, $"Address {c.Address} of container '{c.Name}' is the gateway's."));
        }
        else if (c.PrefixLength == 0)
            errors.Add(new(at, $"Container '{c.Name}' needs a prefix length (10.0.2.2/24), or its overlay a 'subnet'."));
        if (c.DefaultRoute && o.GatewayFor(c.Host) == null)
            errors.Add(new(at, $"Container '{c.Name}' asks for a gateway, but overlay '{o.Name}' has none (set 'gateway' on it)."));
        if (!addresses.TryAdd(c.Address, c.Name))
            errors.Add(new(at, $"Duplicate address {c.Address}: container '{addresses[c.Address]}' has it already."));
        if (c.MacAddress is MacAddress mac && !macs.TryAdd(mac, c.Name))
            errors.Add(new(at, $"Duplicate MAC {mac}: container '{macs[mac]}' has it already."));
        if (o.Type == OverlayType.Vxlan && o.Mode == VxlanMode.StaticFdb && c.MacAddress == null)
            errors.Add(new(at, $"Container '{c.Name}' is on static-FDB overlay '{o.Name}', which needs its 'mac'."));
    }

    private void ResolveCheck(LabTopology lab, LabCheck check)
    {
        if (check.From.Length > 0 && lab.FindHost(check.From) == null && lab.FindContainer(check.From) == null)
            errors.Add(new(check.Position, $"Unknown host or container '{check.From}' in check 'from'."));
        if (check.To.Length == 0) return;
        if (IPAddress.TryParse(check.To, out IPAddress? ip)) check.Destination = ip;
        else if (lab.FindContainer(check.To) is LabContainer c) check.Destination = c.Address;
        else if (lab.FindHost(check.To) is LabHost h) check.Destination = h.Address;
        else errors.Add(new(check.Position, $"Unknown host or container '{check.To}' in check 'to' (give a name or an address)."));
    }

    private static SourcePosition PositionOfNamespace(LabTopology lab, string ns)
    {
        foreach (LabHost h in lab.Hosts) if (lab.NamespaceOf(h.Name) == ns) return h.Position;
        foreach (LabContainer c in lab.Containers) if (lab.NamespaceOf(c.Name) == ns) return c.Position;
        return new SourcePosition(lab.Path, 1, 1);
    }

    /// <summary>A container on a VLAN overlay: a macvlan on its host's VLAN device, no veth, no host interface.</summary>
    public static bool IsMacvlan(LabTopology lab, LabContainer c) => lab.FindOverlay(c.Overlay)?.Type == OverlayType.Vlan;

    public static bool Contains(IpPrefix net, IPAddress a) => new IpPrefix(a, net.Length).Network().Equals(net.Network());
}
