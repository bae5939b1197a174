using System.Buffers.Binary;
using OverlayNet.Netlink.Interop;

namespace OverlayNet.Netlink.Protocol;

/// <summary>Turns one message into an item, or returns default to skip it. Used by dumps and queries.</summary>
public delegate T? MessageParser<T>(NetlinkMessage message);

/// <summary>
/// A netlink socket bound to the namespace of the thread that opened it (see <c>NetNamespaceRunner</c>:
/// a socket for another namespace is opened on a thread that entered it). The kernel's extended-ack text is
/// turned on so refusals say why, and requests are stamped with sequence numbers so every answer maps back
/// to the request that caused it, even in a batch of thousands (which asks for one ack per sendmsg, see
/// <see cref="ExecuteBatch"/>).
/// </summary>
public sealed partial class NetlinkSocket : IDisposable
{
    // The answers to a chunk of a batch (failures, and the last request's ack) must all fit in the receive
    // buffer at once (the kernel queues them while send() runs and drops what does not fit), so both limits
    // are set together: each answer costs about 1 KiB of buffer accounting.
    private const int ReceiveBufferBytes = 8 << 20;
    private const int MaxChunkMessages = 2048;
    private const int MaxChunkBytes = 256 << 10;
    private const int MaxDumpRetries = 5;

    private int _fd;
    private uint _seq;
    private byte[] _rx = new byte[64 << 10];

    public int Protocol { get; }

    private NetlinkSocket(int fd, int protocol)
    {
        _fd = fd;
        Protocol = protocol;
        _seq = (uint)Environment.TickCount;
    }

