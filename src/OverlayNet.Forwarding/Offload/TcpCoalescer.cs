using System.Buffers.Binary;

namespace OverlayNet.Forwarding.Offload;

/// <summary>
/// Receive side of the TUN offloads: consecutive full-size segments of one TCP flow, as they arrive in one
/// UDP_GRO read, are merged into one super-packet written to the TUN device with a GSO virtio header, so the
/// kernel takes many segments in one write (and re-segments only if it must forward them on). The rules are
/// those of Linux's TCP GRO, kept strict: identical IP and TCP headers but for lengths, IPv4 identification,
/// checksums and sequence; only ACK, with PSH allowed on the last segment; every segment but the last exactly
/// the first one's size; sequence numbers contiguous; every checksum verified first, because the merged packet
/// is handed over with a checksum the kernel completes rather than checks. Nothing here allocates.
/// </summary>
internal static class TcpCoalescer
{
    private const byte Ack = 0x10, Psh = 0x08;

    /// <summary>
    /// True when <paramref name="packet"/> (a valid IP packet) may start or join a merged run: TCP with a
    /// payload, flags ACK or ACK+PSH, and correct IPv4 header and TCP checksums. <paramref name="headers"/> is the
    /// IP + TCP header length.
    /// </summary>
    public static bool IsCandidate(ReadOnlySpan<byte> packet, out int headers)
    {
        if (!TcpSegmenter.TryParse(packet, out bool v4, out int ipHeader, out headers)) return false;
        if (packet.Length <= headers) return false;
        if ((packet[ipHeader + 13] & ~Psh) != Ack) return false;
        if (v4 && InternetChecksum.Sum(packet[..ipHeader]) != 0xffff) return false;
        ReadOnlySpan<byte> tcp = packet[ipHeader..];
        return InternetChecksum.Sum(tcp, InternetChecksum.PseudoHeader(packet, 6, tcp.Length)) == 0xffff;
    }

    /// <summary>True when a run may grow past <paramref name="last"/>: it is full size and carries no PSH.</summary>
    public static bool CanExtend(ReadOnlySpan<byte> last, int headers, int segmentPayload) =>
        last.Length - headers == segmentPayload && (last[IpHeaderLength(last) + 13] & Psh) == 0;

    /// <summary>
    /// True when <paramref name="next"/> continues the run that <paramref name="head"/> starts (already checked
    /// with <see cref="IsCandidate"/>, <paramref name="headers"/> bytes of headers, <paramref name="segmentPayload"/>
    /// bytes of payload), whose payload so far is <paramref name="runPayload"/> bytes.
    /// </summary>
    public static bool CanAppend(ReadOnlySpan<byte> head, int headers, int segmentPayload, int runPayload, ReadOnlySpan<byte> next)
    {
        int payload = next.Length - headers;
        if (payload <= 0 || payload > segmentPayload || headers + runPayload + payload > ushort.MaxValue) return false;
        if (!IsCandidate(next, out int nextHeaders) || nextHeaders != headers) return false;
        int ip = IpHeaderLength(head);
        if ((head[0] >> 4) == 4)
        {
            // Version/IHL and TOS, flags/fragment, TTL/protocol, addresses and options; not the length, id or checksum.
            if (!head[..2].SequenceEqual(next[..2]) || !head.Slice(6, 4).SequenceEqual(next.Slice(6, 4))
                || !head[12..ip].SequenceEqual(next[12..ip])) return false;
        }
        else if (!head[..4].SequenceEqual(next[..4]) || !head.Slice(6, 34).SequenceEqual(next.Slice(6, 34)))
        {
            return false;                               // traffic class, flow label, next header, hop limit, addresses
        }
        ReadOnlySpan<byte> a = head[ip..headers], b = next[ip..headers];
        // Ports, acknowledgement, header length, window, urgent pointer and options must match; flags were checked.
        if (!a[..4].SequenceEqual(b[..4]) || !a.Slice(8, 5).SequenceEqual(b.Slice(8, 5)) || !a.Slice(14, 2).SequenceEqual(b.Slice(14, 2))
            || !a[18..].SequenceEqual(b[18..])) return false;
        return BinaryPrimitives.ReadUInt32BigEndian(b[4..]) == BinaryPrimitives.ReadUInt32BigEndian(a[4..]) + (uint)runPayload;
    }

    /// <summary>
    /// Turns <paramref name="head"/>'s headers into those of the merged packet (whose payload, <paramref name="runPayload"/>
    /// bytes, follows in the write) and returns the virtio header that goes in front of it: the IPv4 total
    /// length and header checksum or the IPv6 payload length, the last segment's flags, and in the TCP checksum
    /// field the pseudo-header sum for the kernel to finish (NEEDS_CSUM), as a GSO packet of
    /// <paramref name="segmentPayload"/>-byte segments.
    /// </summary>
    public static VirtioNetHeader Finish(Span<byte> head, int headers, int segmentPayload, int runPayload, byte lastFlags)
    {
        int ip = IpHeaderLength(head);
        bool v4 = (head[0] >> 4) == 4;
        if (v4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(head[2..], (ushort)(headers + runPayload));
            head[10] = head[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(head[10..], IpPackets.Checksum(head[..ip]));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(head[4..], (ushort)(headers + runPayload - IpPackets.Ipv6HeaderLength));
        }
        head[ip + 13] = lastFlags;
        int tcpLength = headers - ip + runPayload;
        BinaryPrimitives.WriteUInt16BigEndian(head[(ip + 16)..], (ushort)InternetChecksum.PseudoHeader(head, 6, tcpLength));
        return new VirtioNetHeader
        {
            Flags = VirtioNetHeader.FlagNeedsChecksum,
            GsoType = v4 ? VirtioNetHeader.GsoTcpV4 : VirtioNetHeader.GsoTcpV6,
            HeaderLength = (ushort)headers,
            GsoSize = (ushort)segmentPayload,
            ChecksumStart = (ushort)ip,
            ChecksumOffset = 16,
        };
    }

    /// <summary>The TCP flags byte of a TCP packet.</summary>
    public static byte Flags(ReadOnlySpan<byte> packet) => packet[IpHeaderLength(packet) + 13];

    private static int IpHeaderLength(ReadOnlySpan<byte> packet) =>
        (packet[0] >> 4) == 4 ? (packet[0] & 0x0f) * 4 : IpPackets.Ipv6HeaderLength;
}
