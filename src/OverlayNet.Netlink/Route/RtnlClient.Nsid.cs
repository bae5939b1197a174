using System.Runtime.InteropServices;
using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

public sealed partial class RtnlClient
{
    private const ushort NETNSA_NSID = 1, NETNSA_FD = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct RtGenMsg
    {
        public byte Family;
    }

    /// <summary>
    /// The id this client's namespace uses for the namespace at <paramref name="nsPath"/>
    /// (<c>ip netns list-id</c>), or null when it has assigned none.
    /// </summary>
    public int? GetNetNsId(string nsPath)
    {
        int fd;
        try
        {
            fd = Native.Open(nsPath, Native.O_RDONLY);
        }
        catch (ErrnoException)
        {
            return null;
        }
        try
        {
            MessageWriter w = NewRequest();
            w.BeginMessage(Rtm.GETNSID, 0);
            w.WriteStruct(new RtGenMsg());
            w.AttrU32(NETNSA_FD, (uint)fd);
            w.EndMessage();
            List<int> ids = Socket.Query(w, static m =>
            {
                if (m.Type != Rtm.NEWNSID) return (int?)null;
                foreach (NetlinkAttribute a in m.Attributes<RtGenMsg>())
                    if (a.Type == NETNSA_NSID) return a.S32();
                return null;
            }).Where(i => i != null).Select(i => i!.Value).ToList();
            return ids.Count > 0 && ids[0] >= 0 ? ids[0] : null;
        }
        catch (NetlinkException)
        {
            return null;
        }
        finally
        {
            Native.Close(fd);
        }
    }
}
