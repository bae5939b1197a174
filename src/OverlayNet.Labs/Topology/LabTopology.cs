using System.Net;
using OverlayNet.Labs.Reading;

namespace OverlayNet
{
    /// <summary>
    /// A validated lab: hosts (namespaces <c>&lt;lab&gt;-&lt;host&gt;</c>) on an underlay, overlays across
    /// them, containers (namespaces behind a host), NAT and the checks to run. Built by
    /// <see cref="OverlayNet.Labs.TopologyLoader"/>; never half-valid.
    /// </summary>
    public sealed class LabTopology
    {
        public string Name { get; set; } = "";
        /// <summary>The file it was read from; null for a hashtable.</summary>
        public string? Path { get; set; }
        public List<LabHost> Hosts { get; } = [];
        public LabUnderlay Underlay { get; set; } = new();
        public List<LabOverlay> Overlays { get; } = [];
        public List<LabContainer> Containers { get; } = [];
        public List<LabNat> Nat { get; } = [];
        public List<LabCheck> Checks { get; } = [];

        /// <summary>The namespace of a host or container: the lab's name, a dash, the node's name.</summary>
        public string NamespaceOf(string node) => $"{Name}-{node}";

        /// <summary>The namespace of the underlay switch (only with <c>underlay: switch</c>).</summary>
        public string SwitchNamespace => NamespaceOf(Underlay.Switch);

        public LabHost? FindHost(string name) => Hosts.FirstOrDefault(h => h.Name == name);
        public LabOverlay? FindOverlay(string name) => Overlays.FirstOrDefault(o => o.Name == name);
        public LabContainer? FindContainer(string name) => Containers.FirstOrDefault(c => c.Name == name);

        /// <summary>Every namespace the lab consists of, switch first, then hosts, then containers.</summary>
        public IEnumerable<string> Namespaces()
        {
            if (Underlay.Type == UnderlayType.Switch) yield return SwitchNamespace;
            foreach (LabHost h in Hosts) yield return NamespaceOf(h.Name);
            foreach (LabContainer c in Containers) yield return NamespaceOf(c.Name);
        }

        public override string ToString() => Name;
    }

    public enum UnderlayType { Switch, Cable }

    public enum OverlayType { Vxlan, Routed, Gre, Ipip, Vlan }

    public enum VxlanMode { PointToPoint, Multicast, StaticFdb }

    public enum CheckExpectation { Success, Failure }

    /// <summary>A host: a namespace whose underlay interface (eth0) has <see cref="Underlay"/>.</summary>
    public sealed class LabHost
    {
        public string Name { get; set; } = "";
        public IPAddress Address { get; set; } = IPAddress.None;
        public int PrefixLength { get; set; }
        public bool Forwarding { get; set; }
        /// <summary>The host's port on the underlay switch (u-&lt;name&gt; unless given).</summary>
        public string Port { get; set; } = "";
        internal SourcePosition Position { get; set; }
        public string Underlay => $"{Address}/{PrefixLength}";
        public override string ToString() => Name;
    }

    /// <summary>How hosts meet: one bridge in a switch namespace (every host on it) or one cable (two hosts).</summary>
    public sealed class LabUnderlay
    {
        public UnderlayType Type { get; set; } = UnderlayType.Switch;
        /// <summary>The underlay interface in every host.</summary>
        public string Interface { get; set; } = "eth0";
        /// <summary>The switch's node name (its namespace is &lt;lab&gt;-&lt;switch&gt;).</summary>
        public string Switch { get; set; } = "switch";
        /// <summary>The switch's bridge.</summary>
        public string Bridge { get; set; } = "sw0";
    }

