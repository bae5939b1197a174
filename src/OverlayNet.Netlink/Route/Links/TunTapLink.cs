using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet
{
    /// <summary>TUN carries IP packets (layer 3), TAP carries Ethernet frames (layer 2).</summary>
    public enum TunTapMode { Tun = 1, Tap = 2 }

    /// <summary>A TUN or TAP device (kind "tun", IFLA_TUN_* attributes).</summary>
    [LinkKind("tun")]
    public class TunTapLink : Link
    {
        public TunTapMode Mode { get; set; }
        /// <summary>The user allowed to attach to the device; null when any user with CAP_NET_ADMIN may.</summary>
        public int? Owner { get; set; }
        public int? Group { get; set; }
        public bool MultiQueue { get; set; }
        /// <summary>The device outlives the process that made it (<c>ip tuntap add</c> always sets this).</summary>
        public bool Persistent { get; set; }
        /// <summary>Packets carry the 4-byte packet information header (iproute2's <c>pi</c>).</summary>
        public bool PacketInfo { get; set; }
        public bool VnetHeader { get; set; }
        public int Queues { get; set; }

        protected internal override void ReadInfoData(AttributeEnumerator data)
        {
            foreach (NetlinkAttribute a in data)
            {
                switch (a.Type)
                {
                    case TunAttr.OWNER: Owner = a.S32(); break;
                    case TunAttr.GROUP: Group = a.S32(); break;
                    case TunAttr.TYPE: Mode = (TunTapMode)a.U8(); break;
                    case TunAttr.PI: PacketInfo = a.U8() != 0; break;
                    case TunAttr.VNET_HDR: VnetHeader = a.U8() != 0; break;
                    case TunAttr.PERSIST: Persistent = a.U8() != 0; break;
                    case TunAttr.MULTI_QUEUE: MultiQueue = a.U8() != 0; break;
                    case TunAttr.NUM_QUEUES: Queues = (int)a.U32(); break;
                }
            }
        }
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary>IFLA_TUN_* (linux/if_link.h).</summary>
    internal static class TunAttr
    {
        public const ushort OWNER = 1, GROUP = 2, TYPE = 3, PI = 4, VNET_HDR = 5, PERSIST = 6, MULTI_QUEUE = 7,
            NUM_QUEUES = 8;
    }
}
