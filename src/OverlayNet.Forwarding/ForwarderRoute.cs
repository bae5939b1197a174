using System.Net;
using System.Net.Sockets;

namespace OverlayNet.Forwarding;

/// <summary>
/// One entry of the subnet table: packets for <see cref="Subnet"/> go to the host at <see cref="Address"/>.
/// It also carries that peer's counters, updated by the forwarding threads with interlocked adds.
/// </summary>
public sealed class ForwarderRoute
{
    private readonly Counters _counters;

    internal ForwarderRoute(IpPrefix subnet, IPAddress address, ForwarderRoute? replaced = null)
    {
        Subnet = subnet;
        Address = address;
        AddressKey = AddressKeys.Of(address);
        // A route replaced by one to the same peer shares its counters: a thread still holding the old entry
        // in a batch counts into the same place, so nothing is lost across the swap.
        _counters = replaced != null && replaced.Address.Equals(address) ? replaced._counters : new Counters();
    }

    private sealed class Counters
    {
        public long PacketsSent, BytesSent, PacketsReceived, BytesReceived;
    }

    public IpPrefix Subnet { get; }
    public IPAddress Address { get; }
    internal UInt128 AddressKey { get; }

    public long PacketsSent => Interlocked.Read(ref _counters.PacketsSent);
    public long BytesSent => Interlocked.Read(ref _counters.BytesSent);
    public long PacketsReceived => Interlocked.Read(ref _counters.PacketsReceived);
    public long BytesReceived => Interlocked.Read(ref _counters.BytesReceived);

    internal void CountSent(long packets, long bytes)
    {
        Interlocked.Add(ref _counters.PacketsSent, packets);
        Interlocked.Add(ref _counters.BytesSent, bytes);
    }

    internal void CountReceived(long packets, long bytes)
    {
        Interlocked.Add(ref _counters.PacketsReceived, packets);
        Interlocked.Add(ref _counters.BytesReceived, bytes);
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
