using System.Net;

namespace OverlayNet.Labs.State;

/// <summary>
/// Turns a topology into the kernel objects it stands for. A veth pair is one object, named after the end
/// on the host or switch side (which carries the master), with its far end as <c>peer</c> ("ns/name").
/// </summary>
public static class DesiredState
{
    public const string Zero = "00:00:00:00:00:00";

    public static List<LabObject> Build(LabTopology lab)
    {
        var o = new List<LabObject>();
        string dev = lab.Underlay.Interface;

        foreach (string ns in lab.Namespaces())
        {
            o.Add(new LabObject(LabObjectKind.Namespace, ns, ns));
            o.Add(Link(ns, "lo", null));
        }

        // The underlay: a switch (bridge sw0 with a port per host) or one cable.
        if (lab.Underlay.Type == UnderlayType.Switch)
        {
            string sw = lab.SwitchNamespace;
            o.Add(Link(sw, lab.Underlay.Bridge, "bridge"));
            foreach (LabHost h in lab.Hosts)
                o.Add(Link(sw, TopologyValidator.SwitchPort(h), "veth", ("master", lab.Underlay.Bridge), ("peer", $"{lab.NamespaceOf(h.Name)}/{dev}")));
        }
        else if (lab.Hosts.Count == 2)
        {
            o.Add(Link(lab.NamespaceOf(lab.Hosts[0].Name), dev, "veth", ("peer", $"{lab.NamespaceOf(lab.Hosts[1].Name)}/{dev}")));
        }
        foreach (LabHost h in lab.Hosts)
        {
            string ns = lab.NamespaceOf(h.Name);
            o.Add(Address(ns, dev, h.Underlay));
            o.Add(new LabObject(LabObjectKind.Sysctl, ns, "net.ipv4.ip_forward", ("value", h.Forwarding ? "1" : "0")));
        }

        foreach (LabOverlay ov in lab.Overlays)
            foreach (string hostName in ov.Hosts)
                AddOverlayOnHost(lab, ov, lab.FindHost(hostName)!, o);

        foreach (LabContainer c in lab.Containers)
        {
            LabOverlay ov = lab.FindOverlay(c.Overlay)!;
            string hostNs = lab.NamespaceOf(c.Host), ctrNs = lab.NamespaceOf(c.Name);
            if (ov.Type == OverlayType.Vlan) // seed 004: a macvlan on the host's VLAN device, made in the container
                o.Add(Link(ctrNs, "eth0", "macvlan", ("parent", $"{hostNs}/{ov.InterfaceOn(c.Host)}"), ("mode", "bridge"), ("mac", c.MacAddress?.ToString())));
            else
                o.Add(Link(hostNs, c.HostInterface, "veth", ("master", ov.Bridge), ("peer", $"{ctrNs}/eth0"), ("peer-mac", c.MacAddress?.ToString())));
            o.Add(Address(ctrNs, "eth0", $"{c.Address}/{c.PrefixLength}"));
            if (c.DefaultRoute && ov.GatewayFor(c.Host) is IPAddress gw)
                o.Add(Route(ctrNs, "default", gw.ToString(), "eth0", onlink: false));
        }

        foreach (LabNat n in lab.Nat)
        {
            string ns = lab.NamespaceOf(n.Host);
            o.Add(Nat(ns, n.Source.ToString(), n.Exclude?.ToString(), n.OutInterface));
        }
        return o;
    }

