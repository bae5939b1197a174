namespace OverlayNet.Forwarding.Offload;

/// <summary>
/// One datagram of a receive batch: where it lies in the receive buffers, and which sender it came from (two
/// datagrams with the same <see cref="Sender"/> came from the same peer).
/// </summary>
internal readonly unsafe struct Datagram(byte* data, int length, int sender)
{
    public readonly byte* Data = data;
    public readonly int Length = length;
    public readonly int Sender = sender;

    public Span<byte> Bytes => new(Data, Length);
}

/// <summary>
/// Splits the datagrams of one receive, in order, into TUN writes: a run of consecutive TCP segments of one
/// flow from one peer that <see cref="TcpCoalescer"/> allows to merge, or a single datagram. A run may span the
/// messages of a receive: a 46-segment TCP super-packet leaves the peer as two UDP GSO sends (no more than 44
/// datagrams of 1472 bytes fit in one), arrives as two UDP_GRO messages and still goes back as one write.
/// </summary>
internal static class DatagramRuns
{
    /// <summary>
    /// The length of the run that starts at <paramref name="datagrams"/>[<paramref name="from"/>]: 1 when that
    /// datagram goes alone, otherwise how many merge (at most <paramref name="maxRun"/>). For a run of more than
    /// one, <paramref name="headers"/>, <paramref name="segmentPayload"/> and <paramref name="runPayload"/> are
    /// what <see cref="TcpCoalescer.Finish"/> needs.
    /// </summary>
    public static int Next(ReadOnlySpan<Datagram> datagrams, int from, int maxRun, out int headers, out int segmentPayload, out int runPayload)
    {
        Datagram first = datagrams[from];
        ReadOnlySpan<byte> head = first.Bytes;
        segmentPayload = runPayload = 0;
        if (!TcpCoalescer.IsCandidate(head, out headers)) return 1;
        segmentPayload = runPayload = first.Length - headers;
        ReadOnlySpan<byte> last = head;
        int count = 1;
        while (from + count < datagrams.Length && count < maxRun && TcpCoalescer.CanExtend(last, headers, segmentPayload))
        {
            Datagram d = datagrams[from + count];
            if (d.Sender != first.Sender) break;
            ReadOnlySpan<byte> next = d.Bytes;
            if (!TcpCoalescer.CanAppend(head, headers, segmentPayload, runPayload, next)) break;
            runPayload += d.Length - headers;
            last = next;
            count++;
        }
        return count;
    }
}
