using System.Runtime.InteropServices;
using OverlayNet.Forwarding.Interop;

namespace OverlayNet.Forwarding.Offload;

/// <summary>
/// The TUN → UDP thread's pooled memory when TUN offloads are on, allocated once per thread: one read buffer
/// (virtio header + up to 64 KB), an arena the outgoing IP packets are cut or copied into, and the message
/// headers of one sendmmsg batch, each with its iovec, peer sockaddr and UDP_SEGMENT control message. With UDP
/// GSO a message carries a run of equal-size packets (the kernel splits it into datagrams); without it, one
/// packet. Native memory, so the kernel gets pointers without pinning and the GC never sees packet traffic.
/// </summary>
internal sealed unsafe class SegmentSlab : IDisposable
{
    public const int InputSize = VirtioNetHeader.Size + 65536;
    /// <summary>Two super-packets at their worst, plus room for small packets.</summary>
    public const int ArenaSize = 2 * TcpSegmenter.MaxOutput + (1 << 18);
    /// <summary>One UDP_SEGMENT send carries at most 64 datagrams (UDP_MAX_SEGMENTS on 6.1) and one 64 KB datagram.</summary>
    public const int MaxGsoSegments = 64, MaxGsoBytes = 65000;

    private const int IcmpSize = VirtioNetHeader.Size + IcmpTooBig.MaxLength;

    private readonly byte* _memory;
    private readonly ForwarderRoute?[] _routes;
    private readonly int[] _packets;
    private int _arenaUsed;

    public SegmentSlab(int messages)
    {
        Capacity = messages;
        nuint perMessage = (nuint)(sizeof(Libc.MMsgHdr) + sizeof(Libc.IoVec) + Libc.SockAddrSize + 4 + Libc.CMsgIntSpace);
        nuint size = InputSize + ArenaSize + (nuint)messages * perMessage + IcmpSize;
        _memory = (byte*)NativeMemory.AlignedAlloc(size, 64);
        Input = _memory;
        Arena = Input + InputSize;
        Messages = (Libc.MMsgHdr*)(Arena + ArenaSize);
        IoVecs = (Libc.IoVec*)(Messages + messages);
        Addresses = (byte*)(IoVecs + messages);
        Controls = Addresses + messages * (Libc.SockAddrSize + 4);
        Icmp = Controls + messages * Libc.CMsgIntSpace;
        _routes = new ForwarderRoute?[messages];
        _packets = new int[messages];
    }

    public int Capacity { get; }
    public int Count { get; private set; }
    public byte* Input { get; }
    public Libc.MMsgHdr* Messages { get; }
    /// <summary>Room for a virtio header and the ICMP error behind it.</summary>
    public Span<byte> IcmpSpan => new(Icmp, IcmpSize);
    public byte* Icmp { get; }

    private byte* Arena { get; }
    private Libc.IoVec* IoVecs { get; }
    private byte* Addresses { get; }
    private byte* Controls { get; }

    /// <summary>Free arena space, where the next packet (or super-packet's segments) goes.</summary>
    public Span<byte> Free => new(Arena + _arenaUsed, ArenaSize - _arenaUsed);

    /// <summary>
    /// Most messages one packet read from the TUN device becomes: with UDP GSO, runs of at most
    /// <see cref="MaxGsoSegments"/> segments and <see cref="MaxGsoBytes"/> bytes; without, one per segment.
    /// </summary>
    public static int MaxMessagesPerPacket(bool gso) => gso
        ? TcpSegmenter.MaxSegments / MaxGsoSegments + TcpSegmenter.MaxOutput / MaxGsoBytes + 2
        : TcpSegmenter.MaxSegments;

    /// <summary>Whether the largest super-packet still fits, in the arena and in the messages left.</summary>
    public bool HasRoom(bool gso) => ArenaSize - _arenaUsed >= TcpSegmenter.MaxOutput && Capacity - Count >= MaxMessagesPerPacket(gso);

    public void Clear()
    {
        Count = 0;
        _arenaUsed = 0;
    }

    /// <summary>
    /// Queues <paramref name="count"/> packets just written at the start of <see cref="Free"/>, every one
    /// <paramref name="length"/> bytes but the last (<paramref name="total"/> bytes in all), for the peer of
    /// <paramref name="route"/>: in runs of up to <see cref="MaxGsoSegments"/> per message with
    /// <paramref name="gso"/>, one per message without.
    /// </summary>
    public void Add(int count, int length, int total, ForwarderRoute route, int port, bool gso)
    {
        int perMessage = gso ? Math.Min(MaxGsoSegments, MaxGsoBytes / length) : 1;
        byte* data = Arena + _arenaUsed;
        for (int first = 0; first < count; first += perMessage)
        {
            int packets = Math.Min(perMessage, count - first);
            int bytes = Math.Min(packets * length, total - first * length);
            int m = Count++;
            Libc.MsgHdr* h = &Messages[m].Header;
            byte* address = Addresses + m * (Libc.SockAddrSize + 4);
            IoVecs[m] = new Libc.IoVec { Base = data + first * length, Length = (nuint)bytes };
            *h = new Libc.MsgHdr
            {
                Name = address,
                NameLength = SockAddr.Write(route.Address, port, new Span<byte>(address, Libc.SockAddrSize)),
                Iov = &IoVecs[m],
                IovLength = 1,
            };
            if (packets > 1)
            {
                // UDP_SEGMENT: the kernel cuts this buffer into datagrams of `length` bytes (the last shorter).
                byte* control = Controls + m * Libc.CMsgIntSpace;
                *(Libc.CMsgHdr*)control = new Libc.CMsgHdr { Length = Libc.CMsgLength(sizeof(ushort)), Level = Libc.SOL_UDP, Type = Libc.UDP_SEGMENT };
                *(ushort*)(control + sizeof(Libc.CMsgHdr)) = (ushort)length;
                h->Control = control;
                h->ControlLength = Libc.CMsgIntSpace;
            }
            _routes[m] = route;
            _packets[m] = packets;
        }
        _arenaUsed += (total + 63) & ~63;
    }

    public ForwarderRoute Route(int message) => _routes[message]!;
    public int Packets(int message) => _packets[message];
    public Libc.IoVec Payload(int message) => IoVecs[message];

    public void Dispose() => NativeMemory.AlignedFree(_memory);
}