    private static void AddOverlayOnHost(LabTopology lab, LabOverlay ov, LabHost h, List<LabObject> o)
    {
        string ns = lab.NamespaceOf(h.Name);
        string dev = lab.Underlay.Interface, ifname = ov.InterfaceOn(h.Name);
        var peers = ov.Hosts.Where(x => x != h.Name).Select(x => lab.FindHost(x)!).ToList();
        switch (ov.Type)
        {
            case OverlayType.Vxlan:
            {
                o.Add(Link(ns, ov.Bridge, "bridge"));
                if (ov.BridgeAddress(h.Name) is IpPrefix gw) o.Add(Address(ns, ov.Bridge, gw.ToString()));
                bool p2p = ov.Mode == VxlanMode.PointToPoint, stat = ov.Mode == VxlanMode.StaticFdb;
                o.Add(Link(ns, ifname, "vxlan", ("master", ov.Bridge), ("vni", ov.Vni.ToString()), ("port", ov.Port.ToString()),
                    ("dev", dev), ("local", p2p ? h.Address.ToString() : null), ("remote", p2p ? peers[0].Address.ToString() : null),
                    ("group", ov.Mode == VxlanMode.Multicast ? ov.Group!.ToString() : null),
                    ("learning", stat ? "false" : "true"), ("proxy", stat ? "true" : "false")));
                if (stat)
                {
                    foreach (LabHost p in peers) o.Add(Fdb(ns, ifname, Zero, p.Address.ToString()));
                    foreach (LabContainer c in lab.Containers.Where(c => c.Overlay == ov.Name && c.Host != h.Name))
                    {
                        string vtep = lab.FindHost(c.Host)!.Address.ToString();
                        o.Add(Fdb(ns, ifname, c.MacAddress!.Value.ToString(), vtep));
                        o.Add(new LabObject(LabObjectKind.Neighbor, ns, $"{ifname} {c.Address}", ("lladdr", c.MacAddress!.Value.ToString())));
                    }
                }
                break;
            }
            case OverlayType.Routed:
                o.Add(Link(ns, ov.Bridge, "bridge"));
                o.Add(Address(ns, ov.Bridge, ov.BridgeAddress(h.Name)!.Value.ToString()));
                foreach (LabHost p in peers)
                    o.Add(Route(ns, ov.Subnets[p.Name].ToString(), p.Address.ToString(), dev, onlink: true));
                break;
            case OverlayType.Gre or OverlayType.Ipip:
                o.Add(Link(ns, ifname, ov.Type == OverlayType.Gre ? "gre" : "ipip",
                    [("local", h.Address.ToString()), ("remote", peers.Count > 0 ? peers[0].Address.ToString() : null), .. TunnelProps(ov, h.Name)]));
                if (ov.Addresses.TryGetValue(h.Name, out IpPrefix ta)) o.Add(Address(ns, ifname, ta.ToString()));
                break;
            case OverlayType.Vlan:
                o.Add(Link(ns, ifname, "vlan", ("parent", dev), ("id", ov.VlanId.ToString())));
                if (ov.Addresses.TryGetValue(h.Name, out IpPrefix va)) o.Add(Address(ns, ifname, va.ToString()));
                break;
        }
    }

    /// <summary>
    /// A tunnel's keys and GRE flags on one host, mirrored on the second (its input is the first's output). GRE
    /// always names all of them ("none", "false"), so a key or flag the file drops is a difference too.
    /// </summary>
    internal static (string, string?)[] TunnelProps(LabOverlay ov, string host)
    {
        bool m = ov.IsMirrored(host);
        var p = new List<(string, string?)> { ("ttl", (ov.Ttl ?? 0).ToString()) };
        if (ov.Type != OverlayType.Gre) return [.. p];
        uint? ik = m ? ov.OutputKey : ov.InputKey, ok = m ? ov.InputKey : ov.OutputKey;
        bool ic = m ? ov.OutputChecksum : ov.InputChecksum, oc = m ? ov.InputChecksum : ov.OutputChecksum;
        bool iq = m ? ov.OutputSequence : ov.InputSequence, oq = m ? ov.InputSequence : ov.OutputSequence;
        p.AddRange([("ikey", Key(ik)), ("okey", Key(ok)), ("icsum", Flag(ic)), ("ocsum", Flag(oc)), ("iseq", Flag(iq)), ("oseq", Flag(oq))]);
        return [.. p];
    }

    // How a key and a flag are written in both the desired and the kernel's tables (KernelState uses them too),
    // so the two compare as text.
    public static string Key(uint? k) => k?.ToString() ?? "none";
    public static string Flag(bool b) => b ? "true" : "false";

    private static LabObject Link(string ns, string name, string? kind, params (string, string?)[] more) =>
        new(LabObjectKind.Link, ns, name, [("kind", kind), ("up", "true"), .. more]);

    private static LabObject Address(string ns, string dev, string address) =>
        new(LabObjectKind.Address, ns, dev, ("address", address));

    private static LabObject Route(string ns, string dest, string via, string dev, bool onlink) =>
        new(LabObjectKind.Route, ns, dest, ("via", via), ("dev", dev), ("onlink", onlink ? "true" : null));

    private static LabObject Fdb(string ns, string dev, string mac, string dst) =>
        new(LabObjectKind.Fdb, ns, $"{dev} {mac} {dst}", ("dev", dev), ("mac", mac), ("dst", dst));

    public static LabObject Nat(string ns, string source, string? exclude, string? outIf) =>
        new(LabObjectKind.Nat, ns, $"masquerade {source}{(exclude != null ? " !" + exclude : "")}{(outIf != null ? " oif " + outIf : "")}",
            ("source", source), ("exclude", exclude), ("out", outIf));
}
