using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Namespaces;

namespace OverlayNet.Netlink.Events;

/// <summary>rtnetlink multicast groups (enum rtnetlink_groups in linux/rtnetlink.h).</summary>
public static class RtnlGroups
{
    public const int Link = 1, Neigh = 3, Ipv4Ifaddr = 5, Ipv4Route = 7, Ipv4Rule = 8, Ipv6Ifaddr = 9,
        Ipv6Route = 11, Ipv6Rule = 19;

    /// <summary>
    /// The groups that carry <paramref name="types"/>. Links are always joined: their names label every other
    /// event. Neighbours, FDB entries and VXLAN misses all arrive on the neighbour group (FDB entries as
    /// AF_BRIDGE RTM_NEWNEIGH, misses as AF_BRIDGE RTM_GETNEIGH, see vxlan_fdb_miss/vxlan_ip_miss).
    /// </summary>
    public static IEnumerable<int> For(NetlinkEventTypes types)
    {
        yield return Link;
        if ((types & (NetlinkEventTypes.Neighbor | NetlinkEventTypes.Fdb | NetlinkEventTypes.Miss)) != 0) yield return Neigh;
        if ((types & NetlinkEventTypes.Address) != 0) { yield return Ipv4Ifaddr; yield return Ipv6Ifaddr; }
        if ((types & NetlinkEventTypes.Route) != 0) { yield return Ipv4Route; yield return Ipv6Route; }
        if ((types & NetlinkEventTypes.Rule) != 0) { yield return Ipv4Rule; yield return Ipv6Rule; }
    }
}

/// <summary>
/// A netlink socket subscribed to rtnetlink multicast groups inside one namespace (opened on a thread that
/// entered it), with an eventfd beside it so that <see cref="Wake"/> from any thread ends a <see cref="Wait"/>
/// at once: that is how a stream stops within milliseconds without closing a socket another thread reads.
/// </summary>
internal sealed class EventSocket : IDisposable
{
    // Notifications are small (a few hundred bytes each) but the kernel charges each its skb's full size, about
    // 1 KiB, against this buffer. 32 MiB holds some 30,000 unread notifications: a burst of that many arrives
    // while the reader is busy elsewhere (a resync's dump) before anything is dropped. FORCE passes rmem_max.
    private const int ReceiveBufferBytes = 32 << 20;

    private int _fd, _wakeFd;
    private byte[] _rx = new byte[64 << 10];

    private EventSocket(int fd, int wakeFd)
    {
        _fd = fd;
        _wakeFd = wakeFd;
    }

    /// <summary>
    /// Opens the socket in the namespace at <paramref name="nsPath"/> (null: the caller's) and joins <paramref name="groups"/>;
    /// with <paramref name="interfaceIndex"/>, other interfaces' address, neighbour and FDB notifications are dropped in the kernel.
    /// </summary>
    public static EventSocket Open(string? nsPath, IEnumerable<int> groups, int receiveBufferBytes = 0, int interfaceIndex = 0)
    {
        if (receiveBufferBytes <= 0) receiveBufferBytes = ReceiveBufferBytes;
        int fd = NetNamespaceRunner.Run(nsPath, () => Native.NetlinkSocket(Protocol.Nl.NETLINK_ROUTE));
        int wake = -1;
        try
        {
            // The plain SO_RCVBUF only as the fallback: set after FORCE it would cap the size to rmem_max again.
            try
            {
                Native.SetSockOptInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUFFORCE, receiveBufferBytes);
            }
            catch (ErrnoException)
            {
                Native.SetSockOptInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, receiveBufferBytes, ignoreError: true);
            }
            // The filter before the groups: nothing unfiltered is ever queued.
            if (interfaceIndex > 0) InterfaceFilter.Attach(fd, interfaceIndex);
            foreach (int g in groups) Native.AddMembership(fd, g);
            wake = Native.EventFd();
            return new EventSocket(fd, wake);
        }
        catch
        {
            Native.Close(fd);
            Native.Close(wake);
            throw;
        }
    }

    /// <summary>Waits for data, a wake-up or the timeout. Returns true when data (or an error) is ready.</summary>
    public bool Wait(int timeoutMs, out bool woken)
    {
        (bool data, woken) = Native.Poll(_fd, _wakeFd, timeoutMs);
        return data;
    }

    /// <summary>Makes a <see cref="Wait"/> in progress (or the next one) return at once with woken set.</summary>
    public void Wake()
    {
        if (_wakeFd >= 0) Native.SignalEventFd(_wakeFd);
    }

    /// <summary>
    /// The next queued datagram, or an empty span when none is queued. Throws <see cref="OverrunException"/>
    /// when the kernel dropped notifications (ENOBUFS), or a datagram did not fit (it is lost as well).
    /// </summary>
    public ReadOnlySpan<byte> Receive()
    {
        int n;
        try
        {
            n = Native.RecvNonBlocking(_fd, _rx);
        }
        catch (ErrnoException e) when (e.Errno == Native.ENOBUFS)
        {
            throw new OverrunException("The kernel dropped notifications because the receive buffer was full (ENOBUFS).");
        }
        if (n < 0) return [];
        if (n > _rx.Length)
        {
            _rx = new byte[Math.Max(n, _rx.Length * 2)];
            throw new OverrunException($"A notification of {n} bytes did not fit the receive buffer.");
        }
        return _rx.AsSpan(0, n);
    }

    /// <summary>Throws away everything queued (after an overrun, a dump replaces it).</summary>
    public void Drain()
    {
        while (true)
        {
            try
            {
                if (Native.RecvNonBlocking(_fd, _rx) < 0) return;
            }
            catch (ErrnoException e) when (e.Errno == Native.ENOBUFS)
            {
            }
        }
    }

    public void Dispose()
    {
        Native.Close(_fd);
        Native.Close(_wakeFd);
        _fd = _wakeFd = -1;
    }
}

/// <summary>Notifications were lost; the reader resynchronises from a dump.</summary>
internal sealed class OverrunException(string message) : Exception(message);
