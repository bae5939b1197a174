using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route.Tunnels;

/// <summary>
/// <c>ip tunnel add NAME mode MODE ...</c>, sent the way <c>ip link add NAME type KIND ...</c> sends it
/// (ip/link_iptnl.c, link_gre.c, link_vti.c, link_ip6tnl.c, link_gre6.c): the same attributes in the same
/// order with iproute2's defaults (pmtudisc on, ttl inherit, hop limit 64 and encap limit 4 for IPv6).
/// Null options take those defaults. The same spec, sent without NLM_F_CREATE, is <c>ip tunnel change</c>.
/// </summary>
public sealed class IpTunnelLinkSpec(string name, IpTunnelMode mode) : LinkSpec(name)
{
    public IpTunnelMode Mode { get; } = mode;
    public override string Kind => Info.Kind;
    public IPAddress? Local { get; set; }
    public IPAddress? Remote { get; set; }
    /// <summary>The underlying device's index (<c>dev X</c>); null or 0 for none.</summary>
    public int? DeviceIndex { get; set; }
    public byte? Ttl { get; set; }
    public byte? Tos { get; set; }
    public uint? InputKey { get; set; }
    public uint? OutputKey { get; set; }
    public bool InputChecksum { get; set; }
    public bool OutputChecksum { get; set; }
    public bool InputSequence { get; set; }
    public bool OutputSequence { get; set; }
    public bool? PMtuDiscovery { get; set; }

    internal TunnelModeInfo Info => TunnelModes.Of(Mode);

    /// <summary>The spec that recreates <paramref name="t"/> as it is: the base of <c>ip tunnel change</c>.</summary>
    public static IpTunnelLinkSpec From(IpTunnel t)
    {
        var spec = new IpTunnelLinkSpec(t.Name, t.Mode)
        {
            Local = t.Local,
            Remote = t.Remote,
            DeviceIndex = t.DeviceIndex,
            InputKey = t.InputKey,
            OutputKey = t.OutputKey,
            InputChecksum = t.InputChecksum,
            OutputChecksum = t.OutputChecksum,
            InputSequence = t.InputSequence,
            OutputSequence = t.OutputSequence,
            PMtuDiscovery = t.PMtuDiscovery,
        };
        if (spec.Info.HasTtlTos) { spec.Ttl = t.Ttl; spec.Tos = t.Tos; }
        return spec;
    }

    public override void Validate()
    {
        base.Validate();
        TunnelModeInfo info = Info;
        CheckEndpoint(Local, "Local", info);
        CheckEndpoint(Remote, "Remote", info);
        if ((InputKey != null || OutputKey != null) && !info.HasKeys)
            throw new ArgumentException($"Keys are not allowed with {Mode} tunnels: only GRE and VTI modes carry a key.");
        if ((InputChecksum || OutputChecksum || InputSequence || OutputSequence) && !info.HasGreFlags)
            throw new ArgumentException($"Checksums and sequence numbers are GRE options; a {Mode} tunnel has none.");
        if (PMtuDiscovery != null && !info.HasPMtuDiscovery)
            throw new ArgumentException($"A {Mode} tunnel has no path MTU discovery setting.");
        if ((Ttl != null || Tos != null) && !info.HasTtlTos)
            throw new ArgumentException($"A {Mode} tunnel has no TTL or TOS of its own.");
        if (PMtuDiscovery == false && Ttl is byte t && t != 0)
            throw new ArgumentException("A fixed TTL needs path MTU discovery: ttl != 0 and nopmtudisc are incompatible.");
        if (info.Layout == TunnelLayout.Gre4 && Remote != null && IsMulticast(Remote) && Local == null)
            throw new ArgumentException($"A broadcast tunnel (remote {Remote}) requires a -Local address.");
    }

    private void CheckEndpoint(IPAddress? address, string what, TunnelModeInfo info)
    {
        if (address == null || address.AddressFamily == info.EndpointFamily) return;
        string want = info.IsIPv6 ? "IPv6" : "IPv4";
        throw new ArgumentException($"-{what} {address} is not an {want} address, and {Mode} tunnels run over {want}.", what);
    }

