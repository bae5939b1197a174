using System.Buffers.Binary;

namespace OverlayNet.Forwarding;

/// <summary>
/// The ICMP error a router sends for a packet too big for the next hop: IPv4 "destination unreachable,
/// fragmentation needed" (type 3 code 4, RFC 1191) carrying the next-hop MTU, or ICMPv6 "packet too big"
/// (type 2, RFC 4443). The forwarder writes it back into the TUN device, so the sending host learns the path
/// MTU exactly as it would behind a real router.
/// </summary>
public static class IcmpTooBig
{
    /// <summary>Enough room for either message (IPv6's is at most 1280 bytes).</summary>
    public const int MaxLength = 1280;

    // Like Linux, quote at most what keeps the whole IPv4 error within 576 bytes (RFC 1812 4.3.2.3).
    private const int Ipv4MaxQuote = 576 - 20 - 8;
    private const int Ipv6MaxQuote = 1280 - 40 - 8;

    /// <summary>
    /// Writes the error for <paramref name="original"/> (a valid IP packet) into <paramref name="destination"/>
    /// and returns its length, or 0 when no error may be sent: for an ICMP error itself, a non-first IPv4
    /// fragment, or an unspecified/multicast source (RFC 1122 3.2.2, RFC 4443 2.4).
    /// </summary>
    /// <remarks>
    /// The error's source is the original packet's destination. A router would use its own address, but the
    /// TUN's own address is a local address of the host, and the host drops packets that arrive from one of its
    /// own addresses; the original destination is routed through the TUN, so reverse-path checks pass and the
    /// host (or the container it forwards to) accepts the error.
    /// </remarks>
    public static int Write(ReadOnlySpan<byte> original, int mtu, Span<byte> destination)
    {
        if (destination.Length < MaxLength) throw new ArgumentException($"The destination needs {MaxLength} bytes.");
        return (original[0] >> 4) == 4 ? WriteV4(original, mtu, destination) : WriteV6(original, mtu, destination);
    }

    private static int WriteV4(ReadOnlySpan<byte> original, int mtu, Span<byte> d)
    {
        int headerLength = (original[0] & 0x0f) * 4;
        if ((BinaryPrimitives.ReadUInt16BigEndian(original[6..]) & 0x1fff) != 0) return 0;
        if (original[9] == 1 && original.Length > headerLength && IsIcmpV4Error(original[headerLength])) return 0;
        byte firstSource = original[12];
        if (firstSource == 0 || firstSource >= 224) return 0;

        int quote = Math.Min(original.Length, Ipv4MaxQuote);
        int total = 20 + 8 + quote;
        d[..28].Clear();
        d[0] = 0x45;
        d[1] = 0xc0;                                   // precedence "internetwork control", as Linux sends errors
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], (ushort)total);
        d[8] = 64;                                      // TTL
        d[9] = 1;                                       // ICMP
        original.Slice(16, 4).CopyTo(d[12..]);          // source: the original destination (see remarks)
        original.Slice(12, 4).CopyTo(d[16..]);          // destination: the original source
        BinaryPrimitives.WriteUInt16BigEndian(d[10..], IpPackets.Checksum(d[..20]));

        Span<byte> icmp = d.Slice(20, 8 + quote);
        icmp[0] = 3;                                    // destination unreachable
        icmp[1] = 4;                                    // fragmentation needed and DF set
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], (ushort)Math.Min(mtu, ushort.MaxValue));
        original[..quote].CopyTo(icmp[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], IpPackets.Checksum(icmp));
        return total;
    }

    private static bool IsIcmpV4Error(byte type) => type is 3 or 4 or 5 or 11 or 12;

    private static int WriteV6(ReadOnlySpan<byte> original, int mtu, Span<byte> d)
    {
        // An ICMPv6 error (types 0..127) straight after the fixed header gets no error back.
        if (original[6] == 58 && original.Length > 40 && original[40] < 128) return 0;
        if (original[8] == 0xff || original.Slice(8, 16).IndexOfAnyExcept((byte)0) < 0) return 0;

        int quote = Math.Min(original.Length, Ipv6MaxQuote);
        int payload = 8 + quote;
        d[..48].Clear();
        d[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], (ushort)payload);
        d[6] = 58;                                      // ICMPv6
        d[7] = 64;                                      // hop limit
        original.Slice(24, 16).CopyTo(d[8..]);          // source: the original destination
        original.Slice(8, 16).CopyTo(d[24..]);          // destination: the original source

        Span<byte> icmp = d.Slice(40, payload);
        icmp[0] = 2;                                    // packet too big
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], (uint)mtu);
        original[..quote].CopyTo(icmp[8..]);
        // Pseudo-header: source, destination, upper-layer length, next header.
        uint sum = 0;
        for (int i = 8; i < 40; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(d[i..]);
        sum += (uint)payload + 58;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], IpPackets.Checksum(icmp, sum));
        return 40 + payload;
    }
}
