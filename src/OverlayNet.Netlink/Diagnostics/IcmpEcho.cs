using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using OverlayNet.Netlink.Namespaces;

namespace OverlayNet
{
    /// <summary>One echo request and what came of it (a reply, a timeout, an ICMP error).</summary>
    public class PingResult
    {
        public IPAddress Destination { get; set; } = IPAddress.None;
        public int Sequence { get; set; }
        /// <summary>TTL (IPv4) of the reply; 0 where the kernel does not report it (IPv6 raw sockets).</summary>
        public int Ttl { get; set; }
        public double RoundTripMs { get; set; }
        public IPStatus Status { get; set; }
        /// <summary>Who answered: the destination, or a router that sent an ICMP error.</summary>
        public IPAddress? ReplyFrom { get; set; }
        public string? NetNamespace { get; set; }
    }
}

namespace OverlayNet.Netlink.Diagnostics
{
    /// <summary>
    /// ICMP echo from a raw socket opened inside a namespace (no ping binary). The socket is created on a
    /// thread that entered the namespace, so packets leave from there; it is then used from any thread.
    /// Raw sockets need CAP_NET_RAW; ICMP datagram sockets would not, but a fresh namespace's
    /// ping_group_range allows nobody, so raw is the dependable choice for root.
    /// </summary>
    public sealed class IcmpEcho : IDisposable
    {
        private readonly Socket _socket;
        private readonly bool _v6;
        private readonly ushort _id = (ushort)Random.Shared.Next(1, 0xffff);
        private readonly byte[] _rx = new byte[2048];

        public IcmpEcho(string? nsPath, AddressFamily family)
        {
            _v6 = family == AddressFamily.InterNetworkV6;
            _socket = NetNamespaceRunner.Run(nsPath, () => _v6
                ? new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6)
                : new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp));
        }

        public PingResult Send(IPAddress destination, int sequence, TimeSpan timeout)
        {
            var result = new PingResult { Destination = destination, Sequence = sequence, Status = IPStatus.TimedOut };
            byte[] packet = BuildRequest((ushort)sequence);
            var sw = Stopwatch.StartNew();
            try
            {
                _socket.SendTo(packet, new IPEndPoint(destination, 0));
            }
            catch (SocketException e)
            {
                result.Status = e.SocketErrorCode switch
                {
                    SocketError.NetworkUnreachable => IPStatus.DestinationNetworkUnreachable,
                    SocketError.HostUnreachable => IPStatus.DestinationHostUnreachable,
                    _ => IPStatus.Unknown,
                };
                return result;
            }
            while (true)
            {
                TimeSpan left = timeout - sw.Elapsed;
                if (left <= TimeSpan.Zero || !_socket.Poll((int)Math.Max(1, left.TotalMicroseconds), SelectMode.SelectRead))
                    return result;
                EndPoint from = new IPEndPoint(_v6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
                int n;
                try
                {
                    n = _socket.ReceiveFrom(_rx, ref from);
                }
                catch (SocketException)
                {
                    continue; // an ICMP error queued on the socket; the matching reply may still come
                }
                if (TryMatch(_rx.AsSpan(0, n), (ushort)sequence, out IPStatus status, out int ttl))
                {
                    result.RoundTripMs = sw.Elapsed.TotalMilliseconds;
                    result.Status = status;
                    result.Ttl = ttl;
                    result.ReplyFrom = ((IPEndPoint)from).Address;
                    return result;
                }
            }
        }

        private byte[] BuildRequest(ushort sequence)
        {
            var p = new byte[64];
            p[0] = _v6 ? (byte)128 : (byte)8; // echo request
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), _id);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), sequence);
            for (int i = 8; i < p.Length; i++) p[i] = (byte)i;
            // The kernel fills the ICMPv6 checksum itself (it needs the pseudo-header); ICMPv4 is ours.
            if (!_v6) BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), Checksum(p));
            return p;
        }

        /// <summary>Is this datagram the reply (or an ICMP error) for our request?</summary>
        private bool TryMatch(ReadOnlySpan<byte> d, ushort sequence, out IPStatus status, out int ttl)
        {
            status = IPStatus.Unknown;
            ttl = 0;
            if (!_v6)
            {
                // IPv4 raw sockets deliver the IP header too.
                if (d.Length < 20) return false;
                int ihl = (d[0] & 0x0f) * 4;
                if (d.Length < ihl + 8) return false;
                ttl = d[8];
                d = d[ihl..];
            }
            if (d.Length < 8) return false;
            byte type = d[0];
            bool isReply = _v6 ? type == 129 : type == 0;
            if (isReply)
            {
                status = IPStatus.Success;
                return BinaryPrimitives.ReadUInt16BigEndian(d[4..]) == _id && BinaryPrimitives.ReadUInt16BigEndian(d[6..]) == sequence;
            }
            bool unreachable = _v6 ? type == 1 : type == 3;
            bool timeExceeded = _v6 ? type == 3 : type == 11;
            if (!unreachable && !timeExceeded) return false;
            // An ICMP error quotes our packet: its IP header and the first 8 bytes of our echo request.
            ReadOnlySpan<byte> quoted = d[8..];
            int innerHeader = _v6 ? 40 : quoted.Length > 0 ? (quoted[0] & 0x0f) * 4 : 0;
            if (quoted.Length < innerHeader + 8) return false;
            ReadOnlySpan<byte> echo = quoted[innerHeader..];
            if (BinaryPrimitives.ReadUInt16BigEndian(echo[4..]) != _id || BinaryPrimitives.ReadUInt16BigEndian(echo[6..]) != sequence)
                return false;
            status = timeExceeded ? IPStatus.TimeExceeded : d[1] switch
            {
                0 => _v6 ? IPStatus.DestinationNetworkUnreachable : IPStatus.DestinationNetworkUnreachable,
                1 => IPStatus.DestinationHostUnreachable,
                3 => _v6 ? IPStatus.DestinationHostUnreachable : IPStatus.DestinationPortUnreachable,
                _ => IPStatus.DestinationUnreachable,
            };
            return true;
        }

        private static ushort Checksum(ReadOnlySpan<byte> data)
        {
            uint sum = 0;
            for (int i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
            if ((data.Length & 1) != 0) sum += (uint)(data[^1] << 8);
            while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
            return (ushort)~sum;
        }

        public void Dispose() => _socket.Dispose();
    }
}
