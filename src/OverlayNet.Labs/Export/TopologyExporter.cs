using System.Net;
using System.Text;
using OverlayNet.Labs.State;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Netfilter;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Sysctl;

namespace OverlayNet.Labs.Export;

/// <summary>
/// Reads namespaces built by hand (or by a seed script) and writes the topology that describes them, in the
/// lab schema: the lab's name is the names' common prefix before a dash, a namespace with only a bridge of
/// veth ports is the underlay switch, one whose only device is a veth into a host's bridge is a container,
/// one whose only device is a macvlan on a host's VLAN device is a container on that VLAN, the rest are hosts.
/// What the schema cannot say is refused with the reason, rather than exported wrongly. GRE/IPIP tunnels and
/// VLANs are in TopologyExporter.Tunnels.cs.
/// </summary>
public static partial class TopologyExporter
{
    private sealed class Ns(string name, string node)
    {
        public string Name = name, Node = node;
        public List<Link> Links = [];
        public List<IpAddress> Addresses = [];
        public List<IpRoute> Routes = [];
        public string Forwarding = "0";
        public List<NatMasquerade> Nat = [];
        /// <summary>Its devices but lo and the kernel's own fallback tunnels (gre0, tunl0, ... once ip_gre or ipip is loaded).</summary>
        public IEnumerable<Link> Devices => Links.Where(l => l.Name != "lo" && !KernelState.IsKernelFallback(l));
        public IpAddress? AddressOf(string dev) => Addresses.FirstOrDefault(a => a.InterfaceName == dev);
    }

