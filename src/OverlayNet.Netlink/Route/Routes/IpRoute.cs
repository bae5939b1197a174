using System.Net;

namespace OverlayNet
{
    /// <summary>Route type (RTN_*), as <c>ip route add TYPE PREFIX</c> names it.</summary>
    public enum RouteType : byte
    {
        Unspec = 0, Unicast = 1, Local = 2, Broadcast = 3, Anycast = 4, Multicast = 5,
        Blackhole = 6, Unreachable = 7, Prohibit = 8, Throw = 9, Nat = 10,
    }

    /// <summary>Who installed a route (RTPROT_*); values iproute2 has no word for print as numbers.</summary>
    public enum RouteProtocol : byte
    {
        Unspec = 0, Redirect = 1, Kernel = 2, Boot = 3, Static = 4, Gated = 8, Ra = 9, Mrt = 10, Zebra = 11,
        Bird = 12, DnRouted = 13, Xorp = 14, Ntk = 15, Dhcp = 16, Keepalived = 18, Babel = 42, OpenR = 99,
        Bgp = 186, Isis = 187, Ospf = 188, Rip = 189, Eigrp = 192,
    }

    /// <summary>One path of a multipath route (<c>nexthop via G dev D weight W</c>).</summary>
    public class RouteNextHop
    {
        public IPAddress? NextHop { get; set; }
        public string? InterfaceName { get; set; }
        public int InterfaceIndex { get; set; }
        /// <summary>1..256, as iproute2's <c>weight</c>.</summary>
        public int Weight { get; set; } = 1;
        public bool OnLink { get; set; }

        public override string ToString() =>
            string.Join(" ", new[]
            {
                NextHop != null ? $"via {NextHop}" : null,
                InterfaceName != null ? $"dev {InterfaceName}" : null,
                $"weight {Weight}",
                OnLink ? "onlink" : null,
            }.Where(s => s != null));
    }

    /// <summary>A route (<c>ip route</c>).</summary>
    public class IpRoute
    {
        /// <summary>CIDR text, <c>default</c> for a zero-length prefix of either family.</summary>
        /// <remarks>Formatted from <see cref="Prefix"/> when first read: bulk adds and reads of 50,000 routes need
        /// not format text that nobody looks at.</remarks>
        public string DestinationPrefix
        {
            get => _destinationPrefix ??= Prefix.Address is null ? "" : FormatPrefix(Prefix);
            set => _destinationPrefix = value;
        }

        private string? _destinationPrefix;
        public IPAddress? NextHop { get; set; }
        public string? InterfaceName { get; set; }
        public int InterfaceIndex { get; set; }
        public uint Table { get; set; }
        /// <summary>The VRF whose table this is, when a VRF device uses it.</summary>
        public string? Vrf { get; set; }
        public Scope Scope { get; set; }
        public RouteProtocol Protocol { get; set; }
        public RouteType Type { get; set; }
        /// <summary>RTA_PRIORITY (iproute2's <c>metric</c>); null when the kernel reports none.</summary>
        public uint? RouteMetric { get; set; }
        /// <summary>Preferred source address (<c>src</c>).</summary>
        public IPAddress? Source { get; set; }
        public bool OnLink { get; set; }
        /// <summary>The paths of a multipath route; empty for a single-path route.</summary>
        public RouteNextHop[] NextHops { get; set; } = [];
        public IpAddressFamily AddressFamily { get; set; }
        public string? NetNamespace { get; set; }
        /// <summary>The destination as a prefix (network part only).</summary>
        public IpPrefix Prefix { get; set; }
        /// <summary>rtm_flags (RTNH_F_* and RTM_F_*).</summary>
        public uint Flags { get; set; }

        public override string ToString() => DestinationPrefix;

        internal static string FormatPrefix(IpPrefix p) => p.Length == 0 ? "default" : p.ToString();
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary>Routing table numbers with names (<c>/etc/iproute2/rt_tables</c>' fixed entries).</summary>
    public static class RouteTables
    {
        public const uint Unspec = 0, Default = 253, Main = 254, Local = 255;

        /// <summary>"main", "local", "default", "all" or a number.</summary>
        public static uint Parse(string text)
        {
            switch (text.Trim().ToLowerInvariant())
            {
                case "main": return Main;
                case "local": return Local;
                case "default": return Default;
                case "all" or "unspec": return Unspec;
            }
            if (uint.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint n))
                return n;
            throw new ArgumentException($"'{text}' is not a routing table (a number, main, local, default or all).");
        }
    }

    /// <summary>One path in a <see cref="RouteSpec"/>.</summary>
    public sealed class NextHopSpec
    {
        public IPAddress? Gateway { get; set; }
        public int InterfaceIndex { get; set; }
        /// <summary>For describing the route to the user only; the request uses the index.</summary>
        public string? InterfaceName { get; set; }
        public int Weight { get; set; } = 1;
        public bool OnLink { get; set; }
    }

