using System.Net;
using System.Runtime.InteropServices;
using OverlayNet.Forwarding;
using OverlayNet.Forwarding.Interop;
using OverlayNet.Forwarding.Offload;

namespace OverlayNet.Netlink.Tests.Forwarding;

/// <summary>
/// The sendmmsg batch the offload path builds: what the kernel is handed per message. The kernel concatenates a
/// message's iovecs and, with UDP_SEGMENT, cuts the result into datagrams of the segment size; these tests do the
/// same and check that every datagram is one whole, correctly checksummed IP packet.
/// </summary>
public unsafe class SegmentSlabTests
{
    private static readonly ForwarderRoute Peer = new RouteTable().Set(IpPrefix.Parse("10.244.2.0/24"), IPAddress.Parse("192.168.8.102"));

    /// <summary>What the kernel sends for message <paramref name="m"/>: its iovecs concatenated, cut at the UDP_SEGMENT size if any.</summary>
    private static List<byte[]> Datagrams(SegmentSlab slab, int m)
    {
        Libc.MsgHdr h = slab.Messages[m].Header;
        var bytes = new List<byte>();
        for (int i = 0; i < (int)h.IovLength; i++)
            bytes.AddRange(new ReadOnlySpan<byte>(h.Iov[i].Base, (int)h.Iov[i].Length).ToArray());
        if (h.Control == null) return [bytes.ToArray()];
        int size = *(ushort*)((byte*)h.Control + sizeof(Libc.CMsgHdr));
        return bytes.Chunk(size).ToList();
    }

