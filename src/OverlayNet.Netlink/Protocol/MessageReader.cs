using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace OverlayNet.Netlink.Protocol;

/// <summary>One netlink message inside a received datagram: header fields plus its payload.</summary>
public readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint seq, uint pid, ReadOnlySpan<byte> payload)
    {
        Type = type; Flags = flags; Seq = seq; Pid = pid; Payload = payload;
    }

    public ushort Type { get; }
    public ushort Flags { get; }
    public uint Seq { get; }
    public uint Pid { get; }
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The fixed family header (ifinfomsg, rtmsg, ...) at the start of the payload.</summary>
    public T Header<T>() where T : unmanaged => Wire.Read<T>(Payload);

    /// <summary>The attributes that follow a fixed header of <typeparamref name="T"/>.</summary>
    public AttributeEnumerator Attributes<T>() where T : unmanaged
    {
        int hdr = Nl.Align(Marshal.SizeOf<T>());
        if (Payload.Length < hdr) throw new NetlinkProtocolException($"payload of {Payload.Length} bytes is shorter than its {typeof(T).Name} header");
        return new AttributeEnumerator(Payload[hdr..]);
    }
}

/// <summary>Walks the messages of a datagram. Every length is checked against what is left.</summary>
public ref struct MessageEnumerator
{
    private ReadOnlySpan<byte> _rest;
    private NetlinkMessage _current;

    public MessageEnumerator(ReadOnlySpan<byte> datagram) { _rest = datagram; _current = default; }

    public readonly NetlinkMessage Current => _current;
    public readonly MessageEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_rest.Length == 0) return false;
        if (_rest.Length < Nl.HeaderLength)
            throw new NetlinkProtocolException($"{_rest.Length} trailing bytes are too few for a message header");
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(_rest);
        if (len < Nl.HeaderLength || len > (uint)_rest.Length)
            throw new NetlinkProtocolException($"message length {len} with {_rest.Length} bytes left");
        _current = new NetlinkMessage(
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[12..]),
            _rest[Nl.HeaderLength..(int)len]);
        int advance = Math.Min(Nl.Align((int)len), _rest.Length);
        _rest = _rest[advance..];
        return true;
    }
}

/// <summary>One attribute (TLV). Accessors check the value length for the type they read.</summary>
public readonly ref struct NetlinkAttribute
{
    public NetlinkAttribute(ushort rawType, ReadOnlySpan<byte> value) { RawType = rawType; Value = value; }

    public ushort RawType { get; }
    public ushort Type => (ushort)(RawType & Nl.NLA_TYPE_MASK);
    public ReadOnlySpan<byte> Value { get; }

    public byte U8() => Need(1)[0];
    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Need(2));
    public ushort U16BigEndian() => BinaryPrimitives.ReadUInt16BigEndian(Need(2));
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Need(4));
    public int S32() => BinaryPrimitives.ReadInt32LittleEndian(Need(4));
    public uint U32BigEndian() => BinaryPrimitives.ReadUInt32BigEndian(Need(4));
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Need(8));
    public bool Flag => true;

    /// <summary>A string attribute, with the trailing NUL (if any) removed.</summary>
    public string String()
    {
        ReadOnlySpan<byte> v = Value;
        int nul = v.IndexOf((byte)0);
        if (nul >= 0) v = v[..nul];
        return System.Text.Encoding.UTF8.GetString(v);
    }

    /// <summary>An IPv4 or IPv6 address (4 or 16 bytes); anything else is malformed.</summary>
    public System.Net.IPAddress Address()
    {
        if (Value.Length != 4 && Value.Length != 16)
            throw new NetlinkProtocolException($"attribute {Type}: {Value.Length} bytes is not an IP address");
        return new System.Net.IPAddress(Value);
    }

    public AttributeEnumerator Nested() => new(Value);

    public T Struct<T>() where T : unmanaged => Wire.Read<T>(Value);

    private ReadOnlySpan<byte> Need(int n)
    {
        if (Value.Length < n) throw new NetlinkProtocolException($"attribute {Type} has {Value.Length} bytes, needs {n}");
        return Value;
    }
}

/// <summary>Walks a run of attributes. Zero-length or overlong attributes raise a protocol error, never loop.</summary>
public ref struct AttributeEnumerator
{
    private ReadOnlySpan<byte> _rest;
    private NetlinkAttribute _current;

    public AttributeEnumerator(ReadOnlySpan<byte> attrs) { _rest = attrs; _current = default; }

    public readonly NetlinkAttribute Current => _current;
    public readonly AttributeEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        // Fewer than 4 bytes left is padding some kernels leave; it carries no attribute.
        if (_rest.Length < 4) return false;
        ushort len = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]);
        if (len < 4 || len > _rest.Length)
            throw new NetlinkProtocolException($"attribute {type & Nl.NLA_TYPE_MASK} length {len} with {_rest.Length} bytes left");
        _current = new NetlinkAttribute(type, _rest[4..len]);
        _rest = _rest[Math.Min(Nl.Align(len), _rest.Length)..];
        return true;
    }
}

/// <summary>Reading fixed structs from spans with a length check.</summary>
public static class Wire
{
    public static T Read<T>(ReadOnlySpan<byte> data) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        if (data.Length < size) throw new NetlinkProtocolException($"{data.Length} bytes is too short for {typeof(T).Name} ({size})");
        return MemoryMarshal.Read<T>(data);
    }
}
