using OverlayNet.Forwarding.Interop;
using OverlayNet.Forwarding.Offload;
using System.Runtime.CompilerServices;
using OverlayNet.Netlink.Interop;

namespace OverlayNet.Forwarding;

// The two loops of a queue when the TUN device runs with offloads (IFF_VNET_HDR + TUNSETOFFLOAD): the kernel
// hands over TCP super-packets of up to 64 KB, which are cut into wire-size IP packets here and sent with UDP
// GSO; datagrams arrive merged by UDP_GRO and consecutive segments of one TCP flow go back into the TUN device
// as one super-packet. Each TUN read or write then moves up to 64 KB instead of one packet.
public sealed unsafe partial class TunForwarder
{
    /// <summary>Most datagrams merged into one TUN write (the writev carries one iovec each, plus the headers).</summary>
    private const int MaxRun = 256;

    /// <summary>
    /// TUN → UDP with offloads: reads packets and super-packets, segments, sends with one sendmmsg per batch. The
    /// payload is not copied in user space: each read lands in its own buffer of the slab and the messages point
    /// into it (see <see cref="SegmentSlab"/>).
    /// </summary>
    // Fully optimised on first call: the loop never returns, so its precompiled (ReadyToRun) code would never be
    // replaced by the tiered JIT's optimised code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TunToUdpOffload(int queue)
    {
        int tun = _tunFds[queue], socket = _sockets[queue];
        int reads = Options.BatchSize, mtu = Options.Mtu, port = Options.Port;
        // Enough messages for a batch of small packets and, without UDP GSO, one super-packet cut to the smallest segments.
        using var slab = new SegmentSlab(reads + SegmentSlab.MaxMessagesPerPacket(gso: false));
        byte* events = stackalloc byte[2 * Libc.EpollEventSize];
        while (true)
        {
            if (!WaitForTun(queue, events)) return;
            slab.Clear();
            bool gso = Volatile.Read(ref _udpGso);
            for (int r = 0; r < reads && slab.HasRoom(gso); r++)
            {
                byte* input = slab.ReadBuffer;
                nint n = Libc.Read(tun, input, SegmentSlab.ReadSize);
                if (n < 0)
                {
                    if (TunReadInterrupted()) continue;
                    break;
                }
                if (n <= VirtioNetHeader.Size)
                {
                    Interlocked.Increment(ref Drops.MalformedCount);
                    continue;
                }
                VirtioNetHeader header = VirtioNetHeader.Read(new ReadOnlySpan<byte>(input, VirtioNetHeader.Size));
                byte* start = input + VirtioNetHeader.Size;
                var packet = new Span<byte>(start, (int)n - VirtioNetHeader.Size);
                ForwarderRoute? route = RouteFromTun(packet);
                if (route == null) continue;
                RecordFlow(packet, queue);
                if (header.GsoType == VirtioNetHeader.GsoNone)
                {
                    if ((header.Flags & VirtioNetHeader.FlagNeedsChecksum) != 0
                        && !TcpSegmenter.CompleteChecksum(packet, header.ChecksumStart, header.ChecksumOffset))
                    {
                        Interlocked.Increment(ref Drops.MalformedCount);
                        continue;
                    }
                    if (packet.Length > mtu)
                    {
                        TooBig(tun, packet, slab.IcmpSpan, slab.Icmp);
                        continue;
                    }
                    slab.AddPacket(start, packet.Length, route, port);
                    slab.Keep((int)n);
                    continue;
                }
                // A super-packet (TCPV4/TCPV6; ECN variants are never offered): cut, never dropped for its size.
                int count = 0, headers = 0, mss = 0;
                if (header.GsoType is VirtioNetHeader.GsoTcpV4 or VirtioNetHeader.GsoTcpV6)
                    count = TcpSegmenter.Segment(packet, header.GsoSize, mtu, slab.HeaderFree, out headers, out mss);
                if (count == 0)
                {
                    Interlocked.Increment(ref Drops.MalformedCount);
                    continue;
                }
                slab.AddSegments(start, packet.Length, count, headers, mss, route, port, gso);
                slab.Keep((int)n);
            }
            SendSegments(socket, slab);
        }
    }