    private static bool IsMulticast(IPAddress a) =>
        a.AddressFamily == AddressFamily.InterNetwork && (a.GetAddressBytes()[0] & 0xF0) == 0xE0;

    protected internal override void WriteInfoData(MessageWriter w)
    {
        switch (Info.Layout)
        {
            case TunnelLayout.Iptun4: WriteIptun4(w); break;
            case TunnelLayout.Gre4: WriteGre4(w); break;
            case TunnelLayout.Vti: WriteVti(w); break;
            case TunnelLayout.Iptun6: WriteIptun6(w); break;
            case TunnelLayout.Gre6: WriteGre6(w); break;
        }
    }

    private void WriteIptun4(MessageWriter w)
    {
        // ip tunnel add sets the inner protocol from the mode (ipip 4, sit/isatap 41), not "any".
        w.AttrU8(IptunAttr.PROTO, Mode == IpTunnelMode.IpIp ? TunnelBits.IPPROTO_IPIP : TunnelBits.IPPROTO_IPV6);
        WriteEndpoints(w, IptunAttr.LOCAL, IptunAttr.REMOTE);
        w.AttrU8(IptunAttr.PMTUDISC, PMtuDiscovery == false ? (byte)0 : (byte)1);
        w.AttrU8(IptunAttr.TOS, Tos ?? 0);
        w.AttrU8(IptunAttr.TTL, Ttl ?? 0);
        w.AttrU32(IptunAttr.LINK, (uint)(DeviceIndex ?? 0));
        w.AttrU32(IptunAttr.FWMARK, 0);
        WriteNoEncap(w, IptunAttr.ENCAP_TYPE, 0);
        if (Info.Kind == "sit") w.AttrU16(IptunAttr.FLAGS, Mode == IpTunnelMode.Isatap ? TunnelBits.SIT_ISATAP : (ushort)0);
    }

    private void WriteGre4(MessageWriter w)
    {
        WriteGreKeys(w);
        WriteEndpoints(w, GreAttr.LOCAL, GreAttr.REMOTE);
        w.AttrU8(GreAttr.PMTUDISC, PMtuDiscovery == false ? (byte)0 : (byte)1);
        w.AttrU8(GreAttr.TOS, Tos ?? 0);
        if (DeviceIndex is int dev and not 0) w.AttrU32(GreAttr.LINK, (uint)dev);
        w.AttrU8(GreAttr.TTL, Ttl ?? 0);
        w.AttrU32(GreAttr.FWMARK, 0);
        WriteNoEncap(w, GreAttr.ENCAP_TYPE, 0);
    }

    private void WriteVti(MessageWriter w)
    {
        w.AttrU32BigEndian(VtiAttr.IKEY, InputKey ?? 0);
        w.AttrU32BigEndian(VtiAttr.OKEY, OutputKey ?? 0);
        WriteEndpoints(w, VtiAttr.LOCAL, VtiAttr.REMOTE);
        w.AttrU32(VtiAttr.FWMARK, 0);
        if (DeviceIndex is int dev and not 0) w.AttrU32(VtiAttr.LINK, (uint)dev);
    }

    private void WriteIptun6(MessageWriter w)
    {
        w.AttrU8(IptunAttr.PROTO, TunnelBits.IPPROTO_IPV6);
        WriteEndpoints(w, IptunAttr.LOCAL, IptunAttr.REMOTE);
        w.AttrU8(IptunAttr.TTL, Ttl ?? TunnelBits.DEFAULT_TNL_HOP_LIMIT);
        w.AttrU8(IptunAttr.ENCAP_LIMIT, TunnelBits.IPV6_DEFAULT_TNL_ENCAP_LIMIT);
        w.AttrU32BigEndian(IptunAttr.FLOWINFO, FlowInfo);
        w.AttrU32(IptunAttr.FLAGS, 0);
        w.AttrU32(IptunAttr.LINK, (uint)(DeviceIndex ?? 0));
        w.AttrU32(IptunAttr.FWMARK, 0);
        WriteNoEncap(w, IptunAttr.ENCAP_TYPE, TunnelBits.TUNNEL_ENCAP_FLAG_CSUM6);
    }

