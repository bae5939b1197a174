using System.Text;
using OverlayNet.Labs.State;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Route.Tunnels;

namespace OverlayNet.Labs.Export;

/// <summary>
/// The overlays of seeds 001 and 004 as they are found in the kernel: GRE/IPIP tunnels between two hosts' underlay
/// addresses (keys, checksums, sequence numbers and TTL as the first host sees them, mirrored on the second),
/// VLAN devices on the underlay interface, and the macvlan containers on them.
/// </summary>
public static partial class TopologyExporter
{
    /// <summary>Appends the tunnel and VLAN overlays; returns the VLAN overlay of each (host, VLAN device).</summary>
    private static Dictionary<(Ns, string), (string Overlay, LabOverlay Vlan)> AppendTunnelsAndVlans(StringBuilder ov, List<Ns> hosts, string dev,
        List<Ns> macvlanContainers, Dictionary<(string, string), (Ns, Link)> peers, Action<Ns, string[]> account)
    {
        AppendTunnels(ov, hosts, dev, account);
        var result = new Dictionary<(Ns, string), (string, LabOverlay)>();
        foreach (var g in hosts.SelectMany(h => h.Links.OfType<VlanLink>().Select(v => (h, v))).GroupBy(x => x.v.VlanId).OrderBy(g => g.Key))
        {
            foreach (var (h, v) in g)
                if (v.Parent != dev || v.Protocol != VlanLinkSpec.Dot1Q)
                    throw new InvalidOperationException($"VLAN device {v.Name} in {h.Name} is on {v.Parent ?? "?"} ({v.Protocol}); the schema's VLANs are 802.1Q on the underlay interface {dev}.");
            string name = $"vlan{g.Key}";
            var vlan = new LabOverlay { Name = name, Type = OverlayType.Vlan };
            ov.AppendLine($"  - name: {name}");
            ov.AppendLine("    type: vlan");
            ov.AppendLine($"    id: {g.Key}");
            AppendInterfaceNames(ov, name, g.Select(x => (x.h.Node, x.v.Name)).ToList());
            ov.AppendLine($"    hosts: [{string.Join(", ", g.Select(x => x.h.Node))}]");
            var addresses = g.Select(x => (x.h, a: x.h.AddressOf(x.v.Name))).Where(x => x.a != null).ToList();
            if (addresses.Count > 0)
                ov.AppendLine($"    addresses: {{ {string.Join(", ", addresses.Select(x => $"{x.h.Node}: {x.a!.IPAddress}/{x.a.PrefixLength}"))} }}");
            // The macvlan containers on it give its subnet, and their default route its gateway.
            var mine = macvlanContainers.Where(c => g.Any(x => peers[(c.Name, c.Devices.First().Name)] is var (pn, pl) && pn == x.h && pl.Name == x.v.Name)).ToList();
            IpAddress? sample = mine.Select(c => c.AddressOf(c.Devices.First().Name)).FirstOrDefault(a => a != null);
            if (sample != null)
            {
                vlan.Subnet = new IpPrefix(sample.IPAddress, sample.PrefixLength).Network();
                ov.AppendLine($"    subnet: {vlan.Subnet}");
            }
            var gateways = mine.SelectMany(c => c.Routes.Where(r => r.DestinationPrefix == "default" && r.NextHop != null).Select(r => r.NextHop!)).Distinct().ToList();
            if (gateways.Count > 1)
                throw new InvalidOperationException($"The containers on VLAN {g.Key} route through different gateways ({string.Join(", ", gateways)}); a VLAN overlay has one.");
            if (gateways.Count == 1)
            {
                vlan.Gateway = gateways[0];
                ov.AppendLine($"    gateway: {vlan.Gateway}");
            }
            foreach (var (h, v) in g)
            {
                account(h, [v.Name]);
                result[(h, v.Name)] = (name, vlan);
            }
        }
        return result;
    }

