using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet
{
    /// <summary>An 802.1Q (or 802.1ad) VLAN sub-interface of a parent link.</summary>
    [LinkKind("vlan", KernelModule = "8021q")]
    public class VlanLink : Link
    {
        public int VlanId { get; set; }
        /// <summary>"802.1Q" or "802.1ad", as iproute2 writes them.</summary>
        public string Protocol { get; set; } = VlanLinkSpec.Dot1Q;

        protected internal override void ReadInfoData(AttributeEnumerator data)
        {
            foreach (NetlinkAttribute a in data)
            {
                switch (a.Type)
                {
                    case VlanLinkSpec.IFLA_VLAN_ID: VlanId = a.U16(); break;
                    case VlanLinkSpec.IFLA_VLAN_PROTOCOL: Protocol = VlanLinkSpec.ProtocolName(a.U16BigEndian()); break;
                }
            }
        }
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary><c>ip link add NAME link PARENT type vlan id N [protocol 802.1Q|802.1ad]</c>.</summary>
    public sealed class VlanLinkSpec : LinkSpec
    {
        public VlanLinkSpec(string name, int parentIndex, int vlanId) : base(name)
        {
            ParentIndex = parentIndex;
            VlanId = vlanId;
        }

        internal const ushort IFLA_VLAN_ID = 1, IFLA_VLAN_PROTOCOL = 5;
        public const string Dot1Q = "802.1Q", Dot1AD = "802.1ad";
        private const ushort EtherTypeDot1Q = 0x8100, EtherTypeDot1AD = 0x88a8;

        public override string Kind => "vlan";
        public int VlanId { get; }
        /// <summary>Null leaves it to the kernel (802.1Q), as iproute2 does without <c>protocol</c>.</summary>
        public string? Protocol { get; set; }

        public static string ProtocolName(ushort etherType) => etherType switch
        {
            EtherTypeDot1Q => Dot1Q,
            EtherTypeDot1AD => Dot1AD,
            _ => $"0x{etherType:x4}",
        };

        public static ushort ParseProtocol(string text) => text.ToLowerInvariant() switch
        {
            "802.1q" => EtherTypeDot1Q,
            "802.1ad" => EtherTypeDot1AD,
            _ => throw new ArgumentException($"'{text}' is not a VLAN protocol (802.1Q or 802.1ad)."),
        };

        public override void Validate()
        {
            base.Validate();
            if (VlanId < 0 || VlanId > 4094) throw new ArgumentException($"VLAN id {VlanId} is out of range (0..4094).");
            if (Protocol != null) ParseProtocol(Protocol);
        }

        protected internal override void WriteInfoData(MessageWriter w)
        {
            w.AttrU16(IFLA_VLAN_ID, (ushort)VlanId);
            if (Protocol != null) w.AttrU16BigEndian(IFLA_VLAN_PROTOCOL, ParseProtocol(Protocol));
        }
    }
}
