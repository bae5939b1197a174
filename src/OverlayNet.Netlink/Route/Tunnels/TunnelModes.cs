using System.Net.Sockets;

namespace OverlayNet.Netlink.Route.Tunnels;

/// <summary>Which attribute family a tunnel kind's IFLA_INFO_DATA uses.</summary>
internal enum TunnelLayout { Iptun4, Gre4, Vti, Iptun6, Gre6 }

/// <summary>What each <see cref="IpTunnelMode"/> is on the wire and which options it has.</summary>
internal sealed record TunnelModeInfo(IpTunnelMode Mode, string Kind, TunnelLayout Layout)
{
    public AddressFamily EndpointFamily =>
        Layout is TunnelLayout.Iptun6 or TunnelLayout.Gre6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
    public bool HasKeys => Layout is TunnelLayout.Gre4 or TunnelLayout.Gre6 or TunnelLayout.Vti;
    public bool HasGreFlags => Layout is TunnelLayout.Gre4 or TunnelLayout.Gre6;
    public bool HasPMtuDiscovery => Layout is TunnelLayout.Iptun4 or TunnelLayout.Gre4;
    public bool HasTtlTos => Layout != TunnelLayout.Vti;
    public bool IsIPv6 => EndpointFamily == AddressFamily.InterNetworkV6;
}

internal static class TunnelModes
{
    private static readonly TunnelModeInfo[] All =
    [
        new(IpTunnelMode.IpIp, "ipip", TunnelLayout.Iptun4),
        new(IpTunnelMode.Gre, "gre", TunnelLayout.Gre4),
        new(IpTunnelMode.GreTap, "gretap", TunnelLayout.Gre4),
        new(IpTunnelMode.Sit, "sit", TunnelLayout.Iptun4),
        new(IpTunnelMode.Isatap, "sit", TunnelLayout.Iptun4),
        new(IpTunnelMode.Vti, "vti", TunnelLayout.Vti),
        new(IpTunnelMode.Ip6Ip6, "ip6tnl", TunnelLayout.Iptun6),
        new(IpTunnelMode.Ip6Gre, "ip6gre", TunnelLayout.Gre6),
        new(IpTunnelMode.Ip6GreTap, "ip6gretap", TunnelLayout.Gre6),
    ];

    public static TunnelModeInfo Of(IpTunnelMode mode) =>
        All.FirstOrDefault(m => m.Mode == mode) ?? throw new ArgumentException($"Unknown tunnel mode '{mode}'.");

    /// <summary>The mode a kind reads back as before its flags are known (sit may turn out to be ISATAP).</summary>
    public static TunnelModeInfo? OfKind(string? kind) => All.FirstOrDefault(m => m.Kind == kind);
}