    /// <summary>What <c>ip route add/replace/del</c> says. Null fields are left to iproute2's defaults.</summary>
    public sealed class RouteSpec
    {
        public IpPrefix Destination { get; set; }
        public IPAddress? Gateway { get; set; }
        public int InterfaceIndex { get; set; }
        /// <summary>The device by name; <see cref="RtnlBatch{TTag}"/> resolves it to <see cref="InterfaceIndex"/>.</summary>
        public string? InterfaceName { get; set; }
        public bool OnLink { get; set; }
        public Scope? Scope { get; set; }
        public uint Table { get; set; } = RouteTables.Main;
        public uint? Metric { get; set; }
        public IPAddress? Source { get; set; }
        public RouteType Type { get; set; } = RouteType.Unicast;
        public RouteProtocol? Protocol { get; set; }
        public List<NextHopSpec> NextHops { get; } = [];

        public IpAddressFamily Family => Destination.Family;

        /// <summary>
        /// Sets <see cref="Destination"/> from <c>ip route</c>'s text: a prefix, or <c>default</c>/<c>any</c>, whose
        /// family is <paramref name="family"/> if given, else IPv6 when the gateway, source or a next hop is
        /// (as iproute2 infers it), else IPv4. Set the gateway, source and next hops first.
        /// </summary>
        public void SetDestination(string text, IpAddressFamily? family = null)
        {
            IpPrefix dst = IpPrefix.Parse(text);
            string t = text.Trim();
            bool isDefault = t.Equals("default", StringComparison.OrdinalIgnoreCase) || t.Equals("any", StringComparison.OrdinalIgnoreCase);
            if (isDefault && (family ?? ImpliedFamily()) == IpAddressFamily.IPv6) dst = new IpPrefix(IPAddress.IPv6Any, 0);
            if (family is IpAddressFamily f && f != dst.Family)
                throw new ArgumentException($"The destination {text} is not an {f} prefix.");
            Destination = dst;
        }

        private IpAddressFamily ImpliedFamily()
        {
            static bool V6(IPAddress? a) => a?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            return V6(Gateway) || V6(Source) || NextHops.Any(h => V6(h.Gateway)) ? IpAddressFamily.IPv6 : IpAddressFamily.IPv4;
        }

        /// <summary>Rejects what the kernel would reject or misread, before anything is sent.</summary>
        public void Validate(bool forDelete = false)
        {
            // The prefix is only formatted for an error message: this runs for each of 50,000 routes in bulk.
            string What() => IpRoute.FormatPrefix(Destination);
            if (!Destination.Equals(Destination.Network()))
                throw new ArgumentException($"Invalid prefix for given prefix length: {Destination} has host bits set (did you mean {Destination.Network()}?).");
            CheckFamily(Gateway, "next hop");
            CheckFamily(Source, "preferred source");
            foreach (NextHopSpec nh in NextHops)
            {
                CheckFamily(nh.Gateway, "next hop");
                if (nh.Weight < 1 || nh.Weight > 256)
                    throw new ArgumentException($"Next hop weight {nh.Weight} is out of range (1..256).");
                if (nh.Gateway == null && nh.InterfaceIndex == 0)
                    throw new ArgumentException("A next hop needs a gateway address or an interface.");
            }
            if (NextHops.Count > 0 && (Gateway != null || InterfaceIndex != 0))
                throw new ArgumentException("Give either -NextHop/-InterfaceName or -NextHops, not both.");
            bool needsPath = Type is RouteType.Unicast && !forDelete;
            if (needsPath && Gateway == null && InterfaceIndex == 0 && NextHops.Count == 0)
                throw new ArgumentException($"A unicast route to {What()} needs a next hop or an interface.");
            if (Type is RouteType.Blackhole or RouteType.Unreachable or RouteType.Prohibit or RouteType.Throw
                && (Gateway != null || NextHops.Count > 0))
                throw new ArgumentException($"A {Type.ToString().ToLowerInvariant()} route has no next hop.");
        }

        private void CheckFamily(IPAddress? a, string role)
        {
            if (a != null && a.AddressFamily != Destination.Address.AddressFamily)
                throw new ArgumentException($"The {role} {a} is not of the same address family as the destination {IpRoute.FormatPrefix(Destination)} ({Family}).");
        }

        /// <summary>iproute2's default scope: host for local, link for a unicast route with no gateway, else universe.</summary>
        public Scope EffectiveScope(bool forDelete)
        {
            if (Scope is Scope s) return s;
            if (Family == IpAddressFamily.IPv6) return OverlayNet.Scope.Global;
            if (Type is RouteType.Local or RouteType.Nat) return OverlayNet.Scope.Host;
            if (Type is RouteType.Broadcast or RouteType.Multicast or RouteType.Anycast) return OverlayNet.Scope.Link;
            if (Type is RouteType.Unicast or RouteType.Unspec)
            {
                if (forDelete) return OverlayNet.Scope.Nowhere;
                if (Gateway == null && NextHops.Count == 0) return OverlayNet.Scope.Link;
            }
            return forDelete ? OverlayNet.Scope.Nowhere : OverlayNet.Scope.Global;
        }
    }
}
