namespace OverlayNet.Netlink.Route;

/// <summary>rtnetlink message types and attribute numbers (linux/rtnetlink.h, if_link.h, if_addr.h).</summary>
public static class Rtm
{
    public const ushort NEWLINK = 16, DELLINK = 17, GETLINK = 18, SETLINK = 19;
    public const ushort NEWADDR = 20, DELADDR = 21, GETADDR = 22;
    public const ushort NEWROUTE = 24, DELROUTE = 25, GETROUTE = 26;
    public const ushort NEWNEIGH = 28, DELNEIGH = 29, GETNEIGH = 30;
    public const ushort NEWRULE = 32, DELRULE = 33, GETRULE = 34;
    public const ushort NEWNSID = 88, DELNSID = 89, GETNSID = 90;
}

public static class Ifla
{
    public const ushort ADDRESS = 1, BROADCAST = 2, IFNAME = 3, MTU = 4, LINK = 5, QDISC = 6, STATS = 7,
        MASTER = 10, TXQLEN = 13, OPERSTATE = 16, LINKMODE = 17, LINKINFO = 18, NET_NS_PID = 19,
        IFALIAS = 20, NET_NS_FD = 28, PROMISCUITY = 30, LINK_NETNSID = 37, NEW_NETNSID = 45,
        TARGET_NETNSID = 46, ALT_IFNAME = 53;

    // IFLA_LINKINFO nested
    public const ushort INFO_KIND = 1, INFO_DATA = 2, INFO_XSTATS = 3, INFO_SLAVE_KIND = 4, INFO_SLAVE_DATA = 5;
}

public static class Iff
{
    public const uint UP = 0x1, BROADCAST = 0x2, LOOPBACK = 0x8, POINTOPOINT = 0x10, NOARP = 0x80,
        PROMISC = 0x100, MULTICAST = 0x1000, LOWER_UP = 0x10000;
}

public static class Ifa
{
    public const ushort ADDRESS = 1, LOCAL = 2, LABEL = 3, BROADCAST = 4, ANYCAST = 5, CACHEINFO = 6,
        MULTICAST = 7, FLAGS = 8;
}

public static class AddressFamilies
{
    public const byte Unspec = 0, Inet = 2, Bridge = 7, Inet6 = 10;
}