    /// <summary>
    /// An overlay across some hosts. VXLAN: a VTEP (<see cref="Interface"/>) in a bridge (<see cref="Bridge"/>)
    /// on each host, point to point, over a multicast group, or with static FDB/neighbour entries and proxy ARP.
    /// Routed: a bridge per host carrying that host's subnet, routes to the others' subnets via their underlay.
    /// GRE/IPIP: a keyed tunnel between two hosts. VLAN: a VLAN device on the underlay interface; its containers
    /// are macvlan devices on it (seed 004's docker macvlan networks), their <see cref="Subnet"/> routed by the host
    /// whose VLAN address is <see cref="Gateway"/> (a router with forwarding).
    /// </summary>
    public sealed class LabOverlay
    {
        public string Name { get; set; } = "";
        public OverlayType Type { get; set; }
        public List<string> Hosts { get; } = [];
        public string Interface { get; set; } = "";
        /// <summary>Hosts whose overlay interface is named otherwise (seed 000: vxlan2 on A, vxlan3 on B).</summary>
        public Dictionary<string, string> Interfaces { get; } = [];
        public string Bridge { get; set; } = "";
        public int Vni { get; set; }
        public int Port { get; set; } = 4789;
        public VxlanMode Mode { get; set; }
        public IPAddress? Group { get; set; }
        public IpPrefix? Subnet { get; set; }
        public IPAddress? Gateway { get; set; }
        /// <summary>Routed overlays: each host's container subnet; the bridge takes its first address.</summary>
        public Dictionary<string, IpPrefix> Subnets { get; } = [];
        /// <summary>Tunnels and VLANs: each host's address on the overlay interface (10.10.0.1/30).</summary>
        public Dictionary<string, IpPrefix> Addresses { get; } = [];
        /// <summary>
        /// GRE keys, checksums and sequence numbers as the overlay's first host sees them (ip tunnel ... ikey okey
        /// icsum ocsum iseq oseq); the second host gets them mirrored: its input is the first's output.
        /// </summary>
        public uint? InputKey { get; set; }
        public uint? OutputKey { get; set; }
        public bool InputChecksum { get; set; }
        public bool OutputChecksum { get; set; }
        public bool InputSequence { get; set; }
        public bool OutputSequence { get; set; }
        /// <summary>Tunnels: the outer TTL; null (0) inherits the inner packet's.</summary>
        public byte? Ttl { get; set; }
        public int VlanId { get; set; }
        internal SourcePosition Position { get; set; }
        public override string ToString() => Name;

        /// <summary>The overlay's interface on a host: its own name there, or the overlay's.</summary>
        public string InterfaceOn(string host) => Interfaces.TryGetValue(host, out string? n) ? n : Interface;

        /// <summary>Every interface name the overlay makes (one, or one per host that names its own).</summary>
        public IEnumerable<string> AllInterfaces() => Hosts.Count == 0 ? [Interface] : Hosts.Select(InterfaceOn).Distinct();

        /// <summary>True on a tunnel's second host, which sees the keys and flags the other way round.</summary>
        public bool IsMirrored(string host) => Hosts.Count == 2 && Hosts[1] == host;

        /// <summary>The bridge address on a host: the routed subnet's first address, or the VXLAN gateway.</summary>
        public IpPrefix? BridgeAddress(string host)
        {
            if (Type == OverlayType.Routed && Subnets.TryGetValue(host, out IpPrefix s))
                return new IpPrefix(Offset(s.Address, 1), s.Length);
            if (Type == OverlayType.Vxlan && Gateway != null && Subnet is IpPrefix net)
                return new IpPrefix(Gateway, net.Length);
            return null;
        }

        /// <summary>
        /// Where a container on this overlay sends what is not on its subnet: the bridge on its host (VXLAN,
        /// routed), or the router's VLAN address (VLAN: the gateway is on another host, not the container's).
        /// </summary>
        public IPAddress? GatewayFor(string host) =>
            Type == OverlayType.Vlan ? Gateway : BridgeAddress(host)?.Address;

        internal static IPAddress Offset(IPAddress a, int by)
        {
            byte[] b = a.GetAddressBytes();
            for (int i = b.Length - 1, carry = by; i >= 0 && carry != 0; i--)
            {
                int v = b[i] + carry;
                b[i] = (byte)v;
                carry = v >> 8;
            }
            return new IPAddress(b);
        }
    }

    /// <summary>
    /// A container: a namespace whose eth0 is a veth to its host, in the overlay's bridge; on a VLAN overlay
    /// its eth0 is a macvlan (mode bridge) on the host's VLAN device instead, and it has no host interface.
    /// </summary>
    public sealed class LabContainer
    {
        public string Name { get; set; } = "";
        public string Host { get; set; } = "";
        public string Overlay { get; set; } = "";
        public IPAddress Address { get; set; } = IPAddress.None;
        public int PrefixLength { get; set; }
        public MacAddress? MacAddress { get; set; }
        /// <summary>Default route via the overlay's gateway on its host.</summary>
        public bool DefaultRoute { get; set; }
        /// <summary>The host side of the veth (v-&lt;name&gt; unless given).</summary>
        public string HostInterface { get; set; } = "";
        internal SourcePosition Position { get; set; }
        public override string ToString() => Name;
    }

    /// <summary>Masquerade on a host: traffic from <see cref="Source"/> (and not to <see cref="Exclude"/>).</summary>
    public sealed class LabNat
    {
        public string Host { get; set; } = "";
        public IpPrefix Source { get; set; }
        public IpPrefix? Exclude { get; set; }
        public string? OutInterface { get; set; }
        internal SourcePosition Position { get; set; }
    }

    /// <summary>A ping from a node's namespace to an address (or another node's address), and what to expect.</summary>
    public sealed class LabCheck
    {
        public string From { get; set; } = "";
        public string To { get; set; } = "";
        public IPAddress Destination { get; set; } = IPAddress.None;
        public CheckExpectation Expect { get; set; } = CheckExpectation.Success;
        internal SourcePosition Position { get; set; }
        public override string ToString() => $"{From} -> {To}";
    }
}