    private void WriteGre6(MessageWriter w)
    {
        WriteGreKeys(w);
        WriteEndpoints(w, GreAttr.LOCAL, GreAttr.REMOTE);
        if (DeviceIndex is int dev and not 0) w.AttrU32(GreAttr.LINK, (uint)dev);
        w.AttrU8(GreAttr.TTL, Ttl ?? TunnelBits.DEFAULT_TNL_HOP_LIMIT);
        w.AttrU8(GreAttr.ENCAP_LIMIT, TunnelBits.IPV6_DEFAULT_TNL_ENCAP_LIMIT);
        w.AttrU32BigEndian(GreAttr.FLOWINFO, FlowInfo);
        w.AttrU32(GreAttr.FLAGS, 0);
        w.AttrU32(GreAttr.FWMARK, 0);
        // iproute2 6.1 (Debian's, the kernel tier's) sends ERSPAN version 1 for every ip6gre kind; the
        // kernel stores it and ignores it outside ERSPAN. Sent too, so the resulting state is the same.
        w.AttrU8(GreAttr.ERSPAN_VER, 1);
        WriteNoEncap(w, GreAttr.ENCAP_TYPE, TunnelBits.TUNNEL_ENCAP_FLAG_CSUM6);
    }

    /// <summary>The traffic class goes in bits 20..27 of the (big-endian) IPv6 flow information.</summary>
    private uint FlowInfo => (uint)(Tos ?? 0) << 20;

    private void WriteGreKeys(MessageWriter w)
    {
        ushort iflags = GreFlags(InputKey != null, InputChecksum, InputSequence);
        ushort oflags = GreFlags(OutputKey != null, OutputChecksum, OutputSequence);
        uint ikey = InputKey ?? 0, okey = OutputKey ?? 0;
        // A multicast remote makes a broadcast tunnel keyed by the group address, as iproute2 does it.
        if (Info.Layout == TunnelLayout.Gre4 && Remote != null && IsMulticast(Remote))
        {
            uint group = BinaryPrimitives.ReadUInt32BigEndian(Remote.GetAddressBytes());
            if (ikey == 0) { ikey = group; iflags |= TunnelBits.GRE_KEY; }
            if (okey == 0) { okey = group; oflags |= TunnelBits.GRE_KEY; }
        }
        w.AttrU32BigEndian(GreAttr.IKEY, ikey);
        w.AttrU32BigEndian(GreAttr.OKEY, okey);
        w.AttrU16BigEndian(GreAttr.IFLAGS, iflags);
        w.AttrU16BigEndian(GreAttr.OFLAGS, oflags);
    }

    private static ushort GreFlags(bool key, bool csum, bool seq) => (ushort)(
        (key ? TunnelBits.GRE_KEY : 0) | (csum ? TunnelBits.GRE_CSUM : 0) | (seq ? TunnelBits.GRE_SEQ : 0));

    private void WriteEndpoints(MessageWriter w, ushort local, ushort remote)
    {
        if (Local != null) w.AttrAddress(local, Local);
        if (Remote != null) w.AttrAddress(remote, Remote);
    }

    /// <summary>ENCAP_TYPE none, the given flags, ports 0: the four attributes follow each other in every family.</summary>
    private static void WriteNoEncap(MessageWriter w, ushort encapType, ushort flags)
    {
        w.AttrU16(encapType, 0);
        w.AttrU16((ushort)(encapType + 1), flags);
        w.AttrU16((ushort)(encapType + 2), 0);
        w.AttrU16((ushort)(encapType + 3), 0);
    }
}
