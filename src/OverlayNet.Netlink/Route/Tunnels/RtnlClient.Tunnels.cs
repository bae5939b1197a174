using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

public sealed partial class RtnlClient
{
    /// <summary>
    /// Changes an existing link of the spec's kind in place (<c>ip tunnel change</c>, <c>ip link set type ...</c>):
    /// RTM_NEWLINK without NLM_F_CREATE, found by name. The kind's data must be complete, because the
    /// kernel rebuilds its parameters from this request alone.
    /// </summary>
    public void ChangeLink(LinkSpec spec)
    {
        spec.Validate();
        MessageWriter w = NewRequest();
        spec.Write(w, 0);
        Socket.Execute(w);
    }
}
