using System.Net;
using System.Net.Sockets;
using OverlayNet.Forwarding.Interop;
using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.TunTap;

namespace OverlayNet.Forwarding;

public enum TunForwarderState { Running, Stopped }

/// <summary>
/// flannel's UDP backend: reads IP packets from a TUN device, sends each as the payload of a UDP datagram to
/// the host that owns the destination subnet, and writes datagrams from peers back into the TUN device.
/// </summary>
/// <remarks>
/// Shape, for speed on many cores: the TUN device is multi-queue with one queue per core, and each queue has
/// its own UDP socket (SO_REUSEPORT on one address and port) and two dedicated threads, TUN → UDP and
/// UDP → TUN, so queues share nothing but the route table and the counters. Each thread owns one native slab
/// of packet buffers and message headers, allocated at start, so no packet allocates; datagrams go out and
/// come in by the batch with sendmmsg/recvmmsg. All descriptors are opened on a thread inside the target
/// namespace (they keep that namespace) and then used from the forwarding threads, which never change
/// namespace. Every thread also polls one eventfd: writing it stops them all; the last thread out closes
/// every descriptor, so a stopped forwarder leaves no thread, socket or file open.
/// </remarks>
public sealed unsafe partial class TunForwarder
{
    private readonly object _lifeLock = new();
    // Continuations run synchronously, before Stop() returns: whoever watches the forwarder (the registry, a job)
    // has seen it end by the time Stop-TunForwarder comes back.
    private readonly TaskCompletionSource _completion = new();
    // Set once those continuations have run: Task.Wait can return as soon as the task is marked complete, while
    // the continuations still run on the forwarding thread, so Stop() waits on this instead.
    private readonly ManualResetEventSlim _ended = new();
    private readonly List<Thread> _threads = [];
    private int[] _tunFds = [], _sockets = [];
    private int _stopFd = -1;
    // One epoll set per queue, its TUN fd and the stop eventfd: where that queue's TUN → UDP thread waits. An
    // epoll set stays registered between waits, where poll() adds and removes two wait-queue entries each time.
    private int[] _epollFds = [];
    private bool _stopping;
    private int _running;
    private bool _closed;
    // Cleared for good by the first UDP GSO send the underlay refuses; shared by every queue.
    private bool _udpGso = true;
    private Exception? _fault;

    private TunForwarder(TunForwarderOptions options) { Options = options; }

    public TunForwarderOptions Options { get; }
    public RouteTable Routes { get; } = new();
    public DropCounters Drops { get; } = new();
    private readonly FlowQueues _flows = new();
    /// <summary>True when the forwarder made the TUN device (it leaves it in place when it stops).</summary>
    public bool CreatedDevice { get; private set; }
    /// <summary>Queues actually attached: 1 when an existing device is not multi-queue.</summary>
    public int QueueCount => _tunFds.Length;
    /// <summary>
    /// True when the TUN device runs with offloads (virtio headers, TCP super-packets); false when they were not
    /// asked for or the device refused them.
    /// </summary>
    public bool Offload { get; private set; }
    public TunForwarderState State => Volatile.Read(ref _closed) ? TunForwarderState.Stopped : TunForwarderState.Running;
    /// <summary>Why the forwarder stopped by itself (the TUN device was removed, a socket failed); null otherwise.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);
    /// <summary>Completes when every thread has ended and every descriptor is closed.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Opens (or creates) the TUN device and the sockets in the namespace, loads the routes, and starts forwarding.</summary>
    public static TunForwarder Start(TunForwarderOptions options, IEnumerable<KeyValuePair<IpPrefix, IPAddress>> routes)
    {
        options.Validate();
        var forwarder = new TunForwarder(options);
        foreach ((IpPrefix subnet, IPAddress address) in routes) forwarder.SetRoute(subnet, address);
        try
        {
            forwarder.Open();
        }
        catch
        {
            forwarder.RemoveCreatedDevice();   // a failed start changes nothing
            throw;
        }
        forwarder.StartThreads();
        return forwarder;
    }

    /// <summary>Adds or replaces a route while running; the peer must be of the underlay's address family.</summary>
    public ForwarderRoute SetRoute(IpPrefix subnet, IPAddress address)
    {
        if (address.AddressFamily != Options.LocalAddress.AddressFamily)
            throw new ArgumentException(
                $"Peer address {address} for {subnet} is not of the local address {Options.LocalAddress}'s family.");
        return Routes.Set(subnet, address);
    }

    /// <summary>Signals every thread to stop and waits until they have ended and every descriptor is closed.</summary>
    public void Stop()
    {
        lock (_lifeLock)
        {
            if (!_closed) Signal();
        }
        _ended.Wait();
    }

