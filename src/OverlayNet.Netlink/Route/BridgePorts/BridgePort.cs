namespace OverlayNet
{
    /// <summary>Spanning-tree state of a bridge port (BR_STATE_*).</summary>
    public enum BridgePortState : byte { Disabled = 0, Listening = 1, Learning = 2, Forwarding = 3, Blocking = 4 }

    /// <summary>A port of a Linux bridge and its options (<c>bridge link</c>, IFLA_PROTINFO / IFLA_BRPORT_*).</summary>
    public class BridgePort
    {
        public string InterfaceName { get; set; } = "";
        public int InterfaceIndex { get; set; }
        public string? Bridge { get; set; }
        public int BridgeIndex { get; set; }
        public BridgePortState State { get; set; }
        public int Priority { get; set; }
        public int Cost { get; set; }
        public bool Learning { get; set; }
        public bool UnicastFlood { get; set; }
        public bool NeighborSuppress { get; set; }
        public bool ProxyArp { get; set; }
        public bool Hairpin { get; set; }
        public bool Isolated { get; set; }
        public string? NetNamespace { get; set; }

        public override string ToString() => InterfaceName;
    }
}

namespace OverlayNet.Netlink.Route
{
    internal static class BrPortAttr
    {
        public const ushort STATE = 1, PRIORITY = 2, COST = 3, MODE = 4, LEARNING = 8, UNICAST_FLOOD = 9,
            PROXYARP = 10, NEIGH_SUPPRESS = 32, ISOLATED = 33;
    }

    /// <summary>What <c>bridge link set dev X [learning on|off] [neigh_suppress ...] [proxy_arp ...] [hairpin ...] [isolated ...]</c> changes. Null: unchanged.</summary>
    public sealed class BridgePortChange
    {
        public bool? Learning { get; set; }
        public bool? NeighborSuppress { get; set; }
        public bool? ProxyArp { get; set; }
        public bool? Hairpin { get; set; }
        public bool? Isolated { get; set; }
        public bool? UnicastFlood { get; set; }

        public bool IsEmpty => Learning == null && NeighborSuppress == null && ProxyArp == null && Hairpin == null
            && Isolated == null && UnicastFlood == null;
    }
}
