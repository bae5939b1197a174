using System.Runtime.InteropServices;
using OverlayNet.Forwarding.Interop;

namespace OverlayNet.Forwarding;

/// <summary>
/// One thread's pooled memory, allocated once when the thread starts and freed when it ends: a packet buffer,
/// an iovec, a sockaddr, room for one control message (UDP_GRO's segment size) and an mmsghdr per batch slot,
/// wired together, plus room for one ICMP error. Native
/// memory, so the kernel can be handed pointers without pinning and the GC never sees packet traffic.
/// </summary>
internal sealed unsafe class PacketSlab : IDisposable
{
    /// <summary>Largest IP packet (and UDP payload) there is; a slot never truncates one.</summary>
    public const int SlotSize = 65536;

    private readonly byte* _memory;

    public PacketSlab(int slots)
    {
        Slots = slots;
        nuint size = (nuint)slots * (SlotSize + (nuint)sizeof(Libc.MMsgHdr) + (nuint)sizeof(Libc.IoVec) + Libc.SockAddrSize + 4 + Libc.CMsgIntSpace)
            + IcmpTooBig.MaxLength;
        _memory = (byte*)NativeMemory.AlignedAlloc(size, 64);
        Buffers = _memory;
        Messages = (Libc.MMsgHdr*)(Buffers + (nuint)slots * SlotSize);
        IoVecs = (Libc.IoVec*)(Messages + slots);
        Addresses = (byte*)(IoVecs + slots);
        Controls = Addresses + slots * (Libc.SockAddrSize + 4);
        Icmp = Controls + slots * Libc.CMsgIntSpace;
        for (int i = 0; i < slots; i++)
        {
            IoVecs[i] = new Libc.IoVec { Base = Buffer(i), Length = SlotSize };
            Messages[i] = new Libc.MMsgHdr
            {
                Header = new Libc.MsgHdr { Name = Address(i), NameLength = Libc.SockAddrSize, Iov = &IoVecs[i], IovLength = 1 },
            };
        }
    }

    public int Slots { get; }
    public byte* Buffers { get; }
    public Libc.MMsgHdr* Messages { get; }
    public Libc.IoVec* IoVecs { get; }
    public byte* Addresses { get; }
    public byte* Icmp { get; }
    public byte* Controls { get; }

    public byte* Buffer(int slot) => Buffers + (nuint)slot * SlotSize;
    public byte* Address(int slot) => Addresses + slot * (Libc.SockAddrSize + 4);
    public byte* Control(int slot) => Controls + slot * Libc.CMsgIntSpace;
    public Span<byte> IcmpSpan => new(Icmp, IcmpTooBig.MaxLength);

    public void Dispose() => NativeMemory.AlignedFree(_memory);
}
