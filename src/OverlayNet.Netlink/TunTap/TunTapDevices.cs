using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.TunTap;

/// <summary>
/// <c>ip tuntap add dev NAME mode tun|tap [user U] [group G] [multi_queue]</c>. A LinkSpec so the common
/// options (MTU, MAC, master, up) ride along, but it is never sent as RTM_NEWLINK: see <see cref="TunTapDevices"/>.
/// </summary>
public sealed class TunTapSpec(string name, TunTapMode mode) : LinkSpec(name)
{
    public override string Kind => "tun";
    public TunTapMode Mode { get; } = mode;
    public int? Owner { get; set; }
    public int? Group { get; set; }
    public bool MultiQueue { get; set; }

    public override void Validate()
    {
        base.Validate();
        if (!Enum.IsDefined(Mode)) throw new ArgumentException($"Unknown TUN/TAP mode '{Mode}'; use Tun or Tap.");
        if (Owner is < 0) throw new ArgumentException($"Owner uid {Owner} is negative.");
        if (Group is < 0) throw new ArgumentException($"Group gid {Group} is negative.");
    }
}

/// <summary>
/// Makes persistent TUN/TAP devices. The kernel has no rtnetlink way to create them (tun's newlink answers
/// EOPNOTSUPP): the device is made by TUNSETIFF on /dev/net/tun, in the namespace of the calling thread,
/// so the whole sequence runs on a thread inside the target namespace. Flags are iproute2's (ip/iptuntap.c).
/// </summary>
public static class TunTapDevices
{
    private const short IFF_TUN = 0x0001, IFF_TAP = 0x0002, IFF_MULTI_QUEUE = 0x0100, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000;
    // Fail on an existing device instead of attaching to it, as iproute2 asks.
    private const short IFF_TUN_EXCL = unchecked((short)0x8000);

    /// <summary>
    /// Creates the device in the client's namespace, then applies MTU, MAC, master and up through
    /// rtnetlink as <c>ip link set</c> would.
    /// </summary>
    public static void Create(RtnlClient rtnl, TunTapSpec spec)
    {
        spec.Validate();
        CreateDevice(rtnl.NamespacePath, spec);
        var change = new LinkChange { Mtu = spec.Mtu, MacAddress = spec.MacAddress, MasterIndex = spec.MasterIndex };
        if (spec.Up) change.Up = true;
        if (change.Mtu != null || change.MacAddress != null || change.MasterIndex != null || change.Up != null)
            rtnl.SetLink(rtnl.GetIndex(spec.Name), change);
    }

    /// <summary>
    /// Attaches one queue (a new /dev/net/tun file) to the existing TUN device <paramref name="name"/>, as a
    /// program that moves packets through it does (flanneld, the UDP forwarder). Call it on a thread inside the
    /// device's namespace (the file takes the namespace of the thread that opens it). With
    /// <paramref name="multiQueue"/> the device must have been made multi-queue; returns the file descriptor,
    /// non-blocking and close-on-exec, which the caller owns and closes. With <paramref name="virtioHeader"/>
    /// (IFF_VNET_HDR) every packet read or written carries a struct virtio_net_hdr in front, which the offloads
    /// (TUNSETOFFLOAD) need; the flag is the device's, so every queue must ask the same.
    /// </summary>
    public static int AttachQueue(string name, bool multiQueue, bool virtioHeader = false)
    {
        InterfaceNames.Validate(name);
        int fd = Native.Open("/dev/net/tun", Native.O_RDWR | Native.O_NONBLOCK | Native.O_CLOEXEC);
        try
        {
            Native.TunSetIff(fd, name, (short)(IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0) | (virtioHeader ? IFF_VNET_HDR : 0)));
            return fd;
        }
        catch
        {
            Native.Close(fd);
            throw;
        }
    }

    private static void CreateDevice(string? nsPath, TunTapSpec spec)
    {
        short flags = (short)((spec.Mode == TunTapMode.Tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI | IFF_TUN_EXCL
            | (spec.MultiQueue ? IFF_MULTI_QUEUE : 0));
        NetNamespaceRunner.Run(nsPath, () =>
        {
            int fd = Native.Open("/dev/net/tun", Native.O_RDWR);
            try
            {
                try
                {
                    Native.TunSetIff(fd, spec.Name, flags);
                }
                catch (ErrnoException e) when (e.Errno == Errno.EBUSY)
                {
                    throw new ErrnoException($"create TUN/TAP device '{spec.Name}'", Errno.EEXIST);
                }
                if (spec.Owner is int uid) Native.IoctlValue(fd, Native.TUNSETOWNER, (ulong)uid, "TUNSETOWNER");
                if (spec.Group is int gid) Native.IoctlValue(fd, Native.TUNSETGROUP, (ulong)gid, "TUNSETGROUP");
                // Persistent, so the device stays when this file is closed.
                Native.IoctlValue(fd, Native.TUNSETPERSIST, 1, "TUNSETPERSIST");
            }
            finally
            {
                Native.Close(fd);
            }
        });
    }
}
