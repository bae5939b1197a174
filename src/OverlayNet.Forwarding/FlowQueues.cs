using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace OverlayNet.Forwarding;

/// <summary>
/// Which TUN queue each flow leaves by, so that its replies are written into the device through that same
/// queue. Why: a multi-queue TUN device sends a flow it has not seen to the queue its hash picks, then, as soon
/// as a packet of that flow is written through some queue, to that queue instead (tun_flow_update and
/// tun_automq_select_queue in drivers/net/tun.c). If the replies came in through another queue's socket, the
/// flow moves to another forwarding thread mid-stream, and packets still waiting on the first queue can be
/// overtaken: the receiver sees them out of order and the sender may retransmit them for nothing. Writing the
/// replies through the queue the flow already leaves by keeps it on one thread.
/// </summary>
/// <remarks>
/// A fixed table indexed by a symmetric hash of the addresses and ports (the same for both directions),
/// written by the TUN → UDP threads and read by the UDP → TUN threads without locks: a byte store is atomic,
/// and a collision or a stale entry only picks a less good queue, never loses a packet.
/// </remarks>
internal sealed class FlowQueues
{
    private const int Size = 4096;
    private readonly byte[] _queues = new byte[Size];

    /// <summary>Remembers that the flow of <paramref name="packet"/> (a valid IP packet) leaves by <paramref name="queue"/>.</summary>
    public void Record(ReadOnlySpan<byte> packet, int queue) => _queues[Slot(packet)] = (byte)(queue + 1);

    /// <summary>The queue the flow of <paramref name="packet"/> leaves by, or <paramref name="fallback"/> when not known.</summary>
    public int QueueFor(ReadOnlySpan<byte> packet, int fallback)
    {
        int q = _queues[Slot(packet)] - 1;
        return q < 0 ? fallback : q;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Slot(ReadOnlySpan<byte> packet)
    {
        ulong a, b;
        int protocol, transport;
        if ((packet[0] >> 4) == 4)
        {
            a = BinaryPrimitives.ReadUInt32LittleEndian(packet[12..]);
            b = BinaryPrimitives.ReadUInt32LittleEndian(packet[16..]);
            protocol = packet[9];
            transport = (packet[0] & 0x0f) * 4;
            if ((BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1fff) != 0) protocol = 0;   // later fragments have no ports
        }
        else
        {
            a = BinaryPrimitives.ReadUInt64LittleEndian(packet[8..]) ^ BinaryPrimitives.ReadUInt64LittleEndian(packet[16..]);
            b = BinaryPrimitives.ReadUInt64LittleEndian(packet[24..]) ^ BinaryPrimitives.ReadUInt64LittleEndian(packet[32..]);
            protocol = packet[6];
            transport = IpPackets.Ipv6HeaderLength;
        }
        // Addresses and ports combined with + and ^, which do not care which side is the source.
        ulong key = (a + b) * 0x9E3779B97F4A7C15UL ^ (a ^ b);
        if (protocol is 6 or 17 && packet.Length >= transport + 4)
            key ^= (ulong)(BinaryPrimitives.ReadUInt16LittleEndian(packet[transport..]) ^ BinaryPrimitives.ReadUInt16LittleEndian(packet[(transport + 2)..])) * 0xC2B2AE3D27D4EB4FUL;
        key ^= (ulong)protocol << 56;
        key *= 0x165667B19E3779F9UL;
        return (int)(key >> 52);                                                                   // 12 bits: Size
    }
}
