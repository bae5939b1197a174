using System.Buffers.Binary;

namespace OverlayNet.Forwarding.Offload;

/// <summary>
/// struct virtio_net_hdr (linux/virtio_net.h), the 10 bytes in front of every packet read from or written to a
/// TUN device opened with IFF_VNET_HDR. It says whether the packet is a TCP "super-packet" for the reader to
/// segment (gso_type, gso_size, hdr_len) and whether its transport checksum is left for the reader to finish
/// (NEEDS_CSUM: sum from csum_start, store at csum_start + csum_offset). The fields are in the host's byte order
/// on a legacy TUN device (no TUNSETVNETLE/BE), read and written here as little-endian (x86-64, aarch64).
/// </summary>
internal struct VirtioNetHeader
{
    public const int Size = 10;
    public const byte FlagNeedsChecksum = 1;
    public const byte GsoNone = 0, GsoTcpV4 = 1, GsoTcpV6 = 4, GsoEcn = 0x80;

    public byte Flags;
    public byte GsoType;
    public ushort HeaderLength;
    public ushort GsoSize;
    public ushort ChecksumStart;
    public ushort ChecksumOffset;

    public static VirtioNetHeader Read(ReadOnlySpan<byte> s) => new()
    {
        Flags = s[0],
        GsoType = s[1],
        HeaderLength = BinaryPrimitives.ReadUInt16LittleEndian(s[2..]),
        GsoSize = BinaryPrimitives.ReadUInt16LittleEndian(s[4..]),
        ChecksumStart = BinaryPrimitives.ReadUInt16LittleEndian(s[6..]),
        ChecksumOffset = BinaryPrimitives.ReadUInt16LittleEndian(s[8..]),
    };

    public readonly void Write(Span<byte> d)
    {
        d[0] = Flags;
        d[1] = GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(d[6..], ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(d[8..], ChecksumOffset);
    }
}
