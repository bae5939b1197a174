using OverlayNet.Netlink.Namespaces;

namespace OverlayNet.Netlink.Route;

/// <summary>
/// Finds the far end of a veth whose peer lives in another namespace. The kernel reports only the peer's
/// index and a netns id local to the link's namespace, so the id is matched against the ids this
/// namespace has for each named namespace, and the peer is then read from there.
/// </summary>
public static class VethPeers
{
    /// <summary>
    /// Fills in <see cref="VethLink.PeerNetNamespace"/> and <see cref="VethLink.PeerName"/> of a veth read through
    /// <paramref name="client"/>; <paramref name="knownPeerNamespace"/> spares the search when the caller knows it.
    /// </summary>
    public static void Complete(VethLink veth, RtnlClient client, string? knownPeerNamespace = null)
    {
        if (veth.LinkNetNsId == null) return;
        string? peerNs = knownPeerNamespace;
        if (peerNs == null)
        {
            foreach (string name in NetNamespaceStore.ListNames())
            {
                if (client.GetNetNsId(Path.Combine(NetNamespaceStore.RunDirectory, name)) == veth.LinkNetNsId)
                {
                    peerNs = name;
                    break;
                }
            }
            if (peerNs == null && client.GetNetNsId("/proc/1/ns/net") == veth.LinkNetNsId) peerNs = "/proc/1/ns/net";
        }
        if (peerNs == null) return;
        veth.PeerNetNamespace = peerNs;
        try
        {
            using RtnlClient peerClient = RtnlClient.Open(NetNamespaceStore.Resolve(peerNs), peerNs);
            veth.PeerName = peerClient.GetLink(veth.PeerIndex)?.Name;
        }
        catch (Exception)
        {
            // The peer namespace went away while we looked: leave PeerName empty rather than fail the listing.
        }
    }
}