    /// <summary>Opens a socket in the calling thread's network namespace.</summary>
    public static NetlinkSocket Open(int protocol = Nl.NETLINK_ROUTE)
    {
        int fd = Native.NetlinkSocket(protocol);
        try
        {
            Native.SetSockOptInt(fd, Native.SOL_NETLINK, Nl.NETLINK_EXT_ACK, 1, ignoreError: true);
            Native.SetSockOptInt(fd, Native.SOL_NETLINK, Nl.NETLINK_CAP_ACK, 1, ignoreError: true);
            if (protocol == Nl.NETLINK_ROUTE)
                Native.SetSockOptInt(fd, Native.SOL_NETLINK, Nl.NETLINK_GET_STRICT_CHK, 1, ignoreError: true);
            // FORCE variants pass the system cap (root only); the plain ones are the fallback.
            // Only when FORCE is refused: a plain SO_RCVBUF after it would cap the buffer at rmem_max again.
            try { Native.SetSockOptInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUFFORCE, ReceiveBufferBytes); }
            catch (ErrnoException) { Native.SetSockOptInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, ReceiveBufferBytes, ignoreError: true); }
            Native.SetSockOptInt(fd, Native.SOL_SOCKET, Native.SO_SNDBUFFORCE, MaxChunkBytes * 2, ignoreError: true);
            SetReceiveTimeout(fd, seconds: 60);
            return new NetlinkSocket(fd, protocol);
        }
        catch
        {
            Native.Close(fd);
            throw;
        }
    }

    private static unsafe void SetReceiveTimeout(int fd, int seconds)
    {
        // A guard against a kernel that never answers: recv fails with EAGAIN instead of hanging forever.
        long* tv = stackalloc long[2];
        tv[0] = seconds;
        tv[1] = 0;
        Tmds.Linux.LibC.setsockopt(fd, Native.SOL_SOCKET, 20 /* SO_RCVTIMEO */, tv, 16);
    }

    /// <summary>Sends the single request in <paramref name="request"/> and throws if the kernel refuses it.</summary>
    public void Execute(MessageWriter request)
    {
        NetlinkException?[] errors = ExecuteBatch(request);
        foreach (NetlinkException? e in errors)
            if (e != null) throw e;
    }

    /// <summary>
    /// Sends every request in <paramref name="requests"/>, many per sendmsg, and returns one entry per request:
    /// null for success, or the kernel's refusal. The kernel goes on with the next request after a failure.
    /// </summary>
    /// <remarks>
    /// Only the last request of each sendmsg asks for an ack. The kernel handles the requests of one sendmsg
    /// in order and always answers a failure, ack asked or not, so once the last one's answer is here every
    /// failure before it is too, and a request without an answer succeeded. iproute2 acks every request; not
    /// doing so spares the kernel an ack per request and us two syscalls to read each one (a sixth of the time
    /// of 50,000 routes).
    /// </remarks>
    public NetlinkException?[] ExecuteBatch(MessageWriter requests)
    {
        var results = new NetlinkException?[requests.MessageCount];
        byte[] buf = requests.Buffer;
        int total = requests.Length;
        int offset = 0, index = 0;
        while (offset < total)
        {
            int chunkStart = offset, firstIndex = index, lastOffset = offset;
            uint firstSeq = _seq + 1;
            while (offset < total && index - firstIndex < MaxChunkMessages && offset - chunkStart < MaxChunkBytes)
            {
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(buf.AsSpan(offset));
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(offset + 6));
                BinaryPrimitives.WriteUInt16LittleEndian(buf.AsSpan(offset + 6), (ushort)(flags & ~Nl.NLM_F_ACK));
                BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(offset + 8), ++_seq);
                lastOffset = offset;
                offset += Nl.Align(len);
                index++;
            }
            ushort lastFlags = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(lastOffset + 6));
            BinaryPrimitives.WriteUInt16LittleEndian(buf.AsSpan(lastOffset + 6), (ushort)(lastFlags | Nl.NLM_F_ACK));
            uint lastSeq = _seq;
            Native.Send(_fd, buf.AsSpan(chunkStart, offset - chunkStart));
            bool lastAnswered = false;
            while (!lastAnswered)
            {
                int n = ReceiveDatagram();
                foreach (NetlinkMessage m in new MessageEnumerator(_rx.AsSpan(0, n)))
                {
                    if (m.Type != Nl.NLMSG_ERROR) continue; // echoes or stray notifications
                    long rel = (long)m.Seq - firstSeq;
                    if (rel < 0 || rel >= index - firstIndex) continue; // stale reply of an earlier, abandoned request
                    results[firstIndex + rel] = ParseError(m);
                    lastAnswered |= m.Seq == lastSeq;
                }
            }
        }
        return results;
    }

    /// <summary>
    /// Sends a dump request and parses every reply. A dump the kernel marks as interrupted (the table changed
    /// while it was read) is repeated, up to a bound, so callers never see a torn listing.
    /// </summary>
    /// <remarks>
    /// <paramref name="cancellation"/> is checked between datagrams: a cancelled dump throws
    /// <see cref="OperationCanceledException"/> within a datagram's work. The rest of its replies may still
    /// arrive; later requests skip them by sequence number.
    /// </remarks>
    public List<T> Dump<T>(MessageWriter request, MessageParser<T> parse, CancellationToken cancellation = default)
    {
        for (int attempt = 0; ; attempt++)
        {
            var items = new List<T>();
            bool interrupted = false;
            uint seq = StampSingle(request, Nl.NLM_F_DUMP);
            Native.Send(_fd, request.WrittenSpan);
            bool done = false;
            while (!done)
            {
                cancellation.ThrowIfCancellationRequested();
                int n = ReceiveDatagram();
                foreach (NetlinkMessage m in new MessageEnumerator(_rx.AsSpan(0, n)))
                {
                    if (m.Seq != seq) continue;
                    if ((m.Flags & Nl.NLM_F_DUMP_INTR) != 0) interrupted = true;
                    if (m.Type == Nl.NLMSG_DONE)
                    {
                        // The DONE payload carries an error code (0 on success) and possibly extended ack.
                        if (m.Payload.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(m.Payload) < 0)
                            throw ParseError(m)!;
                        done = true;
                        break;
                    }
                    if (m.Type == Nl.NLMSG_ERROR)
                    {
                        NetlinkException? e = ParseError(m);
                        if (e != null) throw e;
                        done = true;
                        break;
                    }
                    if (m.Type < Nl.NLMSG_MIN_TYPE) continue;
                    T? item = parse(m);
                    if (item != null) items.Add(item);
                }
            }
            if (!interrupted) return items;
            if (attempt >= MaxDumpRetries)
                throw new NetlinkProtocolException($"dump was interrupted by concurrent changes {MaxDumpRetries + 1} times");
        }
    }

    /// <summary>Sends a GET for one object and returns the parsed replies (empty if the kernel says it does not exist is NOT assumed: errors throw).</summary>
    public List<T> Query<T>(MessageWriter request, MessageParser<T> parse)
    {
        uint seq = StampSingle(request, Nl.NLM_F_ACK);
        Native.Send(_fd, request.WrittenSpan);
        var items = new List<T>();
        while (true)
        {
            int n = ReceiveDatagram();
            foreach (NetlinkMessage m in new MessageEnumerator(_rx.AsSpan(0, n)))
            {
                if (m.Seq != seq) continue;
                if (m.Type == Nl.NLMSG_ERROR)
                {
                    NetlinkException? e = ParseError(m);
                    if (e != null) throw e;
                    return items;
                }
                if (m.Type == Nl.NLMSG_DONE) return items;
                if (m.Type < Nl.NLMSG_MIN_TYPE) continue;
                T? item = parse(m);
                if (item != null) items.Add(item);
            }
        }
    }

    private uint StampSingle(MessageWriter request, ushort extraFlags)
    {
        if (request.MessageCount != 1) throw new ArgumentException("Expected exactly one request message.");
        Span<byte> h = request.Buffer.AsSpan(0, Nl.HeaderLength);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(h[6..]);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)(flags | extraFlags));
        uint seq = ++_seq;
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], seq);
        return seq;
    }

    /// <summary>Receives one datagram into the receive buffer, growing it first if the datagram is larger.</summary>
    private int ReceiveDatagram()
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        int size;
        try
        {
            size = Native.Recv(_fd, _rx, Native.MSG_PEEK | Native.MSG_TRUNC);
        }
        catch (ErrnoException e) when (e.Errno == Native.EAGAIN)
        {
            throw new TimeoutException("The kernel did not answer a netlink request within 60 seconds.");
        }
        if (size > _rx.Length) _rx = new byte[Math.Max(size, _rx.Length * 2)];
        return Native.Recv(_fd, _rx, 0);
    }

    /// <summary>
    /// Decodes an NLMSG_ERROR (or an error-carrying NLMSG_DONE): null for a plain ack, otherwise the errno
    /// with the kernel's extended-ack message.
    /// </summary>
    internal static NetlinkException? ParseError(NetlinkMessage m)
    {
        ReadOnlySpan<byte> p = m.Payload;
        if (p.Length < 4) throw new NetlinkProtocolException("error message without an error code");
        int error = BinaryPrimitives.ReadInt32LittleEndian(p);
        if (error == 0) return null;
        string? text = null;
        int? offset = null;
        if ((m.Flags & Nl.NLM_F_ACK_TLVS) != 0)
        {
            int tlvStart = 4;
            if (m.Type == Nl.NLMSG_ERROR)
            {
                // The echoed request: only its header when capped, else the whole request.
                if (p.Length < 4 + Nl.HeaderLength) throw new NetlinkProtocolException("error message without the echoed header");
                // The echoed length comes off the wire: check it against what is there before aligning it,
                // or a huge value overflows Align into a negative offset (found by the unit fuzz tests).
                uint origLen = (m.Flags & Nl.NLM_F_CAPPED) != 0
                    ? Nl.HeaderLength
                    : BinaryPrimitives.ReadUInt32LittleEndian(p[4..]);
                if (origLen < Nl.HeaderLength || origLen > (uint)(p.Length - 4))
                    throw new NetlinkProtocolException($"error message echoes a request of {origLen} bytes in {p.Length - 4}");
                tlvStart = 4 + Nl.Align((int)origLen);
            }
            if (tlvStart <= p.Length)
            {
                foreach (NetlinkAttribute a in new AttributeEnumerator(p[tlvStart..]))
                {
                    if (a.Type == Nl.NLMSGERR_ATTR_MSG) text = a.String();
                    else if (a.Type == Nl.NLMSGERR_ATTR_OFFS && a.Value.Length >= 4) offset = (int)a.U32();
                }
            }
        }
        return new NetlinkException(-error, text, offset);
    }

    public void Dispose()
    {
        Native.Close(_fd);
        _fd = -1;
    }
}
