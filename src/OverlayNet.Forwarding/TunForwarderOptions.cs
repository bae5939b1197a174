using System.Net;

namespace OverlayNet.Forwarding;

/// <summary>What a <see cref="TunForwarder"/> forwards between.</summary>
public sealed class TunForwarderOptions
{
    /// <summary>flanneld's UDP backend port.</summary>
    public const int DefaultPort = 8285;
    /// <summary>flanneld's UDP backend MTU: a 1500-byte underlay minus the outer IPv4 (20) and UDP (8) headers.</summary>
    public const int DefaultMtu = 1472;

    public required string TunName { get; init; }
    /// <summary>Namespace file the TUN device and socket live in; null for the caller's namespace.</summary>
    public string? NamespacePath { get; init; }
    /// <summary>The underlay address the UDP socket binds to.</summary>
    public required IPAddress LocalAddress { get; init; }
    public int Port { get; init; } = DefaultPort;
    /// <summary>Largest IP packet sent to a peer; larger ones get ICMP "too big". A TUN device the forwarder creates gets this MTU.</summary>
    public int Mtu { get; init; } = DefaultMtu;
    /// <summary>TUN queues (and UDP sockets, and pairs of threads): one per core by default.</summary>
    public int Queues { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 8);
    /// <summary>
    /// Use the TUN offloads (IFF_VNET_HDR, TUNSETOFFLOAD with checksum and TCP segmentation): the kernel hands over
    /// 64 KB TCP super-packets, cut here into wire-size packets and sent with UDP GSO, and merged segments go back
    /// the same way. When the device refuses the offloads the forwarder runs without them.
    /// </summary>
    public bool Offload { get; init; } = true;
    /// <summary>Packets per recvmmsg/sendmmsg call (TUN reads per batch with offloads).</summary>
    public int BatchSize { get; init; } = 32;

    public void Validate()
    {
        OverlayNet.InterfaceNames.Validate(TunName);
        if (Port is < 1 or > 65535) throw new ArgumentException($"Port {Port} is out of range (1..65535).");
        int min = LocalAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 1280 : 68;
        if (Mtu < min || Mtu > 65535) throw new ArgumentException($"MTU {Mtu} is out of range ({min}..65535).");
        if (Queues is < 1 or > 64) throw new ArgumentException($"Queues {Queues} is out of range (1..64).");
        if (BatchSize is < 1 or > 1024) throw new ArgumentException($"BatchSize {BatchSize} is out of range (1..1024).");
    }
}
