using System.Runtime.InteropServices;
using OverlayNet.Forwarding.Interop;

namespace OverlayNet.Forwarding.Offload;

/// <summary>
/// The TUN → UDP thread's pooled memory when TUN offloads are on, allocated once per thread: an arena the TUN
/// reads of one batch go into, one after another (virtio header + up to 64 KB each), an arena for the headers
/// of the segments super-packets are cut into, and the message headers of one sendmmsg batch, each with its
/// iovecs, peer sockaddr and UDP_SEGMENT control message. Payload is never copied in user space: a plain packet
/// is one iovec on its read buffer; a segment is an iovec pair, its header in the header arena and its payload
/// a slice of the super-packet's read buffer, so what the kernel concatenates is the segment as a wire carries
/// it. With UDP GSO a message carries a run of equal-size segments (the kernel cuts the concatenation into
/// datagrams of that size, each one whole IP packet); without it, one packet. Native memory, so the kernel gets
/// pointers without pinning and the GC never sees packet traffic.
/// </summary>
internal sealed unsafe class SegmentSlab : IDisposable
{
    /// <summary>One TUN read: the virtio header and up to 64 KB of packet.</summary>
    public const int ReadSize = VirtioNetHeader.Size + 65536;
    /// <summary>Eight worst-case reads per batch: each TUN read moves up to 64 KB, so more buys little.</summary>
    public const int DataSize = 8 * ((ReadSize + 63) & ~63);
    /// <summary>Two super-packets' headers at their worst.</summary>
    public const int HeaderSize = 2 * TcpSegmenter.MaxHeaderOutput;
    /// <summary>One UDP_SEGMENT send carries at most 64 datagrams (UDP_MAX_SEGMENTS on 6.1) and one 64 KB datagram.</summary>
    public const int MaxGsoSegments = 64, MaxGsoBytes = 65000;

    private const int IcmpSize = VirtioNetHeader.Size + IcmpTooBig.MaxLength;

    private readonly byte* _memory;
    private readonly ForwarderRoute?[] _routes;
    private readonly int[] _packets;
    private readonly long[] _bytes;
    private readonly int _ioVecCapacity;
    private int _dataUsed, _headerUsed, _ioVecsUsed;

    public SegmentSlab(int messages)
    {
        Capacity = messages;
        // Every packet takes at most two iovecs and every message at least one packet; HasRoom keeps a worst-case
        // super-packet's pairs free on top of a batch of singles.
        _ioVecCapacity = 2 * (messages + TcpSegmenter.MaxSegments);
        nuint perMessage = (nuint)(sizeof(Libc.MMsgHdr) + Libc.SockAddrSize + 4 + Libc.CMsgIntSpace);
        nuint size = DataSize + HeaderSize + (nuint)messages * perMessage + (nuint)(_ioVecCapacity * sizeof(Libc.IoVec)) + IcmpSize;
        _memory = (byte*)NativeMemory.AlignedAlloc(size, 64);
        Data = _memory;
        Headers = Data + DataSize;
        Messages = (Libc.MMsgHdr*)(Headers + HeaderSize);
        IoVecs = (Libc.IoVec*)(Messages + messages);
        Addresses = (byte*)(IoVecs + _ioVecCapacity);
        Controls = Addresses + messages * (Libc.SockAddrSize + 4);
        Icmp = Controls + messages * Libc.CMsgIntSpace;
        _routes = new ForwarderRoute?[messages];
        _packets = new int[messages];
        _bytes = new long[messages];
    }

    public int Capacity { get; }
    public int Count { get; private set; }
    public Libc.MMsgHdr* Messages { get; }
    /// <summary>Room for a virtio header and the ICMP error behind it.</summary>
    public Span<byte> IcmpSpan => new(Icmp, IcmpSize);
    public byte* Icmp { get; }

    /// <summary>Where the next TUN read goes (<see cref="ReadSize"/> bytes of room); <see cref="Keep"/> retains it.</summary>
    public byte* ReadBuffer => Data + _dataUsed;

    /// <summary>Free header arena space, where the next super-packet's segment headers go.</summary>
    public Span<byte> HeaderFree => new(Headers + _headerUsed, HeaderSize - _headerUsed);

    private byte* Data { get; }
    private byte* Headers { get; }
    private Libc.IoVec* IoVecs { get; }
    private byte* Addresses { get; }
    private byte* Controls { get; }

    /// <summary>
    /// Most messages one packet read from the TUN device becomes: with UDP GSO, runs of at most
    /// <see cref="MaxGsoSegments"/> segments and <see cref="MaxGsoBytes"/> bytes; without, one per segment.
    /// </summary>
    public static int MaxMessagesPerPacket(bool gso) => gso
        ? TcpSegmenter.MaxSegments / MaxGsoSegments + (65536 + TcpSegmenter.MaxHeaderOutput) / MaxGsoBytes + 2
        : TcpSegmenter.MaxSegments;

