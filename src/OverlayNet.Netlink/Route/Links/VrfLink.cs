using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet
{
    /// <summary>A VRF device: an L3 master whose ports route through its own table.</summary>
    [LinkKind("vrf")]
    public class VrfLink : Link
    {
        public uint Table { get; set; }

        protected internal override void ReadInfoData(AttributeEnumerator data)
        {
            foreach (NetlinkAttribute a in data)
                if (a.Type == VrfLinkSpec.IFLA_VRF_TABLE) Table = a.U32();
        }
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary><c>ip link add NAME type vrf table T</c>.</summary>
    public sealed class VrfLinkSpec(string name, uint table) : LinkSpec(name)
    {
        internal const ushort IFLA_VRF_TABLE = 1;

        public override string Kind => "vrf";
        public uint Table { get; } = table;

        public override void Validate()
        {
            base.Validate();
            if (Table == 0) throw new ArgumentException("A VRF needs a table number other than 0.");
        }

        protected internal override void WriteInfoData(MessageWriter w) => w.AttrU32(IFLA_VRF_TABLE, Table);
    }
}
