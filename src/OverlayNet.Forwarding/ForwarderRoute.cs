using System.Net;
using System.Net.Sockets;

namespace OverlayNet.Forwarding;

/// <summary>
/// One entry of the subnet table: packets for <see cref="Subnet"/> go to the host at <see cref="Address"/>.
/// It also carries that peer's counters, updated by the forwarding threads with interlocked adds.
/// </summary>
public sealed class ForwarderRoute
{
    private long _packetsSent, _bytesSent, _packetsReceived, _bytesReceived;

    internal ForwarderRoute(IpPrefix subnet, IPAddress address)
    {
        Subnet = subnet;
        Address = address;
        AddressKey = AddressKeys.Of(address);
    }

    public IpPrefix Subnet { get; }
    public IPAddress Address { get; }
    internal UInt128 AddressKey { get; }

    public long PacketsSent => Interlocked.Read(ref _packetsSent);
    public long BytesSent => Interlocked.Read(ref _bytesSent);
    public long PacketsReceived => Interlocked.Read(ref _packetsReceived);
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    internal void CountSent(long packets, long bytes)
    {
        Interlocked.Add(ref _packetsSent, packets);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void CountReceived(long packets, long bytes)
    {
        Interlocked.Add(ref _packetsReceived, packets);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    /// <summary>Keeps the counters of the entry this one replaces, when it names the same peer.</summary>
    internal void InheritCounters(ForwarderRoute old)
    {
        CountSent(old.PacketsSent, old.BytesSent);
        CountReceived(old.PacketsReceived, old.BytesReceived);
    }

    public override string ToString() => $"{Subnet} via {Address}";
}

/// <summary>Addresses as 128-bit keys (IPv4 as ::ffff:a.b.c.d), so lookups need no IPAddress objects.</summary>
internal static class AddressKeys
{
    public static UInt128 Of(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        IPAddress v6 = address.AddressFamily == AddressFamily.InterNetwork ? address.MapToIPv6() : address;
        v6.TryWriteBytes(bytes, out _);
        return FromV6(bytes);
    }

    public static UInt128 FromV6(ReadOnlySpan<byte> bytes) =>
        new(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    public static UInt128 FromV4(uint address) => ((UInt128)0xffff << 32) | address;
}
