using System.Runtime.InteropServices;

namespace OverlayNet.Netlink.Route;

/// <summary>struct rtmsg: the fixed header of route messages.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct RtMsg
{
    public byte Family;
    public byte DstLength;
    public byte SrcLength;
    public byte Tos;
    public byte Table;
    public byte Protocol;
    public byte Scope;
    public byte Type;
    public uint Flags;
}

/// <summary>struct rtnexthop: one path inside RTA_MULTIPATH, followed by its own attributes.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct RtNextHop
{
    public ushort Length;
    public byte Flags;
    /// <summary>Weight minus one.</summary>
    public byte Hops;
    public int InterfaceIndex;
}

/// <summary>RTA_* attribute numbers and RTNH_F_* flags (linux/rtnetlink.h).</summary>
public static class Rta
{
    public const ushort DST = 1, SRC = 2, IIF = 3, OIF = 4, GATEWAY = 5, PRIORITY = 6, PREFSRC = 7, METRICS = 8,
        MULTIPATH = 9, FLOW = 11, CACHEINFO = 12, TABLE = 15, MARK = 16, VIA = 18, PREF = 20, NH_ID = 30;

    public const uint RTNH_F_ONLINK = 4;
    /// <summary>rtm_flags bit of routes the kernel cloned (the IPv6 route cache), which <c>ip route</c> hides.</summary>
    public const uint RTM_F_CLONED = 0x200;
}
