using System.Net;
using System.Text;
using OverlayNet.Labs.Reading;

namespace OverlayNet.Labs;

/// <summary>
/// Binds the positioned node tree to <see cref="LabTopology"/>: every key checked against its section,
/// every value against its type. Cross-references and ranges are <see cref="TopologyValidator"/>'s job.
/// </summary>
internal sealed class TopologyBinder(List<TopologyError> errors)
{
    internal static readonly string[] TopKeys = ["name", "hosts", "underlay", "overlays", "containers", "nat", "checks"];
    internal static readonly string[] HostKeys = ["name", "underlay", "forwarding", "port"];
    internal static readonly string[] UnderlayKeys = ["type", "interface", "switch", "bridge"];
    internal static readonly string[] OverlayKeys =
        ["name", "type", "hosts", "interface", "bridge", "vni", "port", "mode", "group", "subnet", "gateway", "subnets", "addresses", "key", "id",
         "input-key", "output-key", "checksum", "input-checksum", "output-checksum", "sequence", "input-sequence", "output-sequence", "ttl"];
    internal static readonly string[] ContainerKeys = ["name", "host", "overlay", "address", "mac", "gateway", "interface"];
    internal static readonly string[] NatKeys = ["host", "source", "exclude", "out"];
    internal static readonly string[] CheckKeys = ["from", "to", "expect"];

    private static readonly Dictionary<string, UnderlayType> UnderlayWords = new() { ["switch"] = UnderlayType.Switch, ["cable"] = UnderlayType.Cable };
    private static readonly Dictionary<string, OverlayType> OverlayWords = new()
    {
        ["vxlan"] = OverlayType.Vxlan, ["routed"] = OverlayType.Routed, ["gre"] = OverlayType.Gre, ["ipip"] = OverlayType.Ipip, ["vlan"] = OverlayType.Vlan,
    };
    private static readonly Dictionary<string, VxlanMode> ModeWords = new()
    {
        ["p2p"] = VxlanMode.PointToPoint, ["multicast"] = VxlanMode.Multicast, ["static"] = VxlanMode.StaticFdb,
    };
    private static readonly Dictionary<string, CheckExpectation> ExpectWords = new()
    {
        ["success"] = CheckExpectation.Success, ["failure"] = CheckExpectation.Failure,
    };

    /// <summary>Where each reference was written, for the validator's messages.</summary>
    internal readonly List<(string Name, SourcePosition At, string What)> HostRefs = [];

