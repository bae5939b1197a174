using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

/// <summary>
/// What <c>ip link add NAME type KIND ...</c> says. Each kind derives from this and writes its own
/// IFLA_INFO_DATA; common attributes are encoded here once.
/// </summary>
public abstract class LinkSpec
{
    protected LinkSpec(string name) { Name = name; }

    public string Name { get; }
    public abstract string Kind { get; }
    public int? Mtu { get; set; }
    public MacAddress? MacAddress { get; set; }
    public int? TxQueueLength { get; set; }
    /// <summary>IFLA_LINK: the lower device (macvlan, vlan, vxlan dev...).</summary>
    public int? ParentIndex { get; set; }
    /// <summary>IFLA_MASTER at creation time.</summary>
    public int? MasterIndex { get; set; }
    /// <summary>Create the link directly in the namespace behind this fd (IFLA_NET_NS_FD).</summary>
    public int? NetNamespaceFd { get; set; }
    /// <summary>Set IFF_UP in the create request itself.</summary>
    public bool Up { get; set; }

    /// <summary>Checks the spec without touching the kernel; throws ArgumentException naming the problem.</summary>
    public virtual void Validate() => InterfaceNames.Validate(Name);

    /// <summary>Writes IFLA_INFO_DATA (inside IFLA_LINKINFO). Kinds without data write nothing.</summary>
    protected internal virtual void WriteInfoData(MessageWriter w) { }

    /// <summary>Kinds whose data has no nest of its own (none yet) can override this to skip it.</summary>
    protected internal virtual bool HasInfoData => true;

    /// <summary>
    /// The RTM_NEWLINK request this spec sends, as the socket sends it (NLM_F_ACK set, sequence 0): for
    /// comparing byte for byte with what iproute2 sends. <paramref name="create"/> false gives the change form.
    /// </summary>
    public byte[] EncodeRequest(bool create = true)
    {
        using var w = new MessageWriter();
        Write(w, (ushort)(Nl.NLM_F_ACK | (create ? Nl.NLM_F_CREATE | Nl.NLM_F_EXCL : 0)));
        return w.WrittenSpan.ToArray();
    }

    internal void Write(MessageWriter w, ushort flags)
    {
        w.BeginMessage(Rtm.NEWLINK, flags);
        w.WriteStruct(new IfInfoMsg { Family = AddressFamilies.Unspec, Flags = Up ? Iff.UP : 0, Change = Up ? Iff.UP : 0 });
        w.AttrString(Ifla.IFNAME, Name);
        if (Mtu is int mtu) w.AttrU32(Ifla.MTU, (uint)mtu);
        if (MacAddress is MacAddress mac) w.Attr(Ifla.ADDRESS, mac.GetBytes());
        if (TxQueueLength is int q) w.AttrU32(Ifla.TXQLEN, (uint)q);
        if (ParentIndex is int p) w.AttrU32(Ifla.LINK, (uint)p);
        if (MasterIndex is int m) w.AttrU32(Ifla.MASTER, (uint)m);
        if (NetNamespaceFd is int fd) w.AttrU32(Ifla.NET_NS_FD, (uint)fd);
        int info = w.BeginNested(Ifla.LINKINFO);
        w.AttrString(Ifla.INFO_KIND, Kind);
        if (HasInfoData)
        {
            int data = w.BeginNested(Ifla.INFO_DATA);
            int before = w.Length;
            WriteInfoData(w);
            if (w.Length == before) w.CancelNested(data); // an empty IFLA_INFO_DATA is dropped, as iproute2 does
            else w.EndNested(data);
        }
        w.EndNested(info);
        w.EndMessage();
    }
}

/// <summary>A link of a kind with no options of its own (dummy, ifb...).</summary>
public sealed class PlainLinkSpec(string name, string kind) : LinkSpec(name)
{
    public override string Kind { get; } = kind;
}
