using OverlayNet.Forwarding.Interop;
using System.Runtime.CompilerServices;
using OverlayNet.Netlink.Interop;

namespace OverlayNet.Forwarding;

// The two loops each queue runs, on dedicated threads. TUN → UDP blocks in epoll_wait on its TUN queue and the
// stop eventfd, then drains a batch without blocking; UDP → TUN blocks in recvmmsg itself (MSG_WAITFORONE: it
// waits for the first datagram and takes whatever else is queued), one system call a batch instead of two.
public sealed unsafe partial class TunForwarder
{
    /// <summary>TUN → UDP: reads up to a batch of packets, routes each, sends the batch with one sendmmsg.</summary>
    // Fully optimised on first call: the loop never returns, so its precompiled (ReadyToRun) code would never be
    // replaced by the tiered JIT's optimised code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TunToUdp(int queue)
    {
        int tun = _tunFds[queue], socket = _sockets[queue];
        int batch = Options.BatchSize, mtu = Options.Mtu, port = Options.Port;
        using var slab = new PacketSlab(batch);
        var routes = new ForwarderRoute[batch];
        byte* events = stackalloc byte[2 * Libc.EpollEventSize];
        while (true)
        {
            if (!WaitForTun(queue, events)) return;
            int count = 0;
            while (count < batch)
            {
                byte* buffer = slab.Buffer(count);
                nint n = Libc.Read(tun, buffer, PacketSlab.SlotSize);
                if (n < 0)
                {
                    if (TunReadInterrupted()) continue;
                    break;
                }
                var packet = new ReadOnlySpan<byte>(buffer, (int)n);
                ForwarderRoute? route = RouteFromTun(packet);
                if (route == null) continue;
                if (n > mtu)
                {
                    Interlocked.Increment(ref Drops.OversizeCount);
                    int length = IcmpTooBig.Write(packet, mtu, slab.IcmpSpan);
                    if (length > 0) Libc.Write(tun, slab.Icmp, (nuint)length);
                    continue;
                }
                RecordFlow(packet, queue);
                slab.Messages[count].Header.NameLength =
                    SockAddr.Write(route.Address, port, new Span<byte>(slab.Address(count), Libc.SockAddrSize));
                slab.IoVecs[count].Length = (nuint)n;
                routes[count++] = route;
            }
            SendBatch(socket, slab, routes, count);
        }
    }

    /// <summary>
    /// After a TUN read returned -1: true when it was interrupted (read again), false when the queue is empty for
    /// now; throws when the device is gone or the read failed otherwise. Call it straight after the read, before
    /// anything else can overwrite errno.
    /// </summary>
    private bool TunReadInterrupted()
    {
        int errno = Libc.Errno;
        if (errno == Libc.EAGAIN) return false;
        if (errno == Libc.EINTR) return true;
        if (errno == Libc.EBADFD) throw Removed();
        throw new ErrnoException($"read from TUN device '{Options.TunName}'", errno);
    }

    /// <summary>
    /// The checks a packet read from the TUN device passes before it may leave, with or without offloads: a valid
    /// IPv4/IPv6 packet for a subnet in the route table. Otherwise the drop is counted by reason and null returned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ForwarderRoute? RouteFromTun(ReadOnlySpan<byte> packet)
    {
        if (!IpPackets.IsValid(packet))
        {
            Interlocked.Increment(ref Drops.MalformedCount);
            return null;
        }
        ForwarderRoute? route = Routes.LookupDestination(packet);
        if (route == null) Interlocked.Increment(ref Drops.NoRouteCount);
        return route;
    }

    /// <summary>
    /// One recvmmsg into <paramref name="messages"/> that blocks until the first datagram: the datagrams received,
    /// 0 when the call was interrupted; throws on any other failure. Stopping shuts the socket's receive side,
    /// which ends the wait (the caller checks <see cref="_stopping"/> before using what came back).
    /// </summary>
    private int ReceiveBatch(int socket, Libc.MMsgHdr* messages, int batch)
    {
        int n = Libc.RecvMMsg(socket, messages, (uint)batch, Libc.MSG_WAITFORONE, null);
        if (n >= 0) return n;
        int errno = Libc.Errno;
        if (errno is Libc.EAGAIN or Libc.EINTR) return 0;
        throw new ErrnoException($"recvmmsg on UDP {Options.LocalAddress}:{Options.Port}", errno);
    }