    /// <summary>GRE and IPIP tunnels, paired end to end: each runs from its host's underlay address to the other's.</summary>
    private static void AppendTunnels(StringBuilder ov, List<Ns> hosts, string dev, Action<Ns, string[]> account)
    {
        var ends = hosts.SelectMany(h => h.Links.OfType<IpTunnel>().Where(t => t.Mode is IpTunnelMode.Gre or IpTunnelMode.IpIp && !KernelState.IsKernelFallback(t))
            .Select(t => (h, t))).ToList();
        var done = new HashSet<IpTunnel>();
        foreach (var (a, ta) in ends)
        {
            if (done.Contains(ta)) continue;
            string where = $"Tunnel {ta.Name} in {a.Name}";
            if (ta.Local == null || ta.Remote == null || !ta.Local.Equals(a.AddressOf(dev)?.IPAddress))
                throw new InvalidOperationException($"{where} runs from {ta.Local?.ToString() ?? "any"} to {ta.Remote?.ToString() ?? "any"}; the schema's tunnels run between two hosts' underlay addresses.");
            var (b, tb) = ends.FirstOrDefault(x => x.h != a && x.t.Mode == ta.Mode && Equals(x.t.Local, ta.Remote) && Equals(x.t.Remote, ta.Local));
            if (b == null) throw new InvalidOperationException($"{where} has no other end among the namespaces (a {ta.Mode} tunnel from {ta.Remote} to {ta.Local}).");
            if (!ta.Remote.Equals(b.AddressOf(dev)?.IPAddress))
                throw new InvalidOperationException($"{where} ends at {ta.Remote} in {b.Name}, which is not that host's underlay address on {dev}.");
            if (ta.DeviceIndex != 0 || tb.DeviceIndex != 0)
                throw new InvalidOperationException($"{where} is bound to a device (dev); the schema's tunnels are not.");
            if (ta.Ttl != tb.Ttl || tb.InputKey != ta.OutputKey || tb.OutputKey != ta.InputKey || tb.InputChecksum != ta.OutputChecksum
                || tb.OutputChecksum != ta.InputChecksum || tb.InputSequence != ta.OutputSequence || tb.OutputSequence != ta.InputSequence)
                throw new InvalidOperationException($"{where} and its other end in {b.Name} do not mirror each other's keys, checksums, sequence numbers and ttl; the schema describes one end and mirrors it.");
            done.Add(ta);
            done.Add(tb);
            string name = ta.Name;
            ov.AppendLine($"  - name: {name}");
            ov.AppendLine($"    type: {(ta.Mode == IpTunnelMode.Gre ? "gre" : "ipip")}");
            AppendInterfaceNames(ov, name, [(a.Node, ta.Name), (b.Node, tb.Name)]);
            ov.AppendLine($"    hosts: [{a.Node}, {b.Node}]");
            var addresses = new[] { (a, ta), (b, tb) }.Select(x => (x.Item1, ad: x.Item1.AddressOf(x.Item2.Name))).Where(x => x.ad != null).ToList();
            if (addresses.Count > 0)
                ov.AppendLine($"    addresses: {{ {string.Join(", ", addresses.Select(x => $"{x.Item1.Node}: {x.ad!.IPAddress}/{x.ad.PrefixLength}"))} }}");
            if (ta.Ttl != 0) ov.AppendLine($"    ttl: {ta.Ttl}");
            if (ta.InputKey == ta.OutputKey) { if (ta.InputKey != null) ov.AppendLine($"    key: {Hex(ta.InputKey.Value)}"); }
            else
            {
                if (ta.InputKey != null) ov.AppendLine($"    input-key: {Hex(ta.InputKey.Value)}");
                if (ta.OutputKey != null) ov.AppendLine($"    output-key: {Hex(ta.OutputKey.Value)}");
            }
            AppendFlags(ov, "checksum", ta.InputChecksum, ta.OutputChecksum);
            AppendFlags(ov, "sequence", ta.InputSequence, ta.OutputSequence);
            account(a, [ta.Name]);
            account(b, [tb.Name]);
        }
    }

    private static string Hex(uint key) => $"0x{key:x}";

    private static void AppendFlags(StringBuilder ov, string word, bool input, bool output)
    {
        if (input == output) { if (input) ov.AppendLine($"    {word}: true"); return; }
        if (input) ov.AppendLine($"    input-{word}: true");
        if (output) ov.AppendLine($"    output-{word}: true");
    }

    /// <summary>A container whose eth0 is a macvlan (mode bridge) on a host's VLAN device.</summary>
    private static string MacvlanContainer(Ns c, Ns h, Link parent, Dictionary<(Ns, string), (string Overlay, LabOverlay Vlan)> overlayOfVlan)
    {
        var mv = (MacvlanLink)c.Devices.First();
        if (mv.Mode != MacvlanMode.Bridge) throw new InvalidOperationException($"Container '{c.Name}': its macvlan is in mode {mv.Mode}; the schema's are mode bridge.");
        var (overlay, vlan) = overlayOfVlan[(h, parent.Name)];
        IpAddress a = c.AddressOf(mv.Name) ?? throw new InvalidOperationException($"Container '{c.Name}' has no IPv4 address.");
        var line = new StringBuilder($"  - {{ name: {c.Node}, host: {h.Node}, overlay: {overlay}, address: {a.IPAddress}/{a.PrefixLength}, mac: {mv.MacAddress}");
        if (vlan.Gateway != null && c.Routes.Any(r => r.DestinationPrefix == "default" && vlan.Gateway.Equals(r.NextHop))) line.Append(", gateway: true");
        return line.Append(" }").ToString();
    }
}