    private void Signal()
    {
        Volatile.Write(ref _stopping, true);
        ulong one = 1;
        Libc.Write(_stopFd, (byte*)&one, sizeof(ulong));
        // The UDP → TUN threads block in recvmmsg itself: ending the sockets' receive side wakes them.
        foreach (int fd in _sockets) Libc.Shutdown(fd, Libc.SHUT_RD);
    }

    private void Fail(Exception e)
    {
        Interlocked.CompareExchange(ref _fault, e, null);
        lock (_lifeLock)
        {
            if (!_closed) Signal();
        }
    }

    private void Open()
    {
        bool multiQueue = EnsureDevice();
        int queues = multiQueue ? Options.Queues : 1;
        var tunFds = new List<int>();
        var sockets = new List<int>();
        var epollFds = new List<int>();
        try
        {
            NetNamespaceRunner.Run(Options.NamespacePath, () =>
            {
                Offload = Options.Offload && AttachQueues(tunFds, queues, multiQueue, offload: true);
                if (!Offload) AttachQueues(tunFds, queues, multiQueue, offload: false);
                for (int i = 0; i < queues; i++) sockets.Add(OpenSocket(reusePort: queues > 1));
            });
            _stopFd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            if (_stopFd < 0) throw new ErrnoException("eventfd", Libc.Errno);
            foreach (int tun in tunFds) epollFds.Add(OpenEpoll(tun));
        }
        catch
        {
            foreach (int fd in tunFds.Concat(sockets).Concat(epollFds)) Libc.Close(fd);
            if (_stopFd >= 0) Libc.Close(_stopFd);
            _stopFd = -1;
            throw;
        }
        _epollFds = epollFds.ToArray();
        _tunFds = tunFds.ToArray();
        _sockets = sockets.ToArray();
    }

    /// <summary>
    /// Attaches the queues, with or without virtio headers, and sets the device's offloads to match: checksum and
    /// TSO for IPv4 and IPv6 with, none without (an earlier forwarder may have left them on). Returns false, with
    /// nothing left attached, when the device refuses the offloads.
    /// </summary>
    private bool AttachQueues(List<int> fds, int queues, bool multiQueue, bool offload)
    {
        for (int i = 0; i < queues; i++) fds.Add(TunTapDevices.AttachQueue(Options.TunName, multiQueue, virtioHeader: offload));
        uint features = offload ? Libc.TUN_F_CSUM | Libc.TUN_F_TSO4 | Libc.TUN_F_TSO6 : 0;
        if (Libc.Ioctl(fds[0], Libc.TUNSETOFFLOAD, features) == 0 || !offload) return true;
        foreach (int fd in fds) Libc.Close(fd);
        fds.Clear();
        return false;
    }

    /// <summary>Creates the TUN device when missing (multi-queue, up, with the forwarder's MTU); returns whether it is multi-queue.</summary>
    private bool EnsureDevice()
    {
        using RtnlClient rtnl = RtnlClient.Open(Options.NamespacePath);
        Link? link = rtnl.GetLink(Options.TunName);
        if (link == null)
        {
            bool multi = Options.Queues > 1;
            TunTapDevices.Create(rtnl, new TunTapSpec(Options.TunName, TunTapMode.Tun)
            {
                MultiQueue = multi, Mtu = Options.Mtu, Up = true,
            });
            CreatedDevice = true;
            return multi;
        }
        if (link is not TunTapLink { Mode: TunTapMode.Tun } tun)
            throw new ArgumentException($"'{Options.TunName}' is a {link.Kind} device, not a TUN device.");
        return tun.MultiQueue;
    }

    private void RemoveCreatedDevice()
    {
        if (!CreatedDevice) return;
        try
        {
            using RtnlClient rtnl = RtnlClient.Open(Options.NamespacePath);
            if (rtnl.GetLink(Options.TunName) is Link link) rtnl.DeleteLink(link.Index);
        }
        catch (ErrnoException)
        {
            // Best effort: the original failure is what the caller needs to see.
        }
    }

    /// <summary>An epoll set with <paramref name="tun"/> and the stop eventfd, both for reading.</summary>
    private int OpenEpoll(int tun)
    {
        int epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (epoll < 0) throw new ErrnoException("epoll_create1", Libc.Errno);
        byte* entry = stackalloc byte[16];
        foreach (int fd in (ReadOnlySpan<int>)[tun, _stopFd])
        {
            new Span<byte>(entry, 16).Clear();
            *(uint*)entry = Libc.EPOLLIN;
            if (Libc.EpollCtl(epoll, Libc.EPOLL_CTL_ADD, fd, entry) < 0)
            {
                int errno = Libc.Errno;
                Libc.Close(epoll);
                throw new ErrnoException("epoll_ctl", errno);
            }
        }
        return epoll;
    }

