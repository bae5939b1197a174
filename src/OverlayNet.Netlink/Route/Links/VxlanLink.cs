using System.Net;
using System.Net.Sockets;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet
{
    /// <summary>A VXLAN tunnel endpoint (IFLA_VXLAN_* attributes).</summary>
    [LinkKind("vxlan")]
    public class VxlanLink : Link
    {
        public int? Vni { get; set; }
        /// <summary>UDP destination port; 0 when the kernel's default (8472) is in use without being set.</summary>
        public int Port { get; set; }
        public IPAddress? Local { get; set; }
        /// <summary>The unicast peer (<c>remote</c>); null when a multicast group is used instead.</summary>
        public IPAddress? Remote { get; set; }
        /// <summary>The multicast group (<c>group</c>); null for point-to-point or FDB-driven devices.</summary>
        public IPAddress? Group { get; set; }
        /// <summary>The underlay device (<c>dev</c>).</summary>
        public string? Device { get; set; }
        public int DeviceIndex { get; set; }
        public bool Learning { get; set; }
        public bool Proxy { get; set; }
        public bool L2Miss { get; set; }
        public bool L3Miss { get; set; }
        /// <summary>0 means inherit (the kernel's default).</summary>
        public int Ttl { get; set; }
        /// <summary>0 means unset; 1 means inherit.</summary>
        public int Tos { get; set; }
        public int SourcePortMin { get; set; }
        public int SourcePortMax { get; set; }
        /// <summary>FDB entry lifetime in seconds (<c>ageing</c>); the kernel's default is 300.</summary>
        public int Ageing { get; set; }
        /// <summary>Collect-metadata mode (<c>external</c>): the VNI and peer come from each packet's metadata.</summary>
        public bool External { get; set; }

        protected internal override void ReadInfoData(AttributeEnumerator data)
        {
            foreach (NetlinkAttribute a in data)
            {
                switch (a.Type)
                {
                    case VxlanAttr.ID: Vni = (int)a.U32(); break;
                    case VxlanAttr.GROUP:
                    case VxlanAttr.GROUP6:
                        IPAddress peer = a.Address();
                        if (IsUnspecified(peer)) break;
                        if (VxlanLinkSpec.IsMulticast(peer)) Group = peer; else Remote = peer;
                        break;
                    case VxlanAttr.LOCAL:
                    case VxlanAttr.LOCAL6:
                        IPAddress local = a.Address();
                        if (!IsUnspecified(local)) Local = local;
                        break;
                    case VxlanAttr.LINK: DeviceIndex = (int)a.U32(); break;
                    case VxlanAttr.TTL: Ttl = a.U8(); break;
                    case VxlanAttr.TOS: Tos = a.U8(); break;
                    case VxlanAttr.LEARNING: Learning = a.U8() != 0; break;
                    case VxlanAttr.PROXY: Proxy = a.U8() != 0; break;
                    case VxlanAttr.L2MISS: L2Miss = a.U8() != 0; break;
                    case VxlanAttr.L3MISS: L3Miss = a.U8() != 0; break;
                    case VxlanAttr.AGEING: Ageing = (int)a.U32(); break;
                    case VxlanAttr.PORT: Port = a.U16BigEndian(); break;
                    case VxlanAttr.COLLECT_METADATA: External = a.U8() != 0; break;
                    case VxlanAttr.PORT_RANGE:
                        if (a.Value.Length >= 4)
                        {
                            SourcePortMin = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(a.Value);
                            SourcePortMax = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(a.Value[2..]);
                        }
                        break;
                }
            }
        }

        protected internal override void ResolveNames(IReadOnlyDictionary<int, string> names)
        {
            base.ResolveNames(names);
            if (DeviceIndex != 0 && names.TryGetValue(DeviceIndex, out string? dev)) Device = dev;
        }

        private static bool IsUnspecified(IPAddress a) => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any);
    }
}

namespace OverlayNet.Netlink.Route
{
    internal static class VxlanAttr
    {
        public const ushort ID = 1, GROUP = 2, LINK = 3, LOCAL = 4, TTL = 5, TOS = 6, LEARNING = 7, AGEING = 8,
            LIMIT = 9, PORT_RANGE = 10, PROXY = 11, RSC = 12, L2MISS = 13, L3MISS = 14, PORT = 15, GROUP6 = 16,
            LOCAL6 = 17, COLLECT_METADATA = 25;
    }

    /// <summary>
    /// <c>ip link add NAME type vxlan id VNI [dstport P] [local A] [remote A | group G dev D] [nolearning] [proxy]
    /// [l2miss] [l3miss] [ttl N] [tos N] [srcport MIN MAX] [ageing S] [external]</c>. Like iproute2 6.1, only what
    /// is given goes on the wire, plus IFLA_VXLAN_LEARNING, which iproute2 always sends on create.
    /// </summary>
    public sealed class VxlanLinkSpec(string name) : LinkSpec(name)
    {
        public const int MaxVni = 0xFFFFFF;

