using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

/// <summary>Builds typed <see cref="Link"/> objects from RTM_NEWLINK messages.</summary>
public static class LinkParser
{
    private static readonly Dictionary<string, Func<Link>> Factories = LinkKinds.All
        .ToDictionary(k => k.Kind, k => (Func<Link>)(() => (Link)Activator.CreateInstance(k.Type)!), StringComparer.Ordinal);

    public static Link? Parse(NetlinkMessage m)
    {
        if (m.Type != Rtm.NEWLINK) return null;
        IfInfoMsg hdr = m.Header<IfInfoMsg>();

        // The kind decides the class, so find IFLA_LINKINFO first.
        string? kind = null, slaveKind = null;
        foreach (NetlinkAttribute a in m.Attributes<IfInfoMsg>())
        {
            if (a.Type != Ifla.LINKINFO) continue;
            foreach (NetlinkAttribute i in a.Nested())
            {
                if (i.Type == Ifla.INFO_KIND) kind = i.String();
                else if (i.Type == Ifla.INFO_SLAVE_KIND) slaveKind = i.String();
            }
        }
        Link link = kind != null && Factories.TryGetValue(kind, out var make) ? make() : new Link();
        link.Kind = kind;
        link.SlaveKind = slaveKind;
        link.Index = hdr.Index;
        link.Flags = hdr.Flags;
        link.LinkType = hdr.Type;
        link.AdminState = (hdr.Flags & Iff.UP) != 0 ? AdminState.Up : AdminState.Down;
        link.Promiscuous = (hdr.Flags & Iff.PROMISC) != 0;

        foreach (NetlinkAttribute a in m.Attributes<IfInfoMsg>())
        {
            switch (a.Type)
            {
                case Ifla.IFNAME: link.Name = a.String(); break;
                case Ifla.MTU: link.Mtu = (int)a.U32(); break;
                case Ifla.ADDRESS:
                    if (a.Value.Length == 6) link.MacAddress = new MacAddress(a.Value);
                    break;
                case Ifla.MASTER: link.MasterIndex = a.S32(); break;
                case Ifla.LINK: link.ParentIndex = a.S32(); break;
                case Ifla.LINK_NETNSID: link.LinkNetNsId = a.S32(); break;
                case Ifla.OPERSTATE: link.OperState = (OperState)a.U8(); break;
                case Ifla.IFALIAS: link.Alias = a.String(); break;
                case Ifla.TXQLEN: link.TxQueueLength = (int)a.U32(); break;
                case Ifla.LINKINFO:
                    foreach (NetlinkAttribute i in a.Nested())
                        if (i.Type == Ifla.INFO_DATA) link.ReadInfoData(i.Nested());
                    break;
            }
        }
        return link;
    }

    /// <summary>Resolves master/parent indexes to names within one listing.</summary>
    public static void ResolveNames(IReadOnlyList<Link> links)
    {
        var names = new Dictionary<int, string>(links.Count);
        foreach (Link l in links) names[l.Index] = l.Name;
        foreach (Link l in links) l.ResolveNames(names);
    }
}
