namespace OverlayNet.Netlink.Protocol;

/// <summary>Values from linux/netlink.h that the framing layer needs.</summary>
public static class Nl
{
    public const int NETLINK_ROUTE = 0;
    public const int NETLINK_NETFILTER = 12;

    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;
    public const ushort NLMSG_MIN_TYPE = 0x10;

    public const ushort NLM_F_REQUEST = 0x01;
    public const ushort NLM_F_MULTI = 0x02;
    public const ushort NLM_F_ACK = 0x04;
    public const ushort NLM_F_ECHO = 0x08;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    public const ushort NLM_F_DUMP_FILTERED = 0x20;
    // GET modifiers
    public const ushort NLM_F_ROOT = 0x100;
    public const ushort NLM_F_MATCH = 0x200;
    public const ushort NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    // NEW modifiers
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;
    public const ushort NLM_F_APPEND = 0x800;
    // ACK flags
    public const ushort NLM_F_CAPPED = 0x100;
    public const ushort NLM_F_ACK_TLVS = 0x200;

    public const ushort NLMSGERR_ATTR_MSG = 1;
    public const ushort NLMSGERR_ATTR_OFFS = 2;
    public const ushort NLMSGERR_ATTR_COOKIE = 3;
    public const ushort NLMSGERR_ATTR_POLICY = 4;
    public const ushort NLMSGERR_ATTR_MISS_TYPE = 5;
    public const ushort NLMSGERR_ATTR_MISS_NEST = 6;

    public const int NETLINK_ADD_MEMBERSHIP = 1;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;
    public const int NETLINK_GET_STRICT_CHK = 12;

    public const ushort NLA_F_NESTED = 0x8000;
    public const ushort NLA_F_NET_BYTEORDER = 0x4000;
    public const ushort NLA_TYPE_MASK = 0x3fff;

    public const int HeaderLength = 16;

    public static int Align(int len) => (len + 3) & ~3;
}