    private void TooBig(int tun, ReadOnlySpan<byte> packet, Span<byte> icmp, byte* icmpPointer)
    {
        Interlocked.Increment(ref Drops.OversizeCount);
        int length = IcmpTooBig.Write(packet, Options.Mtu, icmp[VirtioNetHeader.Size..]);
        if (length == 0) return;
        icmp[..VirtioNetHeader.Size].Clear();            // a plain packet: no GSO, checksum complete
        Libc.Write(tun, icmpPointer, (nuint)(VirtioNetHeader.Size + length));
    }

    private void SendSegments(int socket, SegmentSlab slab)
    {
        int sent = 0, count = slab.Count;
        while (sent < count)
        {
            int n = Libc.SendMMsg(socket, slab.Messages + sent, (uint)(count - sent), 0);
            if (n < 0)
            {
                int errno = Libc.Errno;
                if (errno == Libc.EINTR) continue;
                if (slab.Packets(sent) > 1 && errno is Libc.EIO or Libc.EINVAL or Libc.EMSGSIZE)
                {
                    // The underlay cannot take UDP GSO here: no checksum offload on the route's device (EIO), or a
                    // path MTU below the datagram size (EINVAL on 6.1, EMSGSIZE on later kernels), which a single
                    // datagram survives by IP fragmentation. Send this run one datagram at a time and stop using
                    // GSO, for every peer, for the rest of the forwarder's life.
                    Volatile.Write(ref _udpGso, false);
                    SendOneByOne(socket, slab, sent);
                }
                else
                {
                    // The kernel refused the first message of the rest (no route to that peer, ...): count and skip it.
                    Interlocked.Add(ref Drops.SendErrorCount, slab.Packets(sent));
                }
                sent++;
                continue;
            }
            for (int i = sent; i < sent + n; i++) slab.Route(i).CountSent(slab.Packets(i), slab.Bytes(i));
            sent += n;
        }
    }

    /// <summary>Sends the segments of a UDP_SEGMENT message as separate datagrams: one iovec pair (header, payload) each.</summary>
    private void SendOneByOne(int socket, SegmentSlab slab, int message)
    {
        Libc.MsgHdr header = slab.Messages[message].Header;
        Libc.IoVec* pairs = header.Iov;
        header.Control = null;
        header.ControlLength = 0;
        header.IovLength = 2;
        for (int i = 0; i < slab.Packets(message); i++)
        {
            header.Iov = pairs + 2 * i;
            if (Libc.SendMsg(socket, &header, 0) < 0) Interlocked.Increment(ref Drops.SendErrorCount);
            else slab.Route(message).CountSent(1, (long)(header.Iov[0].Length + header.Iov[1].Length));
        }
    }