    public static string Export(IReadOnlyList<string> namespaces)
    {
        if (namespaces.Count == 0) throw new ArgumentException("Name at least one namespace.");
        string lab = LabName(namespaces);
        var all = namespaces.Select(n => new Ns(n, n[(lab.Length + 1)..])).ToList();
        using var kernel = new KernelState();
        foreach (Ns ns in all) Read(ns, kernel);
        var peers = new Dictionary<(string, string), (Ns, Link)>();
        foreach (Ns ns in all)
            foreach (Link v in ns.Links.Where(l => l is VethLink or MacvlanLink))
                if (FindPeer(ns, v, all, kernel) is (Ns pn, Link pl)) peers[(ns.Name, v.Name)] = (pn, pl);

        Ns? sw = all.FirstOrDefault(ns => ns.Addresses.Count == 0 && ns.Devices.Count(l => l.Kind == "bridge") == 1
            && ns.Devices.Where(l => l.Kind != "bridge").All(l => l is VethLink && peers.ContainsKey((ns.Name, l.Name)) && l.Master != null));
        var containers = all.Where(ns => ns != sw && ns.Devices.Count() == 1 && ns.Devices.First() is VethLink v
            && peers.TryGetValue((ns.Name, v.Name), out var p) && p.Item2.Master != null && p.Item1 != sw).ToList();
        // Seed 004's containers: a macvlan whose parent is a VLAN device in another namespace.
        var macvlanContainers = all.Where(ns => ns != sw && ns.Devices.Count() == 1 && ns.Devices.First() is MacvlanLink m
            && peers.TryGetValue((ns.Name, m.Name), out var p) && p.Item1 != ns && p.Item2 is VlanLink).ToList();
        containers.AddRange(macvlanContainers);
        var hosts = all.Where(ns => ns != sw && !containers.Contains(ns)).ToList();
        if (hosts.Count == 0) throw new InvalidOperationException("None of the namespaces looks like a host (only containers or a switch).");

        var accounted = new HashSet<(Ns, string)>();
        void Account(Ns h, params string[] names) { foreach (string n in names) accounted.Add((h, n)); }

        var y = new StringBuilder();
        y.AppendLine($"# Exported by Export-OverlayTopology from: {string.Join(", ", namespaces)}");
        y.AppendLine($"name: {lab}");

        // Underlay: each host's veth towards the switch or the other host.
        var underlayDev = new Dictionary<Ns, Link>();
        foreach (Ns h in hosts)
        {
            Link? u = h.Links.OfType<VethLink>().FirstOrDefault(v => peers.TryGetValue((h.Name, v.Name), out var p) && (p.Item1 == sw || hosts.Contains(p.Item1)));
            if (u == null) throw new InvalidOperationException($"Host namespace '{h.Name}' has no veth to the switch or another host (its underlay).");
            underlayDev[h] = u;
        }
        string dev = underlayDev.Values.First().Name;
        if (underlayDev.Values.Any(l => l.Name != dev))
            throw new InvalidOperationException($"The hosts' underlay interfaces differ ({string.Join(", ", underlayDev.Select(kv => $"{kv.Key.Name}:{kv.Value.Name}"))}); a topology names one for every host.");
        if (sw != null)
        {
            string bridge = sw.Devices.First(l => l.Kind == "bridge").Name;
            y.AppendLine("underlay:");
            y.AppendLine("  type: switch");
            if (dev != "eth0") y.AppendLine($"  interface: {dev}");
            if (sw.Node != "switch") y.AppendLine($"  switch: {sw.Node}");
            if (bridge != "sw0") y.AppendLine($"  bridge: {bridge}");
        }
        else
        {
            if (hosts.Count != 2) throw new InvalidOperationException($"Without a switch namespace the underlay is one cable between two hosts; found {hosts.Count} hosts.");
            y.AppendLine("underlay:");
            y.AppendLine("  type: cable");
            if (dev != "eth0") y.AppendLine($"  interface: {dev}");
        }

        y.AppendLine("hosts:");
        foreach (Ns h in hosts)
        {
            IpAddress a = h.AddressOf(dev) ?? throw new InvalidOperationException($"Host '{h.Name}' has no IPv4 address on its underlay interface {dev}.");
            y.Append($"  - {{ name: {h.Node}, underlay: {a.IPAddress}/{a.PrefixLength}, forwarding: {(h.Forwarding == "1" ? "true" : "false")}");
            if (sw != null && peers.TryGetValue((h.Name, dev), out var port) && port.Item2.Name != "u-" + h.Node) y.Append($", port: {port.Item2.Name}");
            y.AppendLine(" }");
        }

        // Overlays: a bridge with a VXLAN port is a VXLAN overlay; a bridge with an address and no VXLAN a routed one.
        var overlayOfBridge = new Dictionary<(Ns, string), string>();
        var ov = new StringBuilder();
        var vxlans = hosts.SelectMany(h => h.Links.OfType<VxlanLink>().Select(v => (h, v))).GroupBy(x => x.v.Vni).ToList();
        foreach (var g in vxlans)
        {
            var first = g.First().v;
            string name = first.Name, bridge = first.Master ?? throw new InvalidOperationException($"VXLAN device {first.Name} in {g.First().h.Name} is in no bridge.");
            if (g.Any(x => x.v.Master != bridge))
                throw new InvalidOperationException($"VNI {g.Key}: the hosts put its VXLAN device in bridges of different names ({string.Join(", ", g.Select(x => $"{x.h.Name}:{x.v.Name}/{x.v.Master}"))}); a topology names one bridge.");
            string mode = first.Remote != null ? "p2p" : first.Group != null ? "multicast" : !first.Learning && first.Proxy ? "static" : throw new InvalidOperationException($"VXLAN device {name}: neither a remote, a group, nor learning off with proxy ARP; the schema has no such mode.");
            foreach (var (h, _) in g) overlayOfBridge[(h, bridge)] = name;
            var ctrAddrs = containers.Where(c => g.Any(x => x.h == peers[(c.Name, c.Devices.First().Name)].Item1 && peers[(c.Name, c.Devices.First().Name)].Item2.Master == bridge))
                .Select(c => c.AddressOf(c.Devices.First().Name)).OfType<IpAddress>().ToList();
            IpAddress? gw = g.First().h.AddressOf(bridge);
            ov.AppendLine($"  - name: {name}");
            ov.AppendLine("    type: vxlan");
            ov.AppendLine($"    mode: {mode}");
            ov.AppendLine($"    vni: {g.Key}");
            if (first.Port != 4789) ov.AppendLine($"    port: {first.Port}");
            AppendInterfaceNames(ov, name, g.Select(x => (x.h.Node, x.v.Name)).ToList());
            foreach (var (h, v) in g) Account(h, v.Name, bridge);
            if (first.Group != null) ov.AppendLine($"    group: {first.Group}");
            if (g.Count() != hosts.Count) ov.AppendLine($"    hosts: [{string.Join(", ", g.Select(x => x.h.Node))}]");
            if (bridge != "br-" + name) ov.AppendLine($"    bridge: {bridge}");
            IpAddress? sample = gw ?? ctrAddrs.FirstOrDefault();
            if (sample != null) ov.AppendLine($"    subnet: {new IpPrefix(sample.IPAddress, sample.PrefixLength).Network()}");
            if (gw != null) ov.AppendLine($"    gateway: {gw.IPAddress}");
        }
        var routedBridges = hosts.SelectMany(h => h.Links.Where(l => l.Kind == "bridge" && !overlayOfBridge.ContainsKey((h, l.Name)) && h.AddressOf(l.Name) != null).Select(l => (h, l))).ToList();
        foreach (var g in routedBridges.GroupBy(x => x.l.Name))
        {
            string name = "routed-" + g.Key;
            ov.AppendLine($"  - name: {name}");
            ov.AppendLine("    type: routed");
            if (g.Key != "br-" + name) ov.AppendLine($"    bridge: {g.Key}");
            ov.AppendLine("    subnets:");
            foreach (var (h, l) in g)
            {
                IpAddress a = h.AddressOf(l.Name)!;
                var net = new IpPrefix(a.IPAddress, a.PrefixLength).Network();
                if (!LabOverlay.Offset(net.Address, 1).Equals(a.IPAddress))
                    throw new InvalidOperationException($"Bridge {l.Name} in {h.Name} has {a.IPAddress}/{a.PrefixLength}; a routed overlay's bridge takes its subnet's first address.");
                ov.AppendLine($"      {h.Node}: {net}");
                overlayOfBridge[(h, l.Name)] = name;
                Account(h, l.Name);
            }
        }
        var overlayOfVlan = AppendTunnelsAndVlans(ov, hosts, dev, macvlanContainers, peers, Account);
        if (ov.Length > 0) { y.AppendLine("overlays:"); y.Append(ov); }

        if (containers.Count > 0)
        {
            y.AppendLine("containers:");
            foreach (Ns c in containers)
            {
                Link eth = c.Devices.First();
                var (h, hostSide) = peers[(c.Name, eth.Name)];
                if (eth.Name != "eth0") throw new InvalidOperationException($"Container '{c.Name}': its interface is {eth.Name}; the schema names it eth0.");
                if (eth is MacvlanLink)
                {
                    y.AppendLine(MacvlanContainer(c, h, hostSide, overlayOfVlan));
                    continue;
                }
                Account(h, hostSide.Name);
                if (!overlayOfBridge.TryGetValue((h, hostSide.Master!), out string? overlay))
                    throw new InvalidOperationException($"Container '{c.Name}' hangs off bridge {hostSide.Master} in {h.Name}, which is part of no overlay.");
                IpAddress a = c.AddressOf(eth.Name) ?? throw new InvalidOperationException($"Container '{c.Name}' has no IPv4 address.");
                y.Append($"  - {{ name: {c.Node}, host: {h.Node}, overlay: {overlay}, address: {a.IPAddress}/{a.PrefixLength}");
                if (h.Links.OfType<VxlanLink>().Any(v => v.Master == hostSide.Master && !v.Learning)) y.Append($", mac: {eth.MacAddress}");
                if (c.Routes.Any(r => r.DestinationPrefix == "default")) y.Append(", gateway: true");
                if (hostSide.Name != "v-" + c.Node) y.Append($", interface: {hostSide.Name}");
                y.AppendLine(" }");
            }
        }

        // Every device of a host is now part of the file; one that is not would be removed by applying it.
        foreach (Ns h in hosts)
        {
            var left = h.Devices.Where(l => l.Name != dev && !accounted.Contains((h, l.Name))).Select(l => $"{l.Name} ({l.Kind ?? "?"})").ToList();
            if (left.Count > 0)
                throw new InvalidOperationException($"Host '{h.Name}' has devices the schema cannot describe here: {string.Join(", ", left)}; applying the file would remove them.");
        }

        var nat = hosts.SelectMany(h => h.Nat.Select(n => (h, n))).ToList();
        if (nat.Count > 0)
        {
            y.AppendLine("nat:");
            foreach (var (h, n) in nat)
                y.AppendLine($"  - {{ host: {h.Node}, source: {n.SourcePrefix}{(n.ExcludeDestinationPrefix != null ? $", exclude: {n.ExcludeDestinationPrefix}" : "")}{(n.OutInterface != null ? $", out: {n.OutInterface}" : "")} }}");
        }
        string text = y.ToString();
        TopologyLoader.FromYaml(text, "<export>"); // what we write must read back
        return text;
    }

