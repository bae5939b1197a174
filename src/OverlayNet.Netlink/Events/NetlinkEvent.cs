namespace OverlayNet
{
    /// <summary>What happened to the object of a <see cref="NetlinkEvent"/>.</summary>
    public enum NetlinkEventAction
    {
        /// <summary>The object appeared.</summary>
        New,
        /// <summary>The object was there already and something about it changed (state, address, flags).</summary>
        Changed,
        /// <summary>The object went away; <see cref="NetlinkEvent.Object"/> is how it was last.</summary>
        Deleted,
        /// <summary>
        /// The kernel dropped notifications (ENOBUFS). The table named by <see cref="NetlinkEvent.Type"/> is
        /// being read again; the New/Changed/Deleted events that follow are what differs from before.
        /// </summary>
        Resync,
        /// <summary>A VXLAN device looked up an entry it does not have (l2miss / l3miss).</summary>
        Miss,
    }

    /// <summary>The kind of object an event is about.</summary>
    public enum NetlinkEventType { Link, Address, Route, Neighbor, Fdb, Rule, L2Miss, L3Miss }

    /// <summary>Which events a subscription delivers (Watch-NetlinkEvent -Type).</summary>
    [Flags]
    public enum NetlinkEventTypes
    {
        None = 0,
        Link = 1,
        Address = 2,
        Route = 4,
        Neighbor = 8,
        Fdb = 16,
        Rule = 32,
        /// <summary>Both L2Miss and L3Miss notifications of VXLAN devices.</summary>
        Miss = 64,
        All = Link | Address | Route | Neighbor | Fdb | Rule | Miss,
    }

    /// <summary>
    /// One change the kernel reported, as <c>ip monitor</c> shows it. <see cref="Object"/> is the typed object
    /// as it is after the change (the type the matching Get- cmdlet returns: <see cref="Link"/> or a kind of it,
    /// <see cref="IpAddress"/>, <see cref="IpRoute"/>, <see cref="IpNeighbor"/>, <see cref="BridgeFdbEntry"/>,
    /// <see cref="IpRule"/>); for a miss it is the entry the device wanted: a <see cref="BridgeFdbEntry"/>
    /// with only the MAC (L2Miss) or an <see cref="IpNeighbor"/> with only the IP (L3Miss).
    /// </summary>
    public sealed class NetlinkEvent
    {
        public NetlinkEventAction Action { get; init; }
        public NetlinkEventType Type { get; init; }
        /// <summary>The object after the change; null only for Resync events.</summary>
        public object? Object { get; init; }
        /// <summary>When the notification was read (local time).</summary>
        public DateTime Time { get; init; }
        /// <summary>The namespace as the watcher named it; null for the caller's own.</summary>
        public string? NetNamespace { get; init; }
        /// <summary>The interface the object belongs to (null for rules and resyncs).</summary>
        public string? InterfaceName { get; init; }
        public int InterfaceIndex { get; init; }
        /// <summary>Why a Resync happened; null otherwise.</summary>
        public string? Message { get; init; }

        /// <summary>The object in <c>ip monitor</c> words: <c>10.0.0.2 dev veth0 lladdr ... PERMANENT</c>.</summary>
        public string Detail => _detail ??= OverlayNet.Netlink.Events.EventText.Describe(this);
        private string? _detail;

        public override string ToString() => $"{Action} {Type}: {Detail}";
    }
}
