using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace OverlayNet.Netlink.Protocol;

/// <summary>
/// Encodes one or more netlink messages back to back into a pooled buffer. Lengths are patched when a
/// message or nested attribute ends, so callers write fields in order and never compute sizes.
/// Sequence numbers are left 0 here: <see cref="NetlinkSocket"/> stamps them when it sends.
/// </summary>
public sealed class MessageWriter : IDisposable
{
    private byte[] _buf;
    private int _len;
    private int _messageStart = -1;

    public MessageWriter(int initialCapacity = 4096)
    {
        _buf = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int Length => _len;
    public int MessageCount { get; private set; }
    public ReadOnlySpan<byte> WrittenSpan => _buf.AsSpan(0, _len);
    internal byte[] Buffer => _buf;

    public void Reset()
    {
        _len = 0;
        _messageStart = -1;
        MessageCount = 0;
    }

    /// <summary>Starts a message; returns its offset (pass it to <see cref="Rollback"/> to drop a half-written message).</summary>
    public int BeginMessage(ushort type, ushort flags)
    {
        if (_messageStart >= 0) throw new InvalidOperationException("Previous message not ended.");
        _messageStart = _len;
        Span<byte> h = Reserve(Nl.HeaderLength);
        h.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)(flags | Nl.NLM_F_REQUEST));
        return _messageStart;
    }

    public void EndMessage()
    {
        if (_messageStart < 0) throw new InvalidOperationException("No message begun.");
        BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(_messageStart), (uint)(_len - _messageStart));
        _messageStart = -1;
        MessageCount++;
    }

    /// <summary>Discards a message begun at <paramref name="offset"/> (one that failed validation midway).</summary>
    public void Rollback(int offset)
    {
        _len = offset;
        _messageStart = -1;
    }

    /// <summary>Drops a nested attribute begun at <paramref name="nestStart"/> (an empty nest), keeping the message open.</summary>
    public void CancelNested(int nestStart) => _len = nestStart;

    /// <summary>Appends a fixed header struct (ifinfomsg, rtmsg...) padded to 4 bytes.</summary>
    public void WriteStruct<T>(in T value) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        Span<byte> dst = Reserve(Nl.Align(size));
        dst.Clear();
        MemoryMarshal.Write(dst, in value);
    }

    public void WriteBytes(ReadOnlySpan<byte> data)
    {
        Span<byte> dst = Reserve(Nl.Align(data.Length));
        dst.Clear();
        data.CopyTo(dst);
    }

    public void Attr(ushort type, ReadOnlySpan<byte> payload)
    {
        int total = 4 + payload.Length;
        if (total > ushort.MaxValue) throw new ArgumentException("Attribute too large for netlink.");
        Span<byte> dst = Reserve(Nl.Align(total));
        BinaryPrimitives.WriteUInt16LittleEndian(dst, (ushort)total);
        BinaryPrimitives.WriteUInt16LittleEndian(dst[2..], type);
        payload.CopyTo(dst[4..]);
        dst[total..].Clear();
    }

    public void AttrFlag(ushort type) => Attr(type, ReadOnlySpan<byte>.Empty);
    public void AttrU8(ushort type, byte v) => Attr(type, [v]);

    public void AttrU16(ushort type, ushort v) => AttrInteger(type, v, bigEndian: false);

    /// <summary>A 16-bit value in network byte order (ports, VLAN protocols).</summary>
    public void AttrU16BigEndian(ushort type, ushort v) => AttrInteger(type, v, bigEndian: true);

    public void AttrU32(ushort type, uint v) => AttrInteger(type, v, bigEndian: false);

    public void AttrS32(ushort type, int v) => AttrU32(type, unchecked((uint)v));

    public void AttrU32BigEndian(ushort type, uint v) => AttrInteger(type, v, bigEndian: true);

    public void AttrU64(ushort type, ulong v) => AttrInteger(type, v, bigEndian: false);

    // One body for every fixed-size integer attribute; the JIT specialises it per integer type, so it costs
    // what the hand-written versions did. Host order is little-endian on every platform the module ships for.
    private void AttrInteger<T>(ushort type, T v, bool bigEndian) where T : IBinaryInteger<T>
    {
        Span<byte> b = stackalloc byte[sizeof(ulong)];
        b = b[..v.GetByteCount()];
        if (bigEndian) v.WriteBigEndian(b);
        else v.WriteLittleEndian(b);
        Attr(type, b);
    }

    /// <summary>A NUL-terminated string, as the kernel's NLA_STRING / NLA_NUL_STRING policies expect.</summary>
    public void AttrString(ushort type, string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        Span<byte> b = n < 256 ? stackalloc byte[n + 1] : new byte[n + 1];
        Encoding.UTF8.GetBytes(value, b);
        b[n] = 0;
        Attr(type, b);
    }

    public void AttrAddress(ushort type, IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int written);
        Attr(type, b[..written]);
    }

    /// <summary>Starts a nested attribute; returns the offset to hand to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        int start = _len;
        Span<byte> dst = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(dst[2..], (ushort)(type | Nl.NLA_F_NESTED));
        return start;
    }

    /// <summary>Starts a nested attribute without NLA_F_NESTED (some old families, e.g. VETH_INFO_PEER, predate the flag).</summary>
    public int BeginNestedLegacy(ushort type)
    {
        int start = _len;
        Span<byte> dst = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(dst[2..], type);
        return start;
    }

    /// <summary>Overwrites a 16-bit length written earlier (a struct with its own length field, like rtnexthop).</summary>
    public void PatchU16(int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_buf.AsSpan(offset), value);

    public void EndNested(int start)
    {
        int len = _len - start;
        if (len > ushort.MaxValue) throw new ArgumentException("Nested attribute too large for netlink.");
        BinaryPrimitives.WriteUInt16LittleEndian(_buf.AsSpan(start), (ushort)len);
    }

    private Span<byte> Reserve(int n)
    {
        if (_len + n > _buf.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buf.Length * 2, _len + n));
            _buf.AsSpan(0, _len).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }
        Span<byte> s = _buf.AsSpan(_len, n);
        _len += n;
        return s;
    }

    public void Dispose()
    {
        if (_buf.Length > 0) ArrayPool<byte>.Shared.Return(_buf);
        _buf = [];
    }
}
