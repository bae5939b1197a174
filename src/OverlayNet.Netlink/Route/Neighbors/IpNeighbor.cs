using System.Net;
using System.Net.Sockets;

namespace OverlayNet
{
    /// <summary>Neighbour cache states (NUD_*); an entry may carry more than one bit (rarely).</summary>
    [Flags]
    public enum NeighborState
    {
        None = 0x00,
        Incomplete = 0x01,
        Reachable = 0x02,
        Stale = 0x04,
        Delay = 0x08,
        Probe = 0x10,
        Failed = 0x20,
        NoArp = 0x40,
        Permanent = 0x80,
    }

    /// <summary>An ARP (IPv4) or NDP (IPv6) neighbour entry, or a proxy entry (<c>ip neigh</c>).</summary>
    public class IpNeighbor
    {
        public IPAddress IPAddress { get; set; } = IPAddress.None;
        public MacAddress? LinkLayerAddress { get; set; }
        public string InterfaceName { get; set; } = "";
        public int InterfaceIndex { get; set; }
        public NeighborState State { get; set; }
        /// <summary>A proxy entry (<c>ip neigh add proxy</c>): answered on behalf of another host.</summary>
        public bool Proxy { get; set; }
        /// <summary>The neighbour is an IPv6 router (NTF_ROUTER).</summary>
        public bool Router { get; set; }
        public string? NetNamespace { get; set; }

        public IpAddressFamily AddressFamily => IPAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? IpAddressFamily.IPv6 : IpAddressFamily.IPv4;

        public override string ToString() => $"{IPAddress} dev {InterfaceName}";
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary>What <c>ip neigh add/replace/del [proxy] ADDR [lladdr MAC] dev DEV [nud STATE] [router]</c> says.</summary>
    public sealed class NeighborSpec
    {
        public IPAddress Address { get; set; } = IPAddress.None;
        public MacAddress? LinkLayerAddress { get; set; }
        public int InterfaceIndex { get; set; }
        /// <summary>The device by name; <see cref="RtnlBatch{TTag}"/> resolves it to <see cref="InterfaceIndex"/>.</summary>
        public string? InterfaceName { get; set; }
        /// <summary>iproute2's default for add and replace is permanent.</summary>
        public NeighborState State { get; set; } = NeighborState.Permanent;
        public bool Proxy { get; set; }
        public bool Router { get; set; }

        public byte Family => Address.AddressFamily == AddressFamily.InterNetworkV6 ? AddressFamilies.Inet6 : AddressFamilies.Inet;

        /// <summary>Checks an add or replace request; a delete needs only the address and device.</summary>
        public void Validate(bool forDelete = false)
        {
            ValidateValues(forDelete);
            if (InterfaceIndex <= 0) throw new ArgumentException("A neighbour entry needs an interface.");
        }

        /// <summary>Every check that needs no interface lookup (a batch runs these before it resolves names).</summary>
        public void ValidateValues(bool forDelete = false)
        {
            if (Address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
                throw new ArgumentException($"'{Address}' is not an IPv4 or IPv6 address.");
            if (forDelete || Proxy) return;
            if (LinkLayerAddress == null && (State & (NeighborState.Permanent | NeighborState.NoArp | NeighborState.Reachable | NeighborState.Stale)) != 0)
                throw new ArgumentException($"The neighbour {Address} needs a link-layer address (-LinkLayerAddress) in state {State}; only -Proxy entries go without one.");
        }

        /// <summary>The entry a successful request leaves in the kernel, without reading it back (what Add- outputs).</summary>
        public IpNeighbor ToNeighbor(string? netNamespace) => new()
        {
            IPAddress = Address,
            LinkLayerAddress = Proxy ? null : LinkLayerAddress,
            InterfaceName = InterfaceName ?? $"#{InterfaceIndex}",
            InterfaceIndex = InterfaceIndex,
            State = State,
            Proxy = Proxy,
            Router = Router,
            NetNamespace = netNamespace,
        };

        public override string ToString() =>
            $"{(Proxy ? "proxy " : "")}{Address}{(!Proxy && LinkLayerAddress is MacAddress m ? $" lladdr {m}" : "")} dev {InterfaceName ?? $"#{InterfaceIndex}"}";
    }
}
