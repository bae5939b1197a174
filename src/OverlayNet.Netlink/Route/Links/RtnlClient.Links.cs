using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

/// <summary>Changes to an existing link: what <c>ip link set dev NAME ...</c> says. Null means unchanged.</summary>
public sealed class LinkChange
{
    public bool? Up { get; set; }
    public bool? Promiscuous { get; set; }
    public int? Mtu { get; set; }
    public MacAddress? MacAddress { get; set; }
    /// <summary>0 removes the link from its master (<c>nomaster</c>).</summary>
    public int? MasterIndex { get; set; }
    public string? NewName { get; set; }
    public string? Alias { get; set; }
    public int? TxQueueLength { get; set; }
    public int? NetNamespaceFd { get; set; }
}

public sealed partial class RtnlClient
{

    /// <summary>Every link in the namespace (<c>ip link show</c>), typed by kind.</summary>
    public List<Link> GetLinks()
    {
        MessageWriter w = NewRequest();
        w.BeginMessage(Rtm.GETLINK, 0);
        w.WriteStruct(new IfInfoMsg());
        w.EndMessage();
        List<Link> links = Dump(w, LinkParser.Parse);
        LinkParser.ResolveNames(links);
        foreach (Link l in links) l.NetNamespace = NamespaceName;
        return links;
    }

    /// <summary>One link by name, or null when there is none.</summary>
    public Link? GetLink(string name) => QueryLink(name, 0, resolveNames: true);

    /// <summary>One link by index, or null when there is none.</summary>
    public Link? GetLink(int index) => QueryLink(null, index, resolveNames: true);

    private Link? QueryLink(string? name, int index, bool resolveNames)
    {
        if (name != null && InterfaceNames.Check(name) != null) return null; // no such name can exist
        MessageWriter w = NewRequest();
        w.BeginMessage(Rtm.GETLINK, 0);
        w.WriteStruct(new IfInfoMsg { Index = index });
        if (name != null) w.AttrString(Ifla.IFNAME, name);
        w.EndMessage();
        List<Link> found;
        try
        {
            found = Socket.Query(w, LinkParser.Parse);
        }
        catch (NetlinkException e) when (e.Errno == Interop.Errno.ENODEV)
        {
            return null;
        }
        if (found.Count == 0) return null;
        Link link = found[0];
        link.NetNamespace = NamespaceName;
        if (!resolveNames) return link;
        // Names of master and parent need their own lookups when we did not list everything.
        var names = new Dictionary<int, string> { [link.Index] = link.Name };
        foreach (int other in new[] { link.MasterIndex, link.LinkNetNsId == null ? link.ParentIndex : 0 })
        {
            if (other == 0 || names.ContainsKey(other)) continue;
            Link? o = QueryLink(null, other, resolveNames: false);
            if (o != null) names[other] = o.Name;
        }
        link.ResolveNames(names);
        return link;
    }

    /// <summary>The index of a link, or a not-found error that names it.</summary>
    public int GetIndex(string name)
    {
        Link? link = GetLink(name);
        if (link == null) throw LinkNotFound(name);
        return link.Index;
    }

    public LinkNotFoundException LinkNotFound(string name) =>
        new(name, NamespaceName);

    /// <summary><c>ip link add</c>. Fails with EEXIST if the name is taken.</summary>
    public void CreateLink(LinkSpec spec)
    {
        spec.Validate();
        MessageWriter w = NewRequest();
        spec.Write(w, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL);
        Socket.Execute(w);
    }

    /// <summary><c>ip link del</c>.</summary>
    public void DeleteLink(int index)
    {
        MessageWriter w = NewRequest();
        w.BeginMessage(Rtm.DELLINK, 0);
        w.WriteStruct(new IfInfoMsg { Index = index });
        w.EndMessage();
        Socket.Execute(w);
    }

    /// <summary><c>ip link set</c>: everything in <paramref name="change"/> in one request.</summary>
    public void SetLink(int index, LinkChange change)
    {
        if (change.NewName != null) InterfaceNames.Validate(change.NewName);
        uint flags = 0, mask = 0;
        if (change.Up is bool up) { mask |= Iff.UP; if (up) flags |= Iff.UP; }
        if (change.Promiscuous is bool p) { mask |= Iff.PROMISC; if (p) flags |= Iff.PROMISC; }
        MessageWriter w = NewRequest();
        w.BeginMessage(Rtm.NEWLINK, 0);
        w.WriteStruct(new IfInfoMsg { Index = index, Flags = flags, Change = mask });
        if (change.NewName != null) w.AttrString(Ifla.IFNAME, change.NewName);
        if (change.Mtu is int mtu) w.AttrU32(Ifla.MTU, (uint)mtu);
        if (change.MacAddress is MacAddress mac) w.Attr(Ifla.ADDRESS, mac.GetBytes());
        if (change.MasterIndex is int master) w.AttrU32(Ifla.MASTER, (uint)master);
        if (change.Alias != null) w.AttrString(Ifla.IFALIAS, change.Alias);
        if (change.TxQueueLength is int q) w.AttrU32(Ifla.TXQLEN, (uint)q);
        if (change.NetNamespaceFd is int fd) w.AttrU32(Ifla.NET_NS_FD, (uint)fd);
        w.EndMessage();
        Socket.Execute(w);
    }
}

/// <summary>No link of that name in the namespace (ENODEV).</summary>
public sealed class LinkNotFoundException(string name, string? netNamespace)
    : Interop.ErrnoException(
        netNamespace == null
            ? $"Cannot find interface '{name}'."
            : $"Cannot find interface '{name}' in network namespace '{netNamespace}'.", Interop.Errno.ENODEV, "link")
{
    public string InterfaceName { get; } = name;
}