    private int OpenSocket(bool reusePort)
    {
        bool v6 = Options.LocalAddress.AddressFamily == AddressFamily.InterNetworkV6;
        int fd = Libc.Socket(v6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new ErrnoException("socket(UDP)", Libc.Errno);
        try
        {
            if (reusePort) SetOption(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1, "SO_REUSEPORT");
            if (v6) SetOption(fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, 1, "IPV6_V6ONLY");
            if (Offload)
            {
                // Let the kernel hand over runs of datagrams from one sender as one buffer (best effort: without it
                // each datagram is read on its own, as before).
                int on = 1;
                Libc.SetSockOpt(fd, Libc.SOL_UDP, Libc.UDP_GRO, &on, sizeof(int));
            }
            // Large buffers absorb bursts between batches (root may exceed rmem_max with the FORCE options).
            SetBuffer(fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF);
            SetBuffer(fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF);
            byte* addr = stackalloc byte[Libc.SockAddrSize];
            uint length = SockAddr.Write(new IPEndPoint(Options.LocalAddress, Options.Port), new Span<byte>(addr, Libc.SockAddrSize));
            if (Libc.Bind(fd, addr, length) < 0)
                throw new ErrnoException($"bind UDP {Options.LocalAddress}:{Options.Port}", Libc.Errno);
            return fd;
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    private static void SetBuffer(int fd, int force, int plain)
    {
        int size = 4 << 20;
        if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, force, &size, sizeof(int)) < 0)
            Libc.SetSockOpt(fd, Libc.SOL_SOCKET, plain, &size, sizeof(int));
    }

    private static void SetOption(int fd, int level, int name, int value, string what)
    {
        if (Libc.SetSockOpt(fd, level, name, &value, sizeof(int)) < 0) throw new ErrnoException($"setsockopt({what})", Libc.Errno);
    }

    private void StartThreads()
    {
        for (int q = 0; q < _tunFds.Length; q++)
        {
            int queue = q;
            if (Offload)
            {
                _threads.Add(NewThread($"tunfwd{q}-out", () => TunToUdpOffload(queue)));
                _threads.Add(NewThread($"tunfwd{q}-in", () => UdpToTunOffload(queue)));
            }
            else
            {
                _threads.Add(NewThread($"tunfwd{q}-out", () => TunToUdp(queue)));
                _threads.Add(NewThread($"tunfwd{q}-in", () => UdpToTun(queue)));
            }
        }
        _running = _threads.Count;
        foreach (Thread t in _threads) t.Start();
    }

    private Thread NewThread(string name, Action loop) => new(() =>
    {
        try
        {
            loop();
        }
        catch (Exception e)
        {
            Fail(e);
        }
        finally
        {
            if (Interlocked.Decrement(ref _running) == 0) CloseAll();
        }
    }, maxStackSize: 256 << 10)
    {
        IsBackground = true,
        Name = name,
    };

    private void CloseAll()
    {
        lock (_lifeLock)
        {
            foreach (int fd in _tunFds) Libc.Close(fd);
            foreach (int fd in _sockets) Libc.Close(fd);
            foreach (int fd in _epollFds) Libc.Close(fd);
            Libc.Close(_stopFd);
            Volatile.Write(ref _closed, true);
        }
        _completion.TrySetResult();
        _ended.Set();
    }

    /// <summary>Notes which queue a packet read from the TUN device left by (only matters with more than one).</summary>
    private void RecordFlow(ReadOnlySpan<byte> packet, int queue)
    {
        if (_tunFds.Length > 1) _flows.Record(packet, queue);
    }

    /// <summary>The TUN queue to write a packet from a peer through: the one its flow leaves by (see <see cref="FlowQueues"/>).</summary>
    private int TunFor(ReadOnlySpan<byte> packet, int queue) =>
        _tunFds.Length > 1 ? _tunFds[_flows.QueueFor(packet, queue)] : _tunFds[queue];

    private TunDeviceRemovedException Removed() =>
        new($"TUN device '{Options.TunName}' was removed while the forwarder ran"
            + (Options.NamespacePath == null ? "" : $" (namespace {Options.NamespacePath})") + "; forwarding stopped.");
}

/// <summary>The TUN device went away under a running forwarder.</summary>
public sealed class TunDeviceRemovedException(string message) : IOException(message);
