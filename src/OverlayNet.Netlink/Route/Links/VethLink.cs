using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet
{
    /// <summary>One end of a veth pair. The peer may live in another namespace.</summary>
    [LinkKind("veth")]
    public class VethLink : Link
    {
        public string? PeerName { get; set; }
        public int PeerIndex { get; set; }
        /// <summary>Name (or path) of the namespace holding the peer; null when it is in the same namespace.</summary>
        public string? PeerNetNamespace { get; set; }

        protected internal override void ResolveNames(IReadOnlyDictionary<int, string> names)
        {
            // For veth, IFLA_LINK is the peer, not a parent.
            PeerIndex = ParentIndex;
            if (LinkNetNsId == null && names.TryGetValue(PeerIndex, out string? peer)) PeerName = peer;
            if (MasterIndex != 0 && names.TryGetValue(MasterIndex, out string? m)) Master = m;
        }
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary><c>ip link add NAME type veth peer name PEER [netns NS]</c>.</summary>
    public sealed class VethLinkSpec(string name, string peerName) : LinkSpec(name)
    {
        private const ushort VETH_INFO_PEER = 1;

        public override string Kind => "veth";
        public string PeerName { get; } = peerName;
        /// <summary>Create the peer directly in the namespace behind this fd.</summary>
        public int? PeerNetNamespaceFd { get; set; }
        public MacAddress? PeerMacAddress { get; set; }

        public override void Validate()
        {
            base.Validate();
            InterfaceNames.Validate(PeerName);
        }

        protected internal override void WriteInfoData(MessageWriter w)
        {
            // VETH_INFO_PEER holds a whole ifinfomsg followed by the peer's own attributes.
            int peer = w.BeginNested(VETH_INFO_PEER);
            w.WriteStruct(new IfInfoMsg());
            w.AttrString(Ifla.IFNAME, PeerName);
            if (PeerMacAddress is MacAddress mac) w.Attr(Ifla.ADDRESS, mac.GetBytes());
            if (PeerNetNamespaceFd is int fd) w.AttrU32(Ifla.NET_NS_FD, (uint)fd);
            w.EndNested(peer);
        }
    }
}
