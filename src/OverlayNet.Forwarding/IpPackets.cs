using System.Buffers.Binary;

namespace OverlayNet.Forwarding;

/// <summary>
/// Checks that a buffer holds one whole IPv4 or IPv6 packet (what flanneld's wire format carries: the bare IP
/// packet as the UDP payload), before its addresses are read. Nothing here allocates.
/// </summary>
public static class IpPackets
{
    public const int Ipv4HeaderLength = 20, Ipv6HeaderLength = 40;

    /// <summary>
    /// True when <paramref name="packet"/> is exactly one IPv4 packet (version 4, header length 20..60 within
    /// the packet, total length equal to the buffer) or one IPv6 packet (version 6, payload length + 40 equal
    /// to the buffer; jumbograms are not carried).
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < Ipv4HeaderLength) return false;
        switch (packet[0] >> 4)
        {
            case 4:
                int headerLength = (packet[0] & 0x0f) * 4;
                int total = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
                return headerLength >= Ipv4HeaderLength && headerLength <= total && total == packet.Length;
            case 6:
                return packet.Length >= Ipv6HeaderLength
                    && BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) + Ipv6HeaderLength == packet.Length;
            default:
                return false;
        }
    }

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="data"/> added to <paramref name="sum"/>, folded and complemented.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data, uint sum = 0) => (ushort)~InternetChecksum.Sum(data, sum);
}
