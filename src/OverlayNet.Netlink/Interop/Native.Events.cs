using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace OverlayNet.Netlink.Interop;

// The calls an event subscription needs beyond plain request/reply: joining multicast groups, a non-blocking
// receive, and poll() on the socket plus an eventfd that another thread signals to stop the wait at once.
internal static unsafe partial class Native
{
    public const int EWOULDBLOCK = EAGAIN;

    /// <summary>NETLINK_ADD_MEMBERSHIP: works for every group number, unlike the 32-bit bind() mask.</summary>
    public static void AddMembership(int fd, int group) =>
        SetSockOptInt(fd, SOL_NETLINK, 1 /* NETLINK_ADD_MEMBERSHIP */, group);

    public static int EventFd()
    {
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0) throw new ErrnoException("eventfd", errno);
        return fd;
    }

    /// <summary>Adds one to an eventfd's counter, which makes it readable for poll().</summary>
    public static void SignalEventFd(int fd)
    {
        ulong one = 1;
        write(fd, &one, 8); // EAGAIN only when the counter is saturated: it is readable anyway
    }

    /// <summary>
    /// Waits until <paramref name="fd"/> has data or <paramref name="wakeFd"/> was signalled, at most
    /// <paramref name="timeoutMs"/>. Returns (dataReady, woken); both false on timeout.
    /// </summary>
    public static (bool Data, bool Woken) Poll(int fd, int wakeFd, int timeoutMs)
    {
        pollfd* fds = stackalloc pollfd[2];
        fds[0].fd = fd;
        fds[0].events = POLLIN;
        fds[0].revents = 0;
        fds[1].fd = wakeFd;
        fds[1].events = POLLIN;
        fds[1].revents = 0;
        while (true)
        {
            int n = poll(fds, 2, timeoutMs);
            if (n >= 0) break;
            int e = errno;
            if (e == EINTR) continue;
            throw new ErrnoException("poll", e);
        }
        // POLLERR on a netlink socket means a pending error (ENOBUFS): recv reports it, so treat it as data.
        return ((fds[0].revents & (POLLIN | POLLERR)) != 0, (fds[1].revents & POLLIN) != 0);
    }

    /// <summary>
    /// One datagram without blocking: its full length (larger than the buffer when it was truncated), or -1
    /// when nothing is queued. Errors (ENOBUFS: the kernel dropped messages) throw.
    /// </summary>
    public static int RecvNonBlocking(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                long n = recv(fd, p, buffer.Length, MSG_DONTWAIT | MSG_TRUNC);
                if (n >= 0) return (int)n;
                int e = errno;
                if (e == EINTR) continue;
                if (e == EAGAIN) return -1;
                throw new ErrnoException("recv(netlink)", e);
            }
        }
    }
}