    private void SendBatch(int socket, PacketSlab slab, ForwarderRoute[] routes, int count)
    {
        int sent = 0;
        while (sent < count)
        {
            // A blocking socket: when the send buffer is full the thread waits, so the TUN queue backs up and
            // the sender's TCP slows down, instead of datagrams being dropped here.
            int n = Libc.SendMMsg(socket, slab.Messages + sent, (uint)(count - sent), 0);
            if (n < 0)
            {
                if (Libc.Errno == Libc.EINTR) continue;
                // The kernel refused the first message of the rest (no route to that peer, ...): count and skip it.
                Interlocked.Increment(ref Drops.SendErrorCount);
                sent++;
                continue;
            }
            for (int i = sent; i < sent + n; i++) routes[i].CountSent(1, (long)slab.IoVecs[i].Length);
            sent += n;
        }
    }

    /// <summary>UDP → TUN: receives up to a batch of datagrams with one recvmmsg, checks each, writes it into the TUN device.</summary>
    // Fully optimised on first call: the loop never returns, so its precompiled (ReadyToRun) code would never be
    // replaced by the tiered JIT's optimised code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UdpToTun(int queue)
    {
        int socket = _sockets[queue];
        int batch = Options.BatchSize;
        using var slab = new PacketSlab(batch);
        while (true)
        {
            for (int i = 0; i < batch; i++)
            {
                slab.Messages[i].Header.NameLength = Libc.SockAddrSize;
                slab.Messages[i].Header.Flags = 0;
            }
            int n = ReceiveBatch(socket, slab.Messages, batch);
            if (Volatile.Read(ref _stopping)) return;
            for (int i = 0; i < n; i++)
            {
                ForwarderRoute? peer = Routes.FindPeer(SockAddr.Key(new ReadOnlySpan<byte>(slab.Address(i), Libc.SockAddrSize)));
                if (peer == null)
                {
                    Interlocked.Increment(ref Drops.UnknownPeerCount);
                    continue;
                }
                int length = (int)slab.Messages[i].Length;
                var packet = new ReadOnlySpan<byte>(slab.Buffer(i), length);
                if (!IpPackets.IsValid(packet))
                {
                    Interlocked.Increment(ref Drops.MalformedCount);
                    continue;
                }
                if (Libc.Write(TunFor(packet, queue), slab.Buffer(i), (nuint)length) < 0)
                {
                    int errno = Libc.Errno;
                    if (errno == Libc.EBADFD) throw Removed();
                    Interlocked.Increment(ref Drops.SendErrorCount);
                    continue;
                }
                Routes.CountedRoute(peer, packet).CountReceived(1, length);
            }
        }
    }

    /// <summary>
    /// Blocks until queue <paramref name="queue"/>'s TUN file is readable (true) or the forwarder is stopping
    /// (false); throws when the TUN device is gone (tun_chr_poll reports an error for a detached queue).
    /// <paramref name="events"/> has room for two epoll events.
    /// </summary>
    private bool WaitForTun(int queue, byte* events)
    {
        while (true)
        {
            int n = Libc.EpollWait(_epollFds[queue], events, 2, -1);
            if (n < 0)
            {
                int errno = Libc.Errno;
                if (errno == Libc.EINTR) continue;
                throw new ErrnoException("epoll_wait", errno);
            }
            if (Volatile.Read(ref _stopping)) return false;
            // Only the TUN file can report an error or hang-up; the eventfd is never in error.
            for (int i = 0; i < n; i++)
                if ((*(uint*)(events + i * Libc.EpollEventSize) & (Libc.EPOLLERR | Libc.EPOLLHUP)) != 0) throw Removed();
            return true;
        }
    }
}