        public override string Kind => "vxlan";
        public int? Vni { get; set; }
        public int? Port { get; set; }
        public IPAddress? Local { get; set; }
        public IPAddress? Remote { get; set; }
        public IPAddress? Group { get; set; }
        /// <summary>IFLA_VXLAN_LINK: the underlay device index.</summary>
        public int? DeviceIndex { get; set; }
        public bool Learning { get; set; } = true;
        public bool? Proxy { get; set; }
        public bool? L2Miss { get; set; }
        public bool? L3Miss { get; set; }
        public int? Ttl { get; set; }
        public int? Tos { get; set; }
        public int? SourcePortMin { get; set; }
        public int? SourcePortMax { get; set; }
        public int? Ageing { get; set; }
        public bool External { get; set; }

        public static bool IsMulticast(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6
            ? a.IsIPv6Multicast
            : (a.GetAddressBytes()[0] & 0xF0) == 0xE0;

        public override void Validate()
        {
            base.Validate();
            if (Vni is int vni && (vni < 0 || vni > MaxVni))
                throw new ArgumentException($"VNI {vni} is out of range; a VXLAN network identifier is 0..{MaxVni} (24 bits).");
            if (Vni == null && !External)
                throw new ArgumentException("A VXLAN device needs a VNI (-Vni), unless it is -External.");
            if (Vni != null && External)
                throw new ArgumentException("-External and -Vni cannot both be given: an external device takes the VNI from each packet.");
            if (Remote != null && Group != null)
                throw new ArgumentException("-Remote and -Group cannot both be given: a VXLAN device has one peer, either unicast or a multicast group.");
            if (Group != null && !IsMulticast(Group))
                throw new ArgumentException($"The group {Group} is not a multicast address (224.0.0.0/4 or ff00::/8); use -Remote for a unicast peer.");
            if (Remote != null && IsMulticast(Remote))
                throw new ArgumentException($"The remote {Remote} is a multicast address; use -Group for a multicast group.");
            if (Local != null && IsMulticast(Local))
                throw new ArgumentException($"The local address {Local} cannot be multicast.");
            IPAddress? peer = Remote ?? Group;
            if (peer != null && Local != null && peer.AddressFamily != Local.AddressFamily)
                throw new ArgumentException($"The local address {Local} and the peer {peer} are of different address families.");
            if (Group != null && DeviceIndex == null)
                throw new ArgumentException("A multicast -Group needs the underlay -Device to join it on (iproute2: 'group' requires 'dev').");
            if (Port is int p && (p < 0 || p > 65535)) throw new ArgumentException($"Port {p} is out of range (0..65535).");
            if (Ttl is int ttl && (ttl < 0 || ttl > 255)) throw new ArgumentException($"TTL {ttl} is out of range (0..255).");
            if (Tos is int tos && (tos < 0 || tos > 255)) throw new ArgumentException($"TOS {tos} is out of range (0..255).");
            if ((SourcePortMin == null) != (SourcePortMax == null))
                throw new ArgumentException("A source port range needs both a minimum and a maximum.");
            if (SourcePortMin is int lo && SourcePortMax is int hi && (lo < 0 || hi > 65535 || lo > hi))
                throw new ArgumentException($"Source port range {lo}..{hi} is invalid; it must lie in 0..65535 with min <= max.");
            if (Ageing is int age && age < 0) throw new ArgumentException($"Ageing {age} cannot be negative.");
        }

        protected internal override void WriteInfoData(MessageWriter w)
        {
            // Same order as iproute2's vxlan_parse_opt: options as met, then ID, LOCAL, GROUP, LEARNING, PORT.
            if (DeviceIndex is int dev) w.AttrU32(VxlanAttr.LINK, (uint)dev);
            if (Ttl is int ttl) w.AttrU8(VxlanAttr.TTL, (byte)ttl);
            if (Tos is int tos) w.AttrU8(VxlanAttr.TOS, (byte)tos);
            if (Ageing is int age) w.AttrU32(VxlanAttr.AGEING, (uint)age);
            if (SourcePortMin is int lo && SourcePortMax is int hi && (lo != 0 || hi != 0))
            {
                Span<byte> range = stackalloc byte[4];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(range, (ushort)lo);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(range[2..], (ushort)hi);
                w.Attr(VxlanAttr.PORT_RANGE, range);
            }
            if (Proxy is bool proxy) w.AttrU8(VxlanAttr.PROXY, proxy ? (byte)1 : (byte)0);
            if (L2Miss is bool l2) w.AttrU8(VxlanAttr.L2MISS, l2 ? (byte)1 : (byte)0);
            if (L3Miss is bool l3) w.AttrU8(VxlanAttr.L3MISS, l3 ? (byte)1 : (byte)0);
            if (External) w.AttrU8(VxlanAttr.COLLECT_METADATA, 1);
            if (Vni is int vni) w.AttrU32(VxlanAttr.ID, (uint)vni);
            if (Local != null) w.AttrAddress(Local.AddressFamily == AddressFamily.InterNetworkV6 ? VxlanAttr.LOCAL6 : VxlanAttr.LOCAL, Local);
            if ((Remote ?? Group) is IPAddress peer)
                w.AttrAddress(peer.AddressFamily == AddressFamily.InterNetworkV6 ? VxlanAttr.GROUP6 : VxlanAttr.GROUP, peer);
            // iproute2 always sends LEARNING on create; external turns it off.
            w.AttrU8(VxlanAttr.LEARNING, Learning && !External ? (byte)1 : (byte)0);
            if (Port is int port && port != 0) w.AttrU16BigEndian(VxlanAttr.PORT, (ushort)port);
        }
    }
}
