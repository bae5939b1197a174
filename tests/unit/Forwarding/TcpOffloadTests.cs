using System.Buffers.Binary;
using System.Net;
using OverlayNet.Forwarding;
using OverlayNet.Forwarding.Offload;

namespace OverlayNet.Netlink.Tests.Forwarding;

/// <summary>
/// The user-space halves of the TUN offloads: cutting TCP super-packets into wire packets and merging wire
/// packets back. Checksums are checked against a plain word-by-word computation written here, independent of
/// the data path's own.
/// </summary>
public class TcpOffloadTests
{
    private const byte Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10, Cwr = 0x80;

    // ---- an independent checksum: 16-bit big-endian words, one at a time, over an explicit pseudo-header ----

    private static int NaiveSum(IEnumerable<byte> bytes)
    {
        byte[] b = bytes.ToArray();
        long sum = 0;
        for (int i = 0; i < b.Length; i += 2) sum += (b[i] << 8) + (i + 1 < b.Length ? b[i + 1] : 0);
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (int)sum;
    }

    private static byte[] Pseudo(byte[] packet, int tcpLength)
    {
        bool v4 = packet[0] >> 4 == 4;
        var p = new List<byte>(v4 ? packet[12..20] : packet[8..40]);
        if (v4) p.AddRange(new byte[] { 0, 6, (byte)(tcpLength >> 8), (byte)tcpLength });
        else p.AddRange(new byte[] { 0, 0, (byte)(tcpLength >> 8), (byte)tcpLength, 0, 0, 0, 6 });
        return p.ToArray();
    }

    private static int IpHeader(byte[] p) => p[0] >> 4 == 4 ? (p[0] & 0xf) * 4 : 40;

    /// <summary>True when the TCP checksum of <paramref name="p"/> verifies (sum over pseudo-header and segment is all ones).</summary>
    internal static bool TcpChecksumValid(byte[] p)
    {
        byte[] tcp = p[IpHeader(p)..];
        return NaiveSum(Pseudo(p, tcp.Length).Concat(tcp)) == 0xffff;
    }