    /// <summary>The names' longest common prefix that ends just before a dash: "mc42-h1", "mc42-c1" give "mc42".</summary>
    internal static string LabName(IReadOnlyList<string> names)
    {
        string p = names[0];
        foreach (string n in names.Skip(1))
        {
            int i = 0;
            while (i < p.Length && i < n.Length && p[i] == n[i]) i++;
            p = p[..i];
        }
        int dash = p.LastIndexOf('-');
        while (dash > 0 && names.Any(n => n.Length <= dash + 1)) dash = p.LastIndexOf('-', dash - 1);
        if (dash <= 0) throw new ArgumentException($"The namespaces {string.Join(", ", names)} share no '<lab>-' prefix; a lab's namespaces are named <lab>-<node>.");
        return p[..dash];
    }

    private static void Read(Ns ns, KernelState kernel)
    {
        if (!KernelState.Exists(ns.Name)) throw new ArgumentException($"Network namespace '{ns.Name}' does not exist.");
        RtnlClient c = kernel.Client(ns.Name);
        ns.Links = c.GetLinks();
        ns.Addresses = c.GetAddresses(IpAddressFamily.IPv4).Where(a => a.InterfaceName != "lo").ToList();
        ns.Routes = c.GetRoutes(IpAddressFamily.IPv4).Where(r => r.Protocol != RouteProtocol.Kernel && r.Type == RouteType.Unicast).ToList();
        string path = NetNamespaceStore.Resolve(ns.Name);
        ns.Forwarding = NetSysctl.Get(path, "net.ipv4.ip_forward", ns.Name).Value.Trim();
        using NftClient nft = NftClient.Open(path);
        ns.Nat = nft.ListRules(NftChain.NatPostrouting).Select(r => NatMasquerade.FromRule(r, ns.Name)).Where(m => m.Recognized && m.SourcePrefix != null).ToList();
    }

