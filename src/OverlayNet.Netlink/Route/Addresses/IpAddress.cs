using System.Net;

namespace OverlayNet
{
    /// <summary>An address on an interface (<c>ip addr</c>).</summary>
    public class IpAddress
    {
        public string InterfaceName { get; set; } = "";
        public int InterfaceIndex { get; set; }
        public IPAddress IPAddress { get; set; } = IPAddress.None;
        public int PrefixLength { get; set; }
        public IpAddressFamily AddressFamily { get; set; }
        public Scope Scope { get; set; }
        public IPAddress? Broadcast { get; set; }
        /// <summary>The peer of a point-to-point address (<c>ip addr add A peer B</c>).</summary>
        public IPAddress? Peer { get; set; }
        public string? Label { get; set; }
        public string? NetNamespace { get; set; }
        /// <summary>IFA_F_* flags (secondary, permanent, tentative...).</summary>
        public uint Flags { get; set; }

        public bool Secondary => (Flags & 0x01) != 0;

        /// <summary>CIDR text, as iproute2 prints it: <c>10.0.0.2/24</c>.</summary>
        public override string ToString() => $"{IPAddress}/{PrefixLength}";
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary>What <c>ip addr add/del</c> says.</summary>
    public sealed class AddressSpec
    {
        public int InterfaceIndex { get; set; }
        /// <summary>The device by name; <see cref="RtnlBatch{TTag}"/> resolves it to <see cref="InterfaceIndex"/>.</summary>
        public string? InterfaceName { get; set; }
        public IPAddress Address { get; set; } = IPAddress.None;
        public int PrefixLength { get; set; }
        public IPAddress? Peer { get; set; }
        public IPAddress? Broadcast { get; set; }
        public Scope? Scope { get; set; }
        public string? Label { get; set; }
        /// <summary>
        /// Delete only: match the address whatever its prefix length, as <c>ip addr del 10.0.0.2 dev X</c>
        /// does for IPv4 (no IFA_ADDRESS is sent, so the kernel does not compare lengths).
        /// </summary>
        public bool AnyPrefixLength { get; set; }

        public byte Family => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? AddressFamilies.Inet6 : AddressFamilies.Inet;

        public void Validate()
        {
            int max = Family == AddressFamilies.Inet6 ? 128 : 32;
            if (PrefixLength < 0 || PrefixLength > max)
                throw new ArgumentException($"Prefix length {PrefixLength} is out of range for {Address} (0..{max}).");
            foreach (var (what, other) in new[] { ("peer", Peer), ("broadcast", Broadcast) })
            {
                if (other != null && other.AddressFamily != Address.AddressFamily)
                    throw new ArgumentException($"The {what} address {other} is not of the same family as {Address}.");
            }
            if (Broadcast != null && Family == AddressFamilies.Inet6)
                throw new ArgumentException("IPv6 has no broadcast addresses.");
        }
    }
}
