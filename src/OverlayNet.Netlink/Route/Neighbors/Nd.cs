using System.Runtime.InteropServices;

namespace OverlayNet.Netlink.Route;

/// <summary>struct ndmsg: the fixed header of neighbour and bridge FDB messages (linux/neighbour.h).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct NdMsg
{
    public byte Family;
    public byte Pad1;
    public ushort Pad2;
    public int Index;
    public ushort State;
    public byte Flags;
    public byte Type;
}

/// <summary>NDA_* attribute numbers.</summary>
public static class Nda
{
    public const ushort DST = 1, LLADDR = 2, CACHEINFO = 3, PROBES = 4, VLAN = 5, PORT = 6, VNI = 7, IFINDEX = 8,
        MASTER = 9, LINK_NETNSID = 10, SRC_VNI = 11;
}

/// <summary>NTF_* flags in ndmsg.ndm_flags.</summary>
public static class Ntf
{
    public const byte USE = 0x01, SELF = 0x02, MASTER = 0x04, PROXY = 0x08, EXT_LEARNED = 0x10, OFFLOADED = 0x20,
        STICKY = 0x40, ROUTER = 0x80;
}

/// <summary>NUD_* states in ndmsg.ndm_state.</summary>
public static class Nud
{
    public const ushort NONE = 0x00, INCOMPLETE = 0x01, REACHABLE = 0x02, STALE = 0x04, DELAY = 0x08, PROBE = 0x10,
        FAILED = 0x20, NOARP = 0x40, PERMANENT = 0x80;
}
