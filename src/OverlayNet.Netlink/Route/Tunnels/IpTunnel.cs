using System.Buffers.Binary;
using System.Net;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route.Tunnels;

namespace OverlayNet;

/// <summary>The tunnel modes of <c>ip tunnel</c> / <c>ip link add type ...</c>; each maps to one kernel kind.</summary>
public enum IpTunnelMode { IpIp, Gre, GreTap, Sit, Isatap, Vti, Ip6Ip6, Ip6Gre, Ip6GreTap }

/// <summary>
/// An IP tunnel of any kind <c>ip tunnel</c> makes (ipip, gre, gretap, sit, vti, ip6tnl, ip6gre, ip6gretap).
/// One class for all of them because they share one shape; <see cref="Mode"/> says which it is.
/// </summary>
[LinkKind("ipip"), LinkKind("gre", KernelModule = "ip_gre"), LinkKind("gretap", KernelModule = "ip_gre"), LinkKind("sit"), LinkKind("vti", KernelModule = "ip_vti"),
 LinkKind("ip6tnl", KernelModule = "ip6_tunnel"), LinkKind("ip6gre", KernelModule = "ip6_gre"), LinkKind("ip6gretap", KernelModule = "ip6_gre")]
public class IpTunnel : Link
{
    public IpTunnelMode Mode { get; set; }
    /// <summary>Local endpoint; null when the tunnel takes any (<c>local any</c>).</summary>
    public IPAddress? Local { get; set; }
    /// <summary>Remote endpoint; null for a tunnel open to any peer (<c>remote any</c>).</summary>
    public IPAddress? Remote { get; set; }
    /// <summary>The underlying device the tunnel is bound to (<c>dev X</c>).</summary>
    public string? Device { get; set; }
    public int DeviceIndex { get; set; }
    /// <summary>TTL (hop limit for IPv6 modes); 0 means inherit from the inner packet.</summary>
    public byte Ttl { get; set; }
    /// <summary>TOS (traffic class for IPv6 modes); 1 means inherit.</summary>
    public byte Tos { get; set; }
    public uint? InputKey { get; set; }
    public uint? OutputKey { get; set; }
    public bool InputChecksum { get; set; }
    public bool OutputChecksum { get; set; }
    public bool InputSequence { get; set; }
    public bool OutputSequence { get; set; }
    /// <summary>Path MTU discovery (DF on the outer header); null for modes without the setting (VTI, IPv6).</summary>
    public bool? PMtuDiscovery { get; set; }
    /// <summary>The inner protocol number of ipip/sit/ip6tnl tunnels (4 ipip, 41 IPv6, 0 any).</summary>
    public byte? Protocol { get; set; }

    protected internal override void ReadInfoData(AttributeEnumerator data)
    {
        TunnelModeInfo? info = TunnelModes.OfKind(Kind);
        if (info == null) return;
        Mode = info.Mode;
        PMtuDiscovery = info.HasPMtuDiscovery ? true : null;
        switch (info.Layout)
        {
            case TunnelLayout.Iptun4:
            case TunnelLayout.Iptun6: ReadIptun(data, info); break;
            case TunnelLayout.Gre4:
            case TunnelLayout.Gre6: ReadGre(data); break;
            case TunnelLayout.Vti: ReadVti(data); break;
        }
    }

    private void ReadIptun(AttributeEnumerator data, TunnelModeInfo info)
    {
        foreach (NetlinkAttribute a in data)
        {
            switch (a.Type)
            {
                case IptunAttr.LINK: DeviceIndex = a.S32(); break;
                case IptunAttr.LOCAL: Local = Endpoint(a); break;
                case IptunAttr.REMOTE: Remote = Endpoint(a); break;
                case IptunAttr.TTL: Ttl = a.U8(); break;
                case IptunAttr.TOS: Tos = a.U8(); break;
                case IptunAttr.FLOWINFO: Tos = TrafficClass(a); break;
                case IptunAttr.PMTUDISC: PMtuDiscovery = a.U8() != 0; break;
                case IptunAttr.PROTO: Protocol = a.U8(); break;
                case IptunAttr.FLAGS:
                    // sit carries a u16 (SIT_ISATAP); ip6tnl a u32 of IP6_TNL_F_* bits.
                    if (info.Kind == "sit" && (a.U16() & TunnelBits.SIT_ISATAP) != 0) Mode = IpTunnelMode.Isatap;
                    break;
            }
        }
    }

    private void ReadGre(AttributeEnumerator data)
    {
        ushort iflags = 0, oflags = 0;
        uint ikey = 0, okey = 0;
        foreach (NetlinkAttribute a in data)
        {
            switch (a.Type)
            {
                case GreAttr.LINK: DeviceIndex = a.S32(); break;
                case GreAttr.IFLAGS: iflags = a.U16BigEndian(); break;
                case GreAttr.OFLAGS: oflags = a.U16BigEndian(); break;
                case GreAttr.IKEY: ikey = a.U32BigEndian(); break;
                case GreAttr.OKEY: okey = a.U32BigEndian(); break;
                case GreAttr.LOCAL: Local = Endpoint(a); break;
                case GreAttr.REMOTE: Remote = Endpoint(a); break;
                case GreAttr.TTL: Ttl = a.U8(); break;
                case GreAttr.TOS: Tos = a.U8(); break;
                case GreAttr.FLOWINFO: Tos = TrafficClass(a); break;
                case GreAttr.PMTUDISC: PMtuDiscovery = a.U8() != 0; break;
            }
        }
        if ((iflags & TunnelBits.GRE_KEY) != 0) InputKey = ikey;
        if ((oflags & TunnelBits.GRE_KEY) != 0) OutputKey = okey;
        InputChecksum = (iflags & TunnelBits.GRE_CSUM) != 0;
        OutputChecksum = (oflags & TunnelBits.GRE_CSUM) != 0;
        InputSequence = (iflags & TunnelBits.GRE_SEQ) != 0;
        OutputSequence = (oflags & TunnelBits.GRE_SEQ) != 0;
    }

    private void ReadVti(AttributeEnumerator data)
    {
        foreach (NetlinkAttribute a in data)
        {
            switch (a.Type)
            {
                case VtiAttr.LINK: DeviceIndex = a.S32(); break;
                // VTI has no key flags: a key of 0 is no key, as iproute2 prints it.
                case VtiAttr.IKEY: InputKey = a.U32BigEndian() is uint i and not 0 ? i : null; break;
                case VtiAttr.OKEY: OutputKey = a.U32BigEndian() is uint o and not 0 ? o : null; break;
                case VtiAttr.LOCAL: Local = Endpoint(a); break;
                case VtiAttr.REMOTE: Remote = Endpoint(a); break;
            }
        }
    }

    /// <summary>An endpoint address; the all-zero address means "any" and reads as null.</summary>
    private static IPAddress? Endpoint(NetlinkAttribute a)
    {
        IPAddress ip = a.Address();
        return ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) ? null : ip;
    }

    /// <summary>The traffic class inside a big-endian IPv6 flowinfo word (bits 20..27).</summary>
    private static byte TrafficClass(NetlinkAttribute a) =>
        (byte)(BinaryPrimitives.ReadUInt32BigEndian(a.Value) >> 20);

    protected internal override void ResolveNames(IReadOnlyDictionary<int, string> names)
    {
        base.ResolveNames(names);
        if (DeviceIndex != 0 && names.TryGetValue(DeviceIndex, out string? dev)) Device = dev;
    }
}
