using System.Runtime.InteropServices;

namespace OverlayNet.Netlink.Route;

/// <summary>struct ifinfomsg: the fixed header of every link message.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct IfInfoMsg
{
    public byte Family;
    public byte Pad;
    public ushort Type;
    public int Index;
    public uint Flags;
    public uint Change;
}

/// <summary>struct ifaddrmsg: the fixed header of address messages.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct IfAddrMsg
{
    public byte Family;
    public byte PrefixLength;
    public byte Flags;
    public byte Scope;
    public int Index;
}
