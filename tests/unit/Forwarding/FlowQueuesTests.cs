using System.Buffers.Binary;
using OverlayNet.Forwarding;

namespace OverlayNet.Netlink.Tests.Forwarding;

public class FlowQueuesTests
{
    private static byte[] Tcp(string source, string destination, ushort sourcePort, ushort destinationPort, bool v6 = false)
    {
        byte[] p = v6 ? IpPacketsTests.Ipv6(60, source, destination) : IpPacketsTests.Ipv4(40, source, destination);
        int ip = v6 ? 40 : 20;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + 2), destinationPort);
        return p;
    }

    [Theory]
    [InlineData(false, "10.244.1.2", "10.244.2.2")]
    [InlineData(true, "fd00:244:1::2", "fd00:244:2::2")]
    public void RepliesGoThroughTheQueueTheirFlowLeftBy(bool v6, string a, string b)
    {
        var flows = new FlowQueues();
        byte[] outgoing = Tcp(a, b, 40000, 5201, v6), reply = Tcp(b, a, 5201, 40000, v6);
        Assert.Equal(FlowQueues.Slot(outgoing), FlowQueues.Slot(reply));
        Assert.Equal(7, flows.QueueFor(reply, fallback: 7));                    // not seen yet: the caller's queue
        flows.Record(outgoing, 3);
        Assert.Equal(3, flows.QueueFor(reply, fallback: 7));
    }

    [Fact]
    public void OtherFlowsUseOtherSlots()
    {
        int[] slots = Enumerable.Range(0, 64).Select(i => FlowQueues.Slot(Tcp("10.244.1.2", "10.244.2.2", (ushort)(40000 + i), 5201))).ToArray();
        Assert.True(slots.Distinct().Count() >= 60, $"{slots.Distinct().Count()} distinct slots of 64");
    }
}