    private static void SetTcpChecksum(byte[] p)
    {
        int ip = IpHeader(p);
        p[ip + 16] = p[ip + 17] = 0;
        byte[] tcp = p[ip..];
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + 16), (ushort)~NaiveSum(Pseudo(p, tcp.Length).Concat(tcp)));
    }

    /// <summary>An IPv4 (id 0x1234, DF) or IPv6 TCP packet 10.244.1.2:40000 → 10.244.2.2:5201 with a timestamp option, checksummed.</summary>
    internal static byte[] Tcp(bool v4, byte[] payload, byte flags, uint sequence = 0xfffff000, ushort sourcePort = 40000)
    {
        const int tcpHeader = 32;
        byte[] p = v4
            ? IpPacketsTests.Ipv4(20 + tcpHeader + payload.Length)
            : IpPacketsTests.Ipv6(40 + tcpHeader + payload.Length);
        int ip = IpHeader(p);
        if (v4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), 0x1234);
            p[10] = p[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), (ushort)~NaiveSum(p[..20]));
        }
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + 2), 5201);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(ip + 4), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(ip + 8), 0x01020304);
        p[ip + 12] = tcpHeader / 4 << 4;
        p[ip + 13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + 14), 502);
        byte[] options = [1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9];     // NOP NOP timestamp
        options.CopyTo(p, ip + 20);
        payload.CopyTo(p, ip + tcpHeader);
        SetTcpChecksum(p);
        return p;
    }

    internal static byte[] Payload(int length, int seed = 1)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>The segments as whole packets: each header written by the segmenter followed by its slice of the super-packet's payload.</summary>
    private static List<byte[]> Segment(byte[] superPacket, int gsoSize, int maxPacket, out int segmentLength)
    {
        var headerOutput = new byte[TcpSegmenter.MaxHeaderOutput];
        int count = TcpSegmenter.Segment(superPacket, gsoSize, maxPacket, headerOutput, out int headers, out int mss);
        segmentLength = headers + mss;
        var segments = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            int offset = headers + i * mss;
            segments.Add([.. headerOutput[(i * headers)..((i + 1) * headers)], .. superPacket[offset..Math.Min(offset + mss, superPacket.Length)]]);
        }
        return segments;
    }

    // ---- checksum ----

    [Fact]
    public void FastSumMatchesWordByWordSumForEveryLengthAndAlignment()
    {
        // Every length up to 300 bytes (each vector loop's first steps and every tail) at three alignments, then
        // segment and packet sizes, all-ones data (the most carries), and 9 MB (summed a megabyte at a time; at once, its lanes would overflow).
        byte[] data = Payload(300, seed: 7);
        for (int start = 0; start < 6; start += 2)
            for (int length = 0; length < 290; length++)
            {
                byte[] slice = data[start..(start + length)];
                Assert.Equal(NaiveSum(slice), (int)InternetChecksum.Sum(slice));
            }
        foreach (int length in new[] { 1400, 1420, 1472, 9000, 65535, 65536 })
        {
            byte[] random = Payload(length, seed: length);
            Assert.Equal(NaiveSum(random), (int)InternetChecksum.Sum(random));
            byte[] ones = Enumerable.Repeat((byte)0xff, length).ToArray();
            Assert.Equal(NaiveSum(ones), (int)InternetChecksum.Sum(ones));
            if (length % 2 == 0) Assert.Equal(NaiveSum(ones.Concat(new byte[] { 0x12, 0x34 })), (int)InternetChecksum.Sum(ones, 0x1234));
        }
        byte[] large = Enumerable.Repeat((byte)0xff, 9 << 20).Concat(Payload(1001, seed: 3)).ToArray();
        Assert.Equal(NaiveSum(large), (int)InternetChecksum.Sum(large));
    }

    // ---- segmentation ----

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SuperPacketBecomesValidWirePackets(bool v4)
    {
        byte[] payload = Payload(5001);
        byte[] super = Tcp(v4, payload, Cwr | Ack | Psh | Fin);
        List<byte[]> segments = Segment(super, gsoSize: 1400, maxPacket: 1472, out int segmentLength);

        int ip = v4 ? 20 : 40, headers = ip + 32;
        Assert.Equal(headers + 1400, segmentLength);
        Assert.Equal(new[] { 1400, 1400, 1400, 801 }, segments.Select(s => s.Length - headers));
        for (int i = 0; i < segments.Count; i++)
        {
            byte[] s = segments[i];
            Assert.True(IpPackets.IsValid(s));
            if (v4)
            {
                Assert.Equal(s.Length, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(2)));
                Assert.Equal(0x1234 + i, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(4)));
                Assert.Equal(0xffff, NaiveSum(s[..20]));
            }
            else
            {
                Assert.Equal(s.Length - 40, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(4)));
            }
            Assert.Equal(unchecked(0xfffff000u + (uint)(i * 1400)), BinaryPrimitives.ReadUInt32BigEndian(s.AsSpan(ip + 4)));
            byte expected = i == 0 ? (byte)(Cwr | Ack) : i == segments.Count - 1 ? (byte)(Ack | Psh | Fin) : Ack;
            Assert.Equal(expected, s[ip + 13]);
            Assert.True(TcpChecksumValid(s), $"segment {i}: TCP checksum");
            Assert.Equal(super[(ip + 20)..headers], s[(ip + 20)..headers]);          // options copied
        }
        Assert.Equal(payload, segments.SelectMany(s => s[headers..]).ToArray());
    }

    [Fact]
    public void SegmentsAreCutSmallerWhenTheForwarderMtuIsBelowTheKernelsSegmentSize()
    {
        byte[] super = Tcp(true, Payload(3000), Ack);
        List<byte[]> segments = Segment(super, gsoSize: 1448, maxPacket: 1000, out int segmentLength);
        Assert.Equal(1000, segmentLength);
        Assert.Equal(new[] { 948, 948, 948, 156 }, segments.Select(s => s.Length - 52));
        Assert.All(segments, s => Assert.True(TcpChecksumValid(s)));
    }

    [Fact]
    public void WhatCannotBeSegmentedIsRefused()
    {
        var output = new byte[TcpSegmenter.MaxHeaderOutput];
        byte[] udp = IpPacketsTests.Ipv4(3000, protocol: 17);
        Assert.Equal(0, TcpSegmenter.Segment(udp, 1400, 1472, output, out _, out _));
        byte[] extension = IpPacketsTests.Ipv6(3000, next: 0);        // hop-by-hop header before TCP
        Assert.Equal(0, TcpSegmenter.Segment(extension, 1400, 1472, output, out _, out _));
        byte[] noPayload = Tcp(true, [], Ack);
        Assert.Equal(0, TcpSegmenter.Segment(noPayload, 1400, 1472, output, out _, out _));
        byte[] tcp = Tcp(true, Payload(3000), Ack);
        Assert.Equal(0, TcpSegmenter.Segment(tcp, 1400, 52 + TcpSegmenter.MinSegmentPayload - 1, output, out _, out _));
        tcp[3]++;                                                     // total length no longer the buffer's
        Assert.Equal(0, TcpSegmenter.Segment(tcp, 1400, 1472, output, out _, out _));
    }

    [Theory]
    [InlineData(true, 1001)]
    [InlineData(false, 77)]
    public void PartialChecksumIsCompleted(bool v4, int length)
    {
        byte[] p = Tcp(v4, Payload(length), Ack | Psh);
        byte[] expected = (byte[])p.Clone();
        int ip = IpHeader(p);
        // What the kernel hands over with NEEDS_CSUM: the pseudo-header sum, not complemented, in the field.
        int tcpLength = p.Length - ip;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + 16), (ushort)NaiveSum(Pseudo(p, tcpLength)));
        Assert.True(TcpSegmenter.CompleteChecksum(p, ip, 16));
        Assert.Equal(expected, p);
        Assert.False(TcpSegmenter.CompleteChecksum(p, p.Length - 10, 9));
    }

    // ---- coalescing ----

    /// <summary>
    /// Merges the run at the start of <paramref name="segments"/> as the receive loop does: the datagrams back to
    /// back in one buffer, split into runs by <see cref="DatagramRuns"/>, each from sender
    /// <paramref name="senders"/>[i] (0 by default). Returns the merged packet, its virtio header and how many
    /// segments it took.
    /// </summary>
    private static unsafe (byte[] Packet, VirtioNetHeader Header, int Merged) Coalesce(List<byte[]> segments, int[]? senders = null)
    {
        Assert.True(TcpCoalescer.IsCandidate(segments[0], out _));
        byte[] buffer = GC.AllocateArray<byte>(segments.Sum(s => s.Length), pinned: true);
        var datagrams = new Datagram[segments.Count];
        fixed (byte* start = buffer)
        {
            int offset = 0;
            for (int i = 0; i < segments.Count; i++)
            {
                segments[i].CopyTo(buffer, offset);
                datagrams[i] = new Datagram(start + offset, segments[i].Length, senders?[i] ?? 0);
                offset += segments[i].Length;
            }
            int merged = DatagramRuns.Next(datagrams, 0, maxRun: 256, out int headers, out int segmentPayload, out int runPayload);
            Span<byte> head = datagrams[0].Bytes;
            VirtioNetHeader header = merged > 1
                ? TcpCoalescer.Finish(head, headers, segmentPayload, runPayload, TcpCoalescer.Flags(datagrams[merged - 1].Bytes))
                : default;
            var packet = new List<byte>(head.ToArray());
            for (int i = 1; i < merged; i++) packet.AddRange(datagrams[i].Bytes[headers..].ToArray());
            return ([.. packet], header, merged);
        }
    }

    [Fact]
    public void ARunSpansTheMessagesOfOneSenderOnly()
    {
        // A full 64 KB super-packet of 46 segments: the sender's UDP GSO fits 44 datagrams of 1472 bytes in one
        // send, so it arrives as two messages (44 + 2). Merged across them it is one write again.
        byte[] super = Tcp(true, Payload(46 * 1420), Ack);
        List<byte[]> segments = Segment(super, gsoSize: 1420, maxPacket: 1472, out _);
        Assert.Equal(46, segments.Count);
        Assert.True(44 * 1472 <= SegmentSlab.MaxGsoBytes && 45 * 1472 > SegmentSlab.MaxGsoBytes);
        (byte[] merged, VirtioNetHeader header, int count) = Coalesce(segments);
        Assert.Equal(46, count);
        Assert.Equal(1420, header.GsoSize);
        Assert.True(TcpSegmenter.CompleteChecksum(merged, header.ChecksumStart, header.ChecksumOffset));
        Assert.Equal(super, merged);

        // The same bytes from two peers (one per message): two runs, never one.
        int[] senders = [.. Enumerable.Repeat(0, 44), 1, 1];
        Assert.Equal(44, Coalesce(segments, senders).Merged);
        Assert.Equal(2, Coalesce(segments[44..], senders[44..]).Merged);
    }

    [Theory]
    [InlineData(true, 6001)]
    [InlineData(false, 4200)]
    public void SegmentsMergeBackIntoTheSuperPacket(bool v4, int length)
    {
        byte[] super = Tcp(v4, Payload(length), Ack | Psh);
        List<byte[]> segments = Segment(super, gsoSize: 1400, maxPacket: 1472, out _);
        (byte[] merged, VirtioNetHeader header, int count) = Coalesce(segments);

        int ip = v4 ? 20 : 40;
        Assert.Equal(segments.Count, count);
        Assert.Equal(VirtioNetHeader.FlagNeedsChecksum, header.Flags);
        Assert.Equal(v4 ? VirtioNetHeader.GsoTcpV4 : VirtioNetHeader.GsoTcpV6, header.GsoType);
        Assert.Equal(ip + 32, header.HeaderLength);
        Assert.Equal(1400, header.GsoSize);
        Assert.Equal(ip, header.ChecksumStart);
        Assert.Equal(16, header.ChecksumOffset);
        // The field holds the pseudo-header sum for the kernel to finish; finished, the packet is the original.
        Assert.Equal(NaiveSum(Pseudo(merged, merged.Length - ip)), BinaryPrimitives.ReadUInt16BigEndian(merged.AsSpan(ip + 16)));
        Assert.True(TcpSegmenter.CompleteChecksum(merged, header.ChecksumStart, header.ChecksumOffset));
        Assert.Equal(super, merged);
    }

    [Fact]
    public void OnlyOneFlowInSequenceWithGoodChecksumsMerges()
    {
        List<byte[]> segments = Segment(Tcp(true, Payload(4200), Ack), 1400, 1472, out _);
        byte[] head = segments[0];
        TcpCoalescer.IsCandidate(head, out int headers);
        Assert.True(TcpCoalescer.CanAppend(head, headers, 1400, 1400, segments[1]));
        Assert.False(TcpCoalescer.CanAppend(head, headers, 1400, 1400, segments[2]));           // a gap in the sequence
        Assert.False(TcpCoalescer.CanAppend(head, headers, 1400, 2800, segments[1]));

        byte[] otherFlow = Tcp(true, Payload(1400, seed: 2), Ack, sequence: 0xfffff000 + 1400, sourcePort: 40001);
        Assert.False(TcpCoalescer.CanAppend(head, headers, 1400, 1400, otherFlow));

        byte[] corrupt = (byte[])segments[1].Clone();
        corrupt[^1] ^= 0x40;
        Assert.False(TcpCoalescer.IsCandidate(corrupt, out _));
        Assert.False(TcpCoalescer.CanAppend(head, headers, 1400, 1400, corrupt));

        byte[] badIpChecksum = (byte[])segments[1].Clone();
        badIpChecksum[8]--;                                                                   // TTL changed, checksum not
        Assert.False(TcpCoalescer.IsCandidate(badIpChecksum, out _));

        Assert.False(TcpCoalescer.IsCandidate(Tcp(true, Payload(100), Syn | Ack), out _));
        Assert.False(TcpCoalescer.IsCandidate(Tcp(false, [], Ack), out _));                   // a bare ACK has nothing to merge
    }

    [Fact]
    public void RunEndsAfterAShortOrPushedSegment()
    {
        // 1400, 1400, 600 (short), then a new run.
        List<byte[]> first = Segment(Tcp(true, Payload(3400), Ack), 1400, 1472, out _);
        byte[] after = Tcp(true, Payload(1400, seed: 5), Ack, sequence: 0xfffff000 + 3400);
        (_, VirtioNetHeader header, int merged) = Coalesce([.. first, after]);
        Assert.Equal(3, merged);
        Assert.Equal(1400, header.GsoSize);

        // PSH on the second segment ends the run there; PSH on the head means no run at all.
        byte[] a = Tcp(false, Payload(1400), Ack), b = Tcp(false, Payload(1400, seed: 3), Ack | Psh, sequence: 0xfffff000 + 1400);
        byte[] c = Tcp(false, Payload(1400, seed: 4), Ack, sequence: 0xfffff000 + 2800);
        (byte[] packet, VirtioNetHeader h2, int merged2) = Coalesce([a, b, c]);
        Assert.Equal(2, merged2);
        Assert.Equal(Ack | Psh, packet[40 + 13]);
        Assert.Equal(2800, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)) - 32);
        Assert.Equal(VirtioNetHeader.GsoTcpV6, h2.GsoType);
        TcpCoalescer.IsCandidate(b, out int headers);
        Assert.False(TcpCoalescer.CanExtend(b, headers, 1400));
    }
}
