namespace OverlayNet.Netlink.Route.Tunnels;

/// <summary>IFLA_IPTUN_* (linux/if_tunnel.h): ipip, sit and ip6tnl data.</summary>
internal static class IptunAttr
{
    public const ushort LINK = 1, LOCAL = 2, REMOTE = 3, TTL = 4, TOS = 5, ENCAP_LIMIT = 6, FLOWINFO = 7,
        FLAGS = 8, PROTO = 9, PMTUDISC = 10, ENCAP_TYPE = 15, ENCAP_FLAGS = 16, ENCAP_SPORT = 17,
        ENCAP_DPORT = 18, COLLECT_METADATA = 19, FWMARK = 20;
}

/// <summary>IFLA_GRE_* (linux/if_tunnel.h): gre, gretap, ip6gre and ip6gretap data.</summary>
internal static class GreAttr
{
    public const ushort LINK = 1, IFLAGS = 2, OFLAGS = 3, IKEY = 4, OKEY = 5, LOCAL = 6, REMOTE = 7, TTL = 8,
        TOS = 9, PMTUDISC = 10, ENCAP_LIMIT = 11, FLOWINFO = 12, FLAGS = 13, ENCAP_TYPE = 14, ENCAP_FLAGS = 15,
        ENCAP_SPORT = 16, ENCAP_DPORT = 17, COLLECT_METADATA = 18, IGNORE_DF = 19, FWMARK = 20, ERSPAN_VER = 22;
}

/// <summary>IFLA_VTI_* (linux/if_tunnel.h).</summary>
internal static class VtiAttr
{
    public const ushort LINK = 1, IKEY = 2, OKEY = 3, LOCAL = 4, REMOTE = 5, FWMARK = 6;
}

/// <summary>Flag and protocol values the tunnel attributes carry.</summary>
internal static class TunnelBits
{
    // GRE header flags: the kernel keeps them as __be16, so these are the values as read big-endian.
    public const ushort GRE_CSUM = 0x8000, GRE_KEY = 0x2000, GRE_SEQ = 0x1000;
    /// <summary>IFLA_IPTUN_FLAGS bit that makes a sit tunnel an ISATAP one.</summary>
    public const ushort SIT_ISATAP = 0x0001;
    public const byte IPPROTO_IPIP = 4, IPPROTO_IPV6 = 41;
    /// <summary>iproute2's defaults for IPv6 tunnels (ip/link_ip6tnl.c, link_gre6.c).</summary>
    public const byte DEFAULT_TNL_HOP_LIMIT = 64, IPV6_DEFAULT_TNL_ENCAP_LIMIT = 4;
    public const ushort TUNNEL_ENCAP_FLAG_CSUM6 = 1 << 1;
}