    /// <summary>Whether the largest super-packet still fits: a read buffer, its headers, iovecs and messages.</summary>
    public bool HasRoom(bool gso) =>
        DataSize - _dataUsed >= ReadSize && HeaderSize - _headerUsed >= TcpSegmenter.MaxHeaderOutput
        && _ioVecCapacity - _ioVecsUsed >= 2 * TcpSegmenter.MaxSegments && Capacity - Count >= MaxMessagesPerPacket(gso);

    public void Clear()
    {
        Count = 0;
        _dataUsed = _headerUsed = _ioVecsUsed = 0;
    }

    /// <summary>Retains the <paramref name="length"/> bytes read at <see cref="ReadBuffer"/>: queued messages point into them.</summary>
    public void Keep(int length) => _dataUsed += (length + 63) & ~63;

    /// <summary>Queues one whole IP packet (<paramref name="length"/> bytes at <paramref name="packet"/>) for the peer of <paramref name="route"/>.</summary>
    public void AddPacket(byte* packet, int length, ForwarderRoute route, int port)
    {
        Libc.IoVec* iov = IoVecs + _ioVecsUsed++;
        *iov = new Libc.IoVec { Base = packet, Length = (nuint)length };
        AddMessage(iov, 1, 1, length, 0, route, port);
    }

    /// <summary>
    /// Queues the <paramref name="count"/> segments <see cref="TcpSegmenter.Segment"/> cut
    /// <paramref name="packet"/> into, their headers (<paramref name="headers"/> bytes each) just written at the
    /// start of <see cref="HeaderFree"/>, each carrying <paramref name="mss"/> bytes of the packet's payload but the
    /// last: in runs of up to <see cref="MaxGsoSegments"/> per message with <paramref name="gso"/>, one per message without.
    /// </summary>
    public void AddSegments(byte* packet, int length, int count, int headers, int mss, ForwarderRoute route, int port, bool gso)
    {
        int segment = headers + mss, payload = length - headers;
        int perMessage = gso ? Math.Min(MaxGsoSegments, MaxGsoBytes / segment) : 1;
        byte* header = Headers + _headerUsed;
        for (int first = 0; first < count; first += perMessage)
        {
            int packets = Math.Min(perMessage, count - first);
            Libc.IoVec* iov = IoVecs + _ioVecsUsed;
            long bytes = 0;
            for (int i = first; i < first + packets; i++)
            {
                int take = Math.Min(mss, payload - i * mss);
                iov[2 * (i - first)] = new Libc.IoVec { Base = header + i * headers, Length = (nuint)headers };
                iov[2 * (i - first) + 1] = new Libc.IoVec { Base = packet + headers + i * mss, Length = (nuint)take };
                bytes += headers + take;
            }
            _ioVecsUsed += 2 * packets;
            AddMessage(iov, 2 * packets, packets, bytes, packets > 1 ? segment : 0, route, port);
        }
        _headerUsed += (count * headers + 63) & ~63;
    }

    private void AddMessage(Libc.IoVec* iov, int ioVecs, int packets, long bytes, int segmentSize, ForwarderRoute route, int port)
    {
        int m = Count++;
        Libc.MsgHdr* h = &Messages[m].Header;
        byte* address = Addresses + m * (Libc.SockAddrSize + 4);
        *h = new Libc.MsgHdr
        {
            Name = address,
            NameLength = SockAddr.Write(route.Address, port, new Span<byte>(address, Libc.SockAddrSize)),
            Iov = iov,
            IovLength = (nuint)ioVecs,
        };
        if (segmentSize > 0)
        {
            // UDP_SEGMENT: the kernel cuts the concatenated iovecs into datagrams of `segmentSize` bytes (the last shorter).
            byte* control = Controls + m * Libc.CMsgIntSpace;
            *(Libc.CMsgHdr*)control = new Libc.CMsgHdr { Length = Libc.CMsgLength(sizeof(ushort)), Level = Libc.SOL_UDP, Type = Libc.UDP_SEGMENT };
            *(ushort*)(control + sizeof(Libc.CMsgHdr)) = (ushort)segmentSize;
            h->Control = control;
            h->ControlLength = Libc.CMsgIntSpace;
        }
        _routes[m] = route;
        _packets[m] = packets;
        _bytes[m] = bytes;
    }

    public ForwarderRoute Route(int message) => _routes[message]!;
    public int Packets(int message) => _packets[message];
    /// <summary>The bytes message <paramref name="message"/> carries: its packets, back to back.</summary>
    public long Bytes(int message) => _bytes[message];

    public void Dispose() => NativeMemory.AlignedFree(_memory);
}