    /// <summary>
    /// UDP → TUN with offloads: receives merged datagrams, writes runs of one TCP flow as one super-packet (see
    /// <see cref="DatagramRuns"/>; a run may span the messages of one receive).
    /// </summary>
    // Fully optimised on first call: the loop never returns, so its precompiled (ReadyToRun) code would never be
    // replaced by the tiered JIT's optimised code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UdpToTunOffload(int queue)
    {
        int socket = _sockets[queue];
        int batch = Options.BatchSize;
        using var slab = new PacketSlab(batch);
        // Every datagram of one receive, in order (UDP_GRO merges at most 64 into a message), and by message the
        // peer it came from: a datagram's Sender is the first message of its peer's unbroken sequence.
        var datagrams = new Datagram[batch * MaxGroSegments];
        var peers = new ForwarderRoute?[batch];
        Libc.IoVec* iov = stackalloc Libc.IoVec[MaxRun + 1];
        byte* virtio = stackalloc byte[VirtioNetHeader.Size];
        while (true)
        {
            for (int i = 0; i < batch; i++)
            {
                ref Libc.MsgHdr h = ref slab.Messages[i].Header;
                h.NameLength = Libc.SockAddrSize;
                h.Flags = 0;
                h.Control = slab.Control(i);
                h.ControlLength = Libc.CMsgIntSpace;
            }
            int n = ReceiveBatch(socket, slab.Messages, batch), count = 0, sender = -1;
            if (Volatile.Read(ref _stopping)) return;
            for (int i = 0; i < n; i++)
            {
                int length = (int)slab.Messages[i].Length;
                int stride = GroSegmentSize(&slab.Messages[i].Header) is int s and > 0 ? s : length;
                ForwarderRoute? peer = Routes.FindPeer(SockAddr.Key(new ReadOnlySpan<byte>(slab.Address(i), Libc.SockAddrSize)));
                if (peer == null)
                {
                    Interlocked.Add(ref Drops.UnknownPeerCount, (length + stride - 1) / Math.Max(stride, 1));
                    continue;
                }
                if (sender < 0 || !ReferenceEquals(peers[sender], peer)) peers[sender = i] = peer;
                byte* data = slab.Buffer(i);
                for (int offset = 0; offset < length && count < datagrams.Length; offset += stride)
                    datagrams[count++] = new Datagram(data + offset, Math.Min(stride, length - offset), sender);
            }
            WriteDatagrams(queue, datagrams.AsSpan(0, count), peers, iov, virtio);
        }
    }

    /// <summary>Most datagrams one UDP_GRO message carries (the kernel's UDP_GRO_CNT_MAX).</summary>
    private const int MaxGroSegments = 64;

    /// <summary>The segment size of a datagram UDP_GRO merged (its control message), or null for a single one.</summary>
    private static int? GroSegmentSize(Libc.MsgHdr* h)
    {
        if (h->ControlLength < (nuint)(sizeof(Libc.CMsgHdr) + sizeof(int))) return null;
        var c = (Libc.CMsgHdr*)h->Control;
        if (c->Level != Libc.SOL_UDP || c->Type != Libc.UDP_GRO) return null;
        return *(int*)((byte*)c + sizeof(Libc.CMsgHdr));
    }

    /// <summary>
    /// Writes the datagrams of one receive into the TUN device, in order: each run <see cref="DatagramRuns"/>
    /// finds as one GSO super-packet, every other datagram as one packet.
    /// </summary>
    private void WriteDatagrams(int queue, ReadOnlySpan<Datagram> datagrams, ForwarderRoute?[] peers, Libc.IoVec* iov, byte* virtio)
    {
        iov[0] = new Libc.IoVec { Base = virtio, Length = VirtioNetHeader.Size };
        int next = 0;
        while (next < datagrams.Length)
        {
            Datagram first = datagrams[next];
            Span<byte> head = first.Bytes;
            if (!IpPackets.IsValid(head))
            {
                Interlocked.Increment(ref Drops.MalformedCount);
                next++;
                continue;
            }
            int packets = DatagramRuns.Next(datagrams, next, MaxRun, out int headers, out int segmentPayload, out int runPayload);
            iov[1] = new Libc.IoVec { Base = first.Data, Length = (nuint)first.Length };
            long bytes = first.Length;
            for (int k = 1; k < packets; k++)
            {
                Datagram d = datagrams[next + k];
                iov[k + 1] = new Libc.IoVec { Base = d.Data + headers, Length = (nuint)(d.Length - headers) };
                bytes += d.Length;
            }
            VirtioNetHeader header = packets > 1
                ? TcpCoalescer.Finish(head, headers, segmentPayload, runPayload, TcpCoalescer.Flags(datagrams[next + packets - 1].Bytes))
                : default;
            header.Write(new Span<byte>(virtio, VirtioNetHeader.Size));
            ForwarderRoute peer = peers[first.Sender]!;
            if (Libc.WriteV(TunFor(head, queue), iov, packets + 1) < 0)
            {
                int errno = Libc.Errno;
                if (errno == Libc.EBADFD) throw Removed();
                Interlocked.Add(ref Drops.SendErrorCount, packets);
            }
            else
            {
                Routes.CountedRoute(peer, head).CountReceived(packets, bytes);
            }
            next += packets;
        }
    }
}
