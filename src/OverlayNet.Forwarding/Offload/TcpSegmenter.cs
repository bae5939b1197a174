using System.Buffers.Binary;

namespace OverlayNet.Forwarding.Offload;

/// <summary>
/// Transmit side of the TUN offloads: cuts a TCP super-packet (up to 64 KB, as the kernel hands it over with
/// TUN_F_TSO4/TSO6) into the MSS-sized IP packets a wire would carry, each complete and valid on its own, so
/// flanneld's wire format (one whole IP packet per UDP payload) is kept. Also finishes the checksum of a
/// single packet the kernel left partial (TUN_F_CSUM). Nothing here allocates.
/// </summary>
internal static class TcpSegmenter
{
    private const byte Fin = 0x01, Psh = 0x08, Cwr = 0x80;

    /// <summary>Smallest TCP payload per segment this cuts to; below it the packet is refused.</summary>
    public const int MinSegmentPayload = 64;
    /// <summary>Most segments <see cref="Segment"/> cuts any packet into.</summary>
    public const int MaxSegments = 65536 / MinSegmentPayload + 1;
    /// <summary>Most header bytes <see cref="Segment"/> writes for any packet: IP and TCP headers (at most 120 bytes) per segment.</summary>
    public const int MaxHeaderOutput = MaxSegments * 120;

    /// <summary>
    /// Segments <paramref name="packet"/>, an IPv4 or IPv6 packet carrying TCP whose payload is larger than one
    /// segment, into the MSS-sized packets a wire would carry, without copying the payload: only the segments'
    /// IP + TCP headers (<paramref name="headers"/> bytes each) are written, segment i's at offset
    /// i × <paramref name="headers"/> of <paramref name="headerOutput"/>. Segment i is that header followed by
    /// the <paramref name="mss"/> payload bytes at <paramref name="headers"/> + i × <paramref name="mss"/> of
    /// <paramref name="packet"/> (the last segment: what is left), so a sender can hand the kernel an iovec pair
    /// per segment. The MSS is <paramref name="gsoSize"/>, or smaller when that would make a segment longer than
    /// <paramref name="maxPacket"/>.
    /// </summary>
    /// <remarks>
    /// Per segment, as Linux's own TCP segmentation does: the IPv4 total length, an identification counting up
    /// from the original's and the header checksum, or the IPv6 payload length; the sequence number advanced
    /// by the payload before it; FIN and PSH only on the last segment, CWR only on the first; and a full TCP
    /// checksum over the pseudo-header, the header and the payload where it lies (the original's checksum
    /// field is only the kernel's partial sum). The payload starts at an even offset of the TCP segment (the
    /// TCP header is a multiple of 4 bytes), so its sum adds to the header's as is.
    /// </remarks>
    /// <returns>
    /// The number of segments, or 0 when the packet cannot be segmented: not TCP over IPv4/IPv6 without IPv6
    /// extension headers, a length field that does not match, no payload, or a segment size below
    /// <see cref="MinSegmentPayload"/> (<paramref name="maxPacket"/> too small for the headers).
    /// </returns>
    public static int Segment(ReadOnlySpan<byte> packet, int gsoSize, int maxPacket, Span<byte> headerOutput, out int headers, out int mss)
    {
        mss = 0;
        if (!TryParse(packet, out bool v4, out int ipHeader, out headers)) return 0;
        mss = Math.Min(gsoSize, maxPacket - headers);
        int payload = packet.Length - headers;
        if (mss < MinSegmentPayload || payload <= 0) return 0;
        int count = (payload + mss - 1) / mss;
        if (headerOutput.Length < count * headers) throw new ArgumentException("The header output is too small.", nameof(headerOutput));

        ReadOnlySpan<byte> template = packet[..headers];
        uint sequence = BinaryPrimitives.ReadUInt32BigEndian(packet[(ipHeader + 4)..]);
        ushort id = v4 ? BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) : (ushort)0;
        byte flags = packet[ipHeader + 13];
        for (int i = 0; i < count; i++)
        {
            int take = Math.Min(mss, payload - i * mss);
            Span<byte> header = headerOutput.Slice(i * headers, headers);
            template.CopyTo(header);
            if (v4)
            {
                BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(headers + take));
                BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)(id + i));
                header[10] = header[11] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(header[10..], IpPackets.Checksum(header[..ipHeader]));
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)(headers + take - IpPackets.Ipv6HeaderLength));
            }
            Span<byte> tcp = header[ipHeader..];
            BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence + (uint)(i * mss));
            byte f = flags;
            if (i < count - 1) f &= unchecked((byte)~(Fin | Psh));
            if (i > 0) f &= unchecked((byte)~Cwr);
            tcp[13] = f;
            tcp[16] = tcp[17] = 0;
            uint sum = InternetChecksum.Sum(packet.Slice(headers + i * mss, take), InternetChecksum.PseudoHeader(header, 6, tcp.Length + take));
            BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], IpPackets.Checksum(tcp, sum));
        }
        return count;
    }

    /// <summary>
    /// Finishes a checksum the kernel left partial (virtio NEEDS_CSUM): the checksum of everything from
    /// <paramref name="start"/>, whose field at start + <paramref name="offset"/> already holds the pseudo-header
    /// sum, is stored in that field. False when the field lies outside the packet.
    /// </summary>
    public static bool CompleteChecksum(Span<byte> packet, int start, int offset)
    {
        if (start + offset + 2 > packet.Length) return false;
        BinaryPrimitives.WriteUInt16BigEndian(packet[(start + offset)..], IpPackets.Checksum(packet[start..]));
        return true;
    }

    /// <summary>
    /// Reads the IP and TCP header lengths of a TCP packet: IPv4 (any options, not a fragment) or IPv6 whose next
    /// header is TCP; the length field must match the buffer and the TCP header must fit.
    /// </summary>
    internal static bool TryParse(ReadOnlySpan<byte> packet, out bool v4, out int ipHeader, out int headers)
    {
        v4 = false;
        ipHeader = headers = 0;
        if (!IpPackets.IsValid(packet)) return false;
        if ((packet[0] >> 4) == 4)
        {
            v4 = true;
            ipHeader = (packet[0] & 0x0f) * 4;
            // Not a fragment: MF clear and offset 0.
            if (packet[9] != 6 || (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3fff) != 0) return false;
        }
        else
        {
            ipHeader = IpPackets.Ipv6HeaderLength;
            if (packet[6] != 6) return false;
        }
        if (packet.Length < ipHeader + 20) return false;
        int tcpHeader = (packet[ipHeader + 12] >> 4) * 4;
        headers = ipHeader + tcpHeader;
        return tcpHeader >= 20 && headers <= packet.Length;
    }
}
