using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OverlayNet.Forwarding.Interop;

namespace OverlayNet.Forwarding;

/// <summary>sockaddr_in / sockaddr_in6 in native layout, written and read without allocating.</summary>
internal static class SockAddr
{
    /// <summary>Writes the endpoint; returns the length to pass to the kernel.</summary>
    public static uint Write(IPEndPoint endpoint, Span<byte> d) => Write(endpoint.Address, endpoint.Port, d);

    public static uint Write(IPAddress address, int port, Span<byte> d)
    {
        d[..Libc.SockAddrSize].Clear();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(d, Libc.AF_INET);
            BinaryPrimitives.WriteUInt16BigEndian(d[2..], (ushort)port);
            address.TryWriteBytes(d.Slice(4, 4), out _);
            return 16;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(d, Libc.AF_INET6);
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], (ushort)port);
        address.TryWriteBytes(d.Slice(8, 16), out _);
        return Libc.SockAddrSize;
    }

    /// <summary>The sender's address as a peer key (IPv4 mapped into IPv6).</summary>
    public static UInt128 Key(ReadOnlySpan<byte> s) =>
        BinaryPrimitives.ReadUInt16LittleEndian(s) == Libc.AF_INET
            ? AddressKeys.FromV4(BinaryPrimitives.ReadUInt32BigEndian(s.Slice(4, 4)))
            : AddressKeys.FromV6(s.Slice(8, 16));
}