    public LabTopology Bind(TopologyNode root, string? path)
    {
        var lab = new LabTopology { Path = path };
        if (root is not MapNode top)
        {
            errors.Add(new(root.Position, "A topology is a map with the keys " + string.Join(", ", TopKeys) + "."));
            return lab;
        }
        var r = new MapReader(top, "the topology", TopKeys, errors);
        lab.Name = r.Text("name", required: true) ?? "";
        LabNames.Check(lab.Name, "lab name", r.At("name"), errors);

        TopologyNode? u = r.Node("underlay");
        if (u is ScalarNode { Value: not null } us)
        {
            if (UnderlayWords.TryGetValue(us.Value.ToLowerInvariant(), out UnderlayType t)) lab.Underlay.Type = t;
            else errors.Add(new(us.Position, $"'underlay' must be switch or cable, not '{us.Value}'."));
        }
        else if (r.Map("underlay") is MapNode um)
        {
            var ur = new MapReader(um, "underlay", UnderlayKeys, errors);
            lab.Underlay.Type = ur.Enum("type", UnderlayWords) ?? UnderlayType.Switch;
            lab.Underlay.Interface = ur.Text("interface") ?? "eth0";
            lab.Underlay.Switch = ur.Text("switch") ?? "switch";
            lab.Underlay.Bridge = ur.Text("bridge") ?? "sw0";
            LabNames.Check(lab.Underlay.Switch, "switch name", ur.At("switch"), errors);
        }

        foreach (MapReader h in Items(r, "hosts", HostKeys))
        {
            var host = new LabHost { Name = h.Text("name", required: true) ?? "", Position = h.At("name") };
            IpPrefix? a = h.Interface("underlay", required: true);
            if (a is IpPrefix p) { host.Address = p.Address; host.PrefixLength = p.Length; }
            host.Forwarding = h.Bool("forwarding") ?? false;
            host.Port = h.Text("port") ?? "u-" + host.Name;
            _explicitForwarding[host] = h.Node("forwarding") != null;
            lab.Hosts.Add(host);
        }

        foreach (MapReader o in Items(r, "overlays", OverlayKeys))
            lab.Overlays.Add(BindOverlay(o));

        foreach (MapReader c in Items(r, "containers", ContainerKeys))
        {
            var ctr = new LabContainer
            {
                Name = c.Text("name", required: true) ?? "",
                Host = c.Text("host", required: true) ?? "",
                Overlay = c.Text("overlay", required: true) ?? "",
                Position = c.At("name"),
            };
            HostRefs.Add((ctr.Host, c.At("host"), $"container {ctr.Name}"));
            string? addr = c.Text("address", required: true);
            if (addr != null)
            {
                string[] parts = addr.Split('/');
                if (IPAddress.TryParse(parts[0], out IPAddress? ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                    && (parts.Length == 1 || (parts.Length == 2 && int.TryParse(parts[1], out int len) && len is >= 1 and <= 32)))
                {
                    ctr.Address = ip;
                    ctr.PrefixLength = parts.Length == 2 ? int.Parse(parts[1]) : 0;
                }
                else errors.Add(new(c.At("address"), $"'address' must be an IPv4 address (10.0.2.2, or 10.0.2.2/24), not '{addr}'."));
            }
            string? mac = c.Text("mac");
            if (mac != null)
            {
                try { ctr.MacAddress = MacAddress.Parse(mac); }
                catch (FormatException e) { errors.Add(new(c.At("mac"), e.Message)); }
            }
            ctr.DefaultRoute = c.Bool("gateway") ?? false;
            ctr.HostInterface = c.Text("interface") ?? "v-" + ctr.Name;
            lab.Containers.Add(ctr);
        }

        foreach (MapReader n in Items(r, "nat", NatKeys))
        {
            var nat = new LabNat { Host = n.Text("host", required: true) ?? "", Position = n.Position };
            HostRefs.Add((nat.Host, n.At("host"), "nat"));
            nat.Source = n.Network("source", required: true) ?? default;
            nat.Exclude = n.Network("exclude");
            nat.OutInterface = n.Text("out");
            lab.Nat.Add(nat);
        }

        foreach (MapReader c in Items(r, "checks", CheckKeys))
        {
            lab.Checks.Add(new LabCheck
            {
                From = c.Text("from", required: true) ?? "",
                To = c.Text("to", required: true) ?? "",
                Expect = c.Enum("expect", ExpectWords) ?? CheckExpectation.Success,
                Position = c.Position,
            });
        }

        return lab;
    }

    private readonly Dictionary<LabHost, bool> _explicitForwarding = [];

    /// <summary>Forwarding defaults on where the host must route: in a routed overlay, or masquerading.</summary>
    internal void DefaultForwarding(LabTopology lab)
    {
        foreach (LabHost h in lab.Hosts)
        {
            if (_explicitForwarding.TryGetValue(h, out bool given) && given) continue;
            h.Forwarding = lab.Overlays.Any(o => o.Type == OverlayType.Routed && o.Hosts.Contains(h.Name)) || lab.Nat.Any(n => n.Host == h.Name);
        }
    }

    private LabOverlay BindOverlay(MapReader o)
    {
        var ov = new LabOverlay
        {
            Name = o.Text("name", required: true) ?? "",
            Type = o.Enum("type", OverlayWords) ?? OverlayType.Vxlan,
            Position = o.At("name"),
        };
        if (o.Node("type") == null) errors.Add(new(o.Position, $"Missing required key 'type' ({string.Join(", ", OverlayWords.Keys)})."));
        foreach (ScalarNode h in o.Names("hosts"))
        {
            ov.Hosts.Add(h.Value!);
            HostRefs.Add((h.Value!, h.Position, $"overlay {ov.Name}"));
        }
        if (o.Node("interface") is MapNode perHost) ReadNameMap(perHost, ov);
        else ov.Interface = o.Text("interface") ?? ov.Name;
        ov.Bridge = o.Text("bridge") ?? "br-" + ov.Name;
        ov.Vni = o.Int("vni", required: ov.Type == OverlayType.Vxlan) ?? 0;
        ov.Port = o.Int("port") ?? 4789;
        ov.Mode = o.Enum("mode", ModeWords) ?? (o.Node("group") != null ? VxlanMode.Multicast : VxlanMode.PointToPoint);
        ov.Group = o.Address("group");
        ov.Subnet = o.Network("subnet");
        ov.Gateway = o.Address("gateway");
        ReadPrefixMap(o, "subnets", ov.Subnets, ov.Name, network: true);
        ReadPrefixMap(o, "addresses", ov.Addresses, ov.Name, network: false);
        BindTunnelOptions(o, ov);
        ov.VlanId = o.Int("id", required: ov.Type == OverlayType.Vlan) ?? 0;
        return ov;
    }

    /// <summary>
    /// A tunnel's keys, checksums and sequence numbers, in New-IpTunnel's words: 'key' both ways or 'input-key' and
    /// 'output-key' (as the first host sees them), and the same for 'checksum' and 'sequence'.
    /// </summary>
    private void BindTunnelOptions(MapReader o, LabOverlay ov)
    {
        uint? both = Key(o, "key");
        ov.InputKey = Key(o, "input-key") ?? both;
        ov.OutputKey = Key(o, "output-key") ?? both;
        if (both != null && (o.Node("input-key") != null || o.Node("output-key") != null))
            errors.Add(new(o.At("key"), "Give 'key' (both ways) or 'input-key' and 'output-key', not both."));
        ov.InputChecksum = Pair(o, "checksum", "input-checksum", out bool oc); ov.OutputChecksum = oc;
        ov.InputSequence = Pair(o, "sequence", "input-sequence", out bool os); ov.OutputSequence = os;
        int? ttl = o.Int("ttl");
        if (ttl is int t)
        {
            if (t is < 0 or > 255) errors.Add(new(o.At("ttl"), $"'ttl' must be 0..255 (0 inherits), not {t}."));
            else ov.Ttl = (byte)t;
        }
    }

    /// <summary>A switch both ways ('checksum') or one per direction ('input-checksum', 'output-checksum').</summary>
    private bool Pair(MapReader o, string both, string input, out bool output)
    {
        string outKey = "output" + input[5..];
        bool? b = o.Bool(both), i = o.Bool(input), x = o.Bool(outKey);
        if (b != null && (i != null || x != null))
            errors.Add(new(o.At(both), $"Give '{both}' (both ways) or '{input}' and '{outKey}', not both."));
        output = x ?? b ?? false;
        return i ?? b ?? false;
    }

    /// <summary>A GRE key: 0..4294967295, in decimal or hex (0x111111, as the seed writes it).</summary>
    private uint? Key(MapReader o, string key)
    {
        string? t = o.Text(key);
        if (t == null) return null;
        bool hex = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (uint.TryParse(hex ? t[2..] : t, hex ? System.Globalization.NumberStyles.AllowHexSpecifier : System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out uint v))
            return v;
        errors.Add(new(o.At(key), $"'{key}' must be a whole number 0..4294967295 (decimal, or hex as 0x111111), not '{t}'."));
        return null;
    }

    /// <summary>'interface' as a map: each host's own name for the overlay's device (host: name).</summary>
    private void ReadNameMap(MapNode m, LabOverlay ov)
    {
        ov.Interface = ov.Name;
        foreach (var (k, v) in m.Entries)
        {
            string host = k.Value ?? "";
            HostRefs.Add((host, k.Position, $"overlay {ov.Name} interface"));
            if (v is not ScalarNode { Value: string name }) { errors.Add(new(v.Position, $"'interface.{host}' must be an interface name.")); continue; }
            if (!ov.Interfaces.TryAdd(host, name)) errors.Add(new(k.Position, $"Duplicate host '{host}' in interface."));
        }
    }

    private void ReadPrefixMap(MapReader o, string key, Dictionary<string, IpPrefix> into, string overlay, bool network)
    {
        if (o.Map(key) is not MapNode m) return;
        foreach (var (k, v) in m.Entries)
        {
            string host = k.Value ?? "";
            HostRefs.Add((host, k.Position, $"overlay {overlay} {key}"));
            if (into.ContainsKey(host)) { errors.Add(new(k.Position, $"Duplicate host '{host}' in {key}.")); continue; }
            string? text = v is ScalarNode s ? s.Value : null;
            if (MapReader.ParsePrefix(text ?? "", v.Position, $"{key}.{host}", errors, network) is IpPrefix p) into[host] = p;
        }
    }

    /// <summary>Each map of a list section, or nothing when the section is absent.</summary>
    private IEnumerable<MapReader> Items(MapReader r, string key, string[] allowed)
    {
        if (r.List(key) is not ListNode l) yield break;
        foreach (TopologyNode item in l.Items)
        {
            if (item is MapNode m) yield return new MapReader(m, key, allowed, errors);
            else errors.Add(new(item.Position, $"Each item of '{key}' must be a map ({string.Join(", ", allowed)})."));
        }
    }
}

/// <summary>Rules for the names that become parts of namespace and interface names.</summary>
internal static class LabNames
{
    public static void Check(string name, string what, SourcePosition at, List<TopologyError> errors)
    {
        if (name.Length == 0) return; // "missing" was reported already
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                errors.Add(new(at, $"The {what} '{name}' may hold only letters, digits, '-', '_' and '.'."));
                return;
            }
        }
    }

    /// <summary>The kernel's limit: IFNAMSIZ 16 bytes including the terminating zero.</summary>
    public static void CheckInterface(string name, string derivedFrom, SourcePosition at, List<TopologyError> errors)
    {
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > 15)
            errors.Add(new(at, $"The interface name '{name}' (derived from {derivedFrom}) is {bytes} bytes; Linux allows 15. Shorten the name or set 'interface'."));
        else if (name.Length == 0 || name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c)))
            errors.Add(new(at, $"The interface name '{name}' (derived from {derivedFrom}) is not valid."));
    }
}
