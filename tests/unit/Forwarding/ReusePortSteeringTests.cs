using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OverlayNet.Forwarding;

namespace OverlayNet.Netlink.Tests.Forwarding;

/// <summary>
/// The reuseport program against the kernel: SO_REUSEPORT sockets on loopback (nothing leaves the host), one
/// datagram per inner flow, and which socket it reached.
/// </summary>
public sealed class ReusePortSteeringTests : IDisposable
{
    private readonly List<Socket> _sockets = [];

    private static byte[] Tcp(string source, string destination, ushort sourcePort, ushort destinationPort)
    {
        byte[] p = IpPacketsTests.Ipv4(40, source, destination);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(20), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(22), destinationPort);
        return p;
    }

    /// <summary>What the program computes for an IPv4 TCP/UDP packet that is not a fragment.</summary>
    private static int Expected(byte[] p, int sockets)
    {
        uint m = BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(12)) ^ BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(16))
            ^ BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(20));
        return (int)(unchecked(m * 0x9E3779B1u) >> 16) % sockets;
    }

    private int Group(int count)
    {
        int port = 0;
        for (int i = 0; i < count; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
            _sockets.Add(s);
            s.SetRawSocketOption(1 /* SOL_SOCKET */, 15 /* SO_REUSEPORT */, BitConverter.GetBytes(1));
            s.Bind(new IPEndPoint(IPAddress.Loopback, port));
            port = ((IPEndPoint)s.LocalEndPoint!).Port;
        }
        return port;
    }

    /// <summary>Sends <paramref name="payload"/> to the group and returns the index of the socket that got it.</summary>
    private int Receiver(Socket client, int port, byte[] payload, int count)
    {
        client.SendTo(payload, new IPEndPoint(IPAddress.Loopback, port));
        var buffer = new byte[2048];
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            for (int i = 0; i < count; i++)
            {
                if (_sockets[i].Available == 0) continue;
                int n = _sockets[i].Receive(buffer);
                Assert.Equal(payload, buffer[..n]);
                return i;
            }
            Thread.Sleep(1);
        }
        throw new TimeoutException("No socket of the group received the datagram.");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void SteersEachInnerFlowToTheSocketItsHashPicks(int count)
    {
        int port = Group(count);
        Assert.True(ReusePortSteering.TryAttach((int)_sockets[0].Handle, count));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var seen = new HashSet<int>();
        for (ushort flow = 0; flow < 24; flow++)
        {
            byte[] packet = Tcp("10.244.1.2", "10.244.2.2", (ushort)(40000 + flow), 5201);
            int first = Receiver(client, port, packet, count);
            Assert.Equal(Expected(packet, count), first);
            Assert.Equal(first, Receiver(client, port, packet, count));      // the same flow again: the same socket
            seen.Add(first);
        }
        Assert.Equal(count, seen.Count);                                      // and the flows spread over all of them
    }

    [Fact]
    public void LeavesWhatIsNotAnIpPacketToTheKernelsHash()
    {
        int port = Group(2);
        Assert.True(ReusePortSteering.TryAttach((int)_sockets[0].Handle, 2));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        // Version 0 and a datagram shorter than an IPv4 header: out of range / unreadable, still delivered.
        Assert.InRange(Receiver(client, port, new byte[64], 2), 0, 1);
        Assert.InRange(Receiver(client, port, [0x45, 0, 0], 2), 0, 1);
    }

    public void Dispose()
    {
        foreach (Socket s in _sockets) s.Dispose();
    }
}
