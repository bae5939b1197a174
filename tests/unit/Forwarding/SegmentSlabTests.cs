using System.Net;
using OverlayNet.Forwarding;
using OverlayNet.Forwarding.Interop;
using OverlayNet.Forwarding.Offload;

namespace OverlayNet.Netlink.Tests.Forwarding;

/// <summary>The sendmmsg batch the offload path builds: what the kernel is handed per message.</summary>
public unsafe class SegmentSlabTests
{
    private static readonly ForwarderRoute Peer = new RouteTable().Set(IpPrefix.Parse("10.244.2.0/24"), IPAddress.Parse("192.168.8.102"));

    [Fact]
    public void WithUdpGsoRunsOfEqualSegmentsShareOneMessageWithTheSegmentSize()
    {
        using var slab = new SegmentSlab(64);
        // 100 segments of 1000 bytes, the last 400: at most 64 segments (and 65000 bytes) per message.
        slab.Add(100, 1000, 99 * 1000 + 400, Peer, 8285, gso: true);

        Assert.Equal(2, slab.Count);
        Assert.Equal(new[] { 64, 36 }, new[] { slab.Packets(0), slab.Packets(1) });
        Assert.Equal(64_000ul, (ulong)slab.Payload(0).Length);
        Assert.Equal(35 * 1000ul + 400, (ulong)slab.Payload(1).Length);
        Assert.Equal((nint)((byte*)slab.Payload(0).Base + 64_000), (nint)slab.Payload(1).Base);
        for (int m = 0; m < 2; m++)
        {
            Libc.MsgHdr h = slab.Messages[m].Header;
            Assert.Equal(16u, h.NameLength);                                      // sockaddr_in
            var control = (Libc.CMsgHdr*)h.Control;
            Assert.Equal((nuint)18, control->Length);                             // CMSG_LEN(sizeof(u16))
            Assert.Equal(Libc.SOL_UDP, control->Level);
            Assert.Equal(Libc.UDP_SEGMENT, control->Type);
            Assert.Equal(1000, *(ushort*)((byte*)control + sizeof(Libc.CMsgHdr)));
            Assert.Same(Peer, slab.Route(m));
        }
    }

    [Fact]
    public void LargeSegmentsAreBoundByTheDatagramSizeAndSinglesCarryNoControl()
    {
        using var slab = new SegmentSlab(64);
        slab.Add(46, 1472, 45 * 1472 + 100, Peer, 8285, gso: true);         // 65000 / 1472 = 44 per message
        Assert.Equal(new[] { 44, 2 }, new[] { slab.Packets(0), slab.Packets(1) });

        slab.Clear();
        slab.Add(1, 84, 84, Peer, 8285, gso: true);
        Assert.Equal(1, slab.Count);
        Assert.True(slab.Messages[0].Header.Control == null);
        Assert.Equal((nuint)0, slab.Messages[0].Header.ControlLength);
    }

    [Fact]
    public void WithoutUdpGsoEverySegmentIsAMessage()
    {
        using var slab = new SegmentSlab(SegmentSlab.MaxMessagesPerPacket(gso: false));
        slab.Add(3, 1472, 2 * 1472 + 10, Peer, 8285, gso: false);
        Assert.Equal(3, slab.Count);
        Assert.Equal(new ulong[] { 1472, 1472, 10 }, Enumerable.Range(0, 3).Select(m => (ulong)slab.Payload(m).Length));
        Assert.All(Enumerable.Range(0, 3), m => Assert.True(slab.Messages[m].Header.Control == null));
        Assert.False(slab.HasRoom(gso: false));                                  // another worst-case packet would not fit
    }
}