    /// <summary>A super-packet in native memory (as the TUN read leaves it), cut by the segmenter and queued.</summary>
    private static List<byte[]> SegmentThroughSlab(SegmentSlab slab, byte[] super, int gsoSize, int mtu, bool gso, out int segmentSize)
    {
        byte* packet = slab.ReadBuffer + VirtioNetHeader.Size;
        super.CopyTo(new Span<byte>(packet, super.Length));
        int count = TcpSegmenter.Segment(new ReadOnlySpan<byte>(packet, super.Length), gsoSize, mtu, slab.HeaderFree, out int headers, out int mss);
        Assert.NotEqual(0, count);
        slab.AddSegments(packet, super.Length, count, headers, mss, Peer, 8285, gso);
        slab.Keep(VirtioNetHeader.Size + super.Length);
        segmentSize = headers + mss;
        return Enumerable.Range(0, slab.Count).SelectMany(m => Datagrams(slab, m)).ToList();
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void EveryDatagramIsAWholeCheckedPacketAndThePayloadArrivesInOrder(bool v4, bool gso)
    {
        using var slab = new SegmentSlab(64 + SegmentSlab.MaxMessagesPerPacket(gso: false));
        byte[] payload = TcpOffloadTests.Payload(64_001, seed: 5);
        byte[] super = TcpOffloadTests.Tcp(v4, payload, 0x10);
        List<byte[]> datagrams = SegmentThroughSlab(slab, super, gsoSize: 1400, mtu: 1472, gso, out int segmentSize);

        int headers = (v4 ? 20 : 40) + 32;
        Assert.Equal(46, datagrams.Count);                                        // 64001 / 1400, rounded up
        Assert.All(datagrams[..^1], d => Assert.Equal(segmentSize, d.Length));
        Assert.Equal(headers + 64_001 - 45 * 1400, datagrams[^1].Length);
        Assert.All(datagrams, d => Assert.True(IpPackets.IsValid(d)));
        Assert.All(datagrams, d => Assert.True(TcpOffloadTests.TcpChecksumValid(d)));
        Assert.Equal(payload, datagrams.SelectMany(d => d[headers..]).ToArray());
        Assert.Equal(gso ? 2 : 46, slab.Count);                                   // 65000 / 1452 = 44 per GSO message
        Assert.Equal(46, Enumerable.Range(0, slab.Count).Sum(slab.Packets));
        Assert.Equal(datagrams.Sum(d => (long)d.Length), Enumerable.Range(0, slab.Count).Sum(slab.Bytes));
    }

    [Fact]
    public void WithUdpGsoRunsShareOneMessageWithTheSegmentSize()
    {
        using var slab = new SegmentSlab(64);
        // 100 segments of 500 + 52 bytes, the last 400 + 52: at most 64 segments (and 65000 bytes) per message.
        SegmentThroughSlab(slab, TcpOffloadTests.Tcp(true, TcpOffloadTests.Payload(99 * 500 + 400), 0x10), 500, 552, gso: true, out _);

        Assert.Equal(2, slab.Count);
        Assert.Equal(new[] { 64, 36 }, new[] { slab.Packets(0), slab.Packets(1) });
        Assert.Equal(64 * 552L, slab.Bytes(0));
        Assert.Equal(35 * 552L + 452, slab.Bytes(1));
        for (int m = 0; m < 2; m++)
        {
            Libc.MsgHdr h = slab.Messages[m].Header;
            Assert.Equal((nuint)(2 * slab.Packets(m)), h.IovLength);              // a header and a payload slice per segment
            Assert.Equal(16u, h.NameLength);                                      // sockaddr_in
            var control = (Libc.CMsgHdr*)h.Control;
            Assert.Equal((nuint)18, control->Length);                             // CMSG_LEN(sizeof(u16))
            Assert.Equal(Libc.SOL_UDP, control->Level);
            Assert.Equal(Libc.UDP_SEGMENT, control->Type);
            Assert.Equal(552, *(ushort*)((byte*)control + sizeof(Libc.CMsgHdr)));
            Assert.Same(Peer, slab.Route(m));
        }
    }

    [Fact]
    public void APlainPacketIsOneIovecOnItsReadBufferWithoutControl()
    {
        using var slab = new SegmentSlab(64);
        byte* first = slab.ReadBuffer;
        slab.AddPacket(first + VirtioNetHeader.Size, 84, Peer, 8285);
        slab.Keep(VirtioNetHeader.Size + 84);
        Assert.Equal(1, slab.Count);
        Libc.MsgHdr h = slab.Messages[0].Header;
        Assert.Equal((nuint)1, h.IovLength);
        Assert.Equal((nint)(first + VirtioNetHeader.Size), (nint)h.Iov[0].Base);
        Assert.Equal((nuint)84, h.Iov[0].Length);
        Assert.True(h.Control == null);
        Assert.Equal((nuint)0, h.ControlLength);
        Assert.Equal(84L, slab.Bytes(0));
        Assert.Equal((nint)(first + 128), (nint)slab.ReadBuffer);                 // the next read does not overwrite it (64-byte aligned)

        slab.Clear();
        Assert.Equal((nint)first, (nint)slab.ReadBuffer);
        Assert.Equal(0, slab.Count);
    }

    [Fact]
    public void RoomRunsOutBeforeAReadBufferOrAWorstCaseSuperPacketWouldNotFit()
    {
        using var slab = new SegmentSlab(8 + SegmentSlab.MaxMessagesPerPacket(gso: false));     // 8 reads per batch
        int reads = 0;
        while (slab.HasRoom(gso: true))
        {
            slab.AddPacket(slab.ReadBuffer, 100, Peer, 8285);
            slab.Keep(SegmentSlab.ReadSize);                                      // as if each read were 64 KB
            reads++;
        }
        Assert.Equal(SegmentSlab.DataSize / ((SegmentSlab.ReadSize + 63) & ~63), reads);

        slab.Clear();
        for (int i = 0; i < 9; i++) slab.AddPacket(slab.ReadBuffer, 100, Peer, 8285);
        Assert.True(slab.HasRoom(gso: true));
        Assert.False(slab.HasRoom(gso: false));                                   // another worst-case packet's messages would not fit
    }
}
