using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet
{
    /// <summary>How macvlan devices on one parent reach each other (MACVLAN_MODE_*).</summary>
    public enum MacvlanMode : uint { Private = 1, Vepa = 2, Bridge = 4, Passthru = 8, Source = 16 }

    /// <summary>A macvlan device on a parent link.</summary>
    [LinkKind("macvlan")]
    public class MacvlanLink : Link
    {
        public MacvlanMode Mode { get; set; }

        protected internal override void ReadInfoData(AttributeEnumerator data)
        {
            foreach (NetlinkAttribute a in data)
                if (a.Type == MacvlanLinkSpec.IFLA_MACVLAN_MODE) Mode = (MacvlanMode)a.U32();
        }
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary><c>ip link add NAME link PARENT type macvlan [mode M]</c>.</summary>
    public sealed class MacvlanLinkSpec : LinkSpec
    {
        public MacvlanLinkSpec(string name, int parentIndex) : base(name)
        {
            ParentIndex = parentIndex;
        }

        internal const ushort IFLA_MACVLAN_MODE = 1;

        public override string Kind => "macvlan";
        /// <summary>Null leaves it to the kernel (vepa), as iproute2 does without <c>mode</c>.</summary>
        public MacvlanMode? Mode { get; set; }

        protected internal override void WriteInfoData(MessageWriter w)
        {
            if (Mode is MacvlanMode m) w.AttrU32(IFLA_MACVLAN_MODE, (uint)m);
        }
    }
}
