using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet
{
    /// <summary>ipvlan mode (IPVLAN_MODE_*).</summary>
    public enum IpvlanMode : ushort { L2 = 0, L3 = 1, L3S = 2 }

    /// <summary>An ipvlan device: shares its parent's MAC address, separates by IP address.</summary>
    [LinkKind("ipvlan")]
    public class IpvlanLink : Link
    {
        public IpvlanMode Mode { get; set; }

        protected internal override void ReadInfoData(AttributeEnumerator data)
        {
            foreach (NetlinkAttribute a in data)
                if (a.Type == IpvlanLinkSpec.IFLA_IPVLAN_MODE) Mode = (IpvlanMode)a.U16();
        }
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary><c>ip link add NAME link PARENT type ipvlan [mode l2|l3|l3s]</c>.</summary>
    public sealed class IpvlanLinkSpec : LinkSpec
    {
        public IpvlanLinkSpec(string name, int parentIndex) : base(name)
        {
            ParentIndex = parentIndex;
        }

        internal const ushort IFLA_IPVLAN_MODE = 1;

        public override string Kind => "ipvlan";
        /// <summary>Null leaves it to the kernel (l3), as iproute2 does without <c>mode</c>.</summary>
        public IpvlanMode? Mode { get; set; }

        protected internal override void WriteInfoData(MessageWriter w)
        {
            if (Mode is IpvlanMode m) w.AttrU16(IFLA_IPVLAN_MODE, (ushort)m);
        }
    }
}
