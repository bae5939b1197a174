using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet
{
    /// <summary>A Linux bridge (IFLA_BR_* attributes).</summary>
    [LinkKind("bridge")]
    public class BridgeLink : Link
    {
        public bool StpEnabled { get; set; }
        public bool VlanFiltering { get; set; }
        public TimeSpan AgeingTime { get; set; }
        public TimeSpan ForwardDelay { get; set; }

        protected internal override void ReadInfoData(AttributeEnumerator data)
        {
            foreach (NetlinkAttribute a in data)
            {
                switch (a.Type)
                {
                    case BridgeAttr.STP_STATE: StpEnabled = a.U32() != 0; break;
                    case BridgeAttr.VLAN_FILTERING: VlanFiltering = a.U8() != 0; break;
                    // Both are clock_t, which the kernel reports in USER_HZ (1/100 s).
                    case BridgeAttr.AGEING_TIME: AgeingTime = TimeSpan.FromMilliseconds(a.U32() * 10.0); break;
                    case BridgeAttr.FORWARD_DELAY: ForwardDelay = TimeSpan.FromMilliseconds(a.U32() * 10.0); break;
                }
            }
        }
    }
}

namespace OverlayNet.Netlink.Route
{
    internal static class BridgeAttr
    {
        public const ushort FORWARD_DELAY = 1, HELLO_TIME = 2, MAX_AGE = 3, AGEING_TIME = 4, STP_STATE = 5,
            PRIORITY = 6, VLAN_FILTERING = 7;
    }

    /// <summary><c>ip link add NAME type bridge [stp_state N] [vlan_filtering N] [ageing_time T] [forward_delay T]</c>.</summary>
    public sealed class BridgeLinkSpec(string name) : LinkSpec(name)
    {
        public override string Kind => "bridge";
        public bool? StpEnabled { get; set; }
        public bool? VlanFiltering { get; set; }
        public TimeSpan? AgeingTime { get; set; }
        public TimeSpan? ForwardDelay { get; set; }

        protected internal override void WriteInfoData(MessageWriter w)
        {
            if (ForwardDelay is TimeSpan fd) w.AttrU32(BridgeAttr.FORWARD_DELAY, (uint)Math.Round(fd.TotalMilliseconds / 10));
            if (AgeingTime is TimeSpan at) w.AttrU32(BridgeAttr.AGEING_TIME, (uint)Math.Round(at.TotalMilliseconds / 10));
            if (StpEnabled is bool stp) w.AttrU32(BridgeAttr.STP_STATE, stp ? 1u : 0u);
            if (VlanFiltering is bool vf) w.AttrU8(BridgeAttr.VLAN_FILTERING, vf ? (byte)1 : (byte)0);
        }
    }
}