    /// <summary>A veth's peer or a macvlan's parent among the namespaces: its index in the namespace its link-netnsid names.</summary>
    private static (Ns, Link)? FindPeer(Ns ns, Link v, List<Ns> all, KernelState kernel)
    {
        int index = v is VethLink veth ? veth.PeerIndex : v.ParentIndex;
        foreach (Ns other in all)
        {
            if (v.LinkNetNsId == null ? other != ns : other == ns) continue;
            if (v.LinkNetNsId != null && kernel.Client(ns.Name).GetNetNsId(NetNamespaceStore.Resolve(other.Name)) != v.LinkNetNsId) continue;
            if (other.Links.FirstOrDefault(l => l.Index == index) is Link peer) return (other, peer);
        }
        return null;
    }

    /// <summary>'interface: name' when every host names the device alike, else 'interface: { host: name, ... }'.</summary>
    private static void AppendInterfaceNames(StringBuilder ov, string overlay, List<(string Node, string Name)> names)
    {
        if (names.All(n => n.Name == names[0].Name))
        {
            if (names[0].Name != overlay) ov.AppendLine($"    interface: {names[0].Name}");
        }
        else ov.AppendLine($"    interface: {{ {string.Join(", ", names.Select(n => $"{n.Node}: {n.Name}"))} }}");
    }
}
