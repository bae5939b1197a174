using OverlayNet.Netlink.Interop;
using System.Net;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

public sealed partial class RtnlClient
{
    /// <summary><c>ip neigh show</c> (or <c>ip neigh show proxy</c>), both families unless one is given.</summary>
    public List<IpNeighbor> GetNeighbors(bool proxy = false, IpAddressFamily? family = null, int interfaceIndex = 0)
    {
        MessageWriter w = NewRequest();
        w.BeginMessage(Rtm.GETNEIGH, 0);
        // Strict checking: only NTF_PROXY may be set in the header; the device filter goes in NDA_IFINDEX.
        w.WriteStruct(new NdMsg { Family = (byte)(family ?? 0), Flags = proxy ? Ntf.PROXY : (byte)0 });
        if (interfaceIndex > 0) w.AttrU32(Nda.IFINDEX, (uint)interfaceIndex);
        w.EndMessage();
        List<IpNeighbor> result = Dump(w, ParseNeighbor);
        NameInterfaces(result, n => n.InterfaceIndex, (n, name) => { n.InterfaceName = name; n.NetNamespace = NamespaceName; });
        return result;
    }

    /// <summary>Fills in interface names from one link dump (only when there is something to name).</summary>
    internal void NameInterfaces<T>(List<T> items, Func<T, int> index, Action<T, string> apply)
    {
        if (items.Count == 0) return;
        Dictionary<int, string> names = GetLinks().ToDictionary(l => l.Index, l => l.Name);
        foreach (T item in items) apply(item, names.GetValueOrDefault(index(item), ""));
    }

    internal static IpNeighbor? ParseNeighbor(NetlinkMessage m)
    {
        if (m.Type != Rtm.NEWNEIGH) return null;
        NdMsg h = m.Header<NdMsg>();
        if (h.Family != AddressFamilies.Inet && h.Family != AddressFamilies.Inet6) return null;
        var n = new IpNeighbor
        {
            InterfaceIndex = h.Index,
            State = (NeighborState)h.State,
            Proxy = (h.Flags & Ntf.PROXY) != 0,
            Router = (h.Flags & Ntf.ROUTER) != 0,
        };
        foreach (NetlinkAttribute a in m.Attributes<NdMsg>())
        {
            switch (a.Type)
            {
                case Nda.DST: n.IPAddress = a.Address(); break;
                case Nda.LLADDR:
                    if (a.Value.Length == 6) n.LinkLayerAddress = new MacAddress(a.Value);
                    break;
            }
        }
        return n;
    }

    /// <summary>Encodes <c>ip neigh add|replace|del</c> for one entry into <paramref name="w"/> (for batches).</summary>
    public static void WriteNeighbor(MessageWriter w, NeighborSpec spec, NeighborOperation op)
    {
        (ushort type, ushort flags) = op switch
        {
            NeighborOperation.Add => (Rtm.NEWNEIGH, (ushort)(Nl.NLM_F_CREATE | Nl.NLM_F_EXCL)),
            NeighborOperation.Replace => (Rtm.NEWNEIGH, (ushort)(Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE)),
            _ => (Rtm.DELNEIGH, (ushort)0),
        };
        w.BeginMessage(type, flags);
        byte ntf = 0;
        if (spec.Proxy) ntf |= Ntf.PROXY;
        if (spec.Router) ntf |= Ntf.ROUTER;
        w.WriteStruct(new NdMsg { Family = spec.Family, Index = spec.InterfaceIndex, State = (ushort)spec.State, Flags = ntf });
        w.AttrAddress(Nda.DST, spec.Address);
        if (spec.LinkLayerAddress is MacAddress mac && op != NeighborOperation.Delete) w.Attr(Nda.LLADDR, mac.GetBytes());
        w.EndMessage();
    }

    /// <summary>One neighbour request, sent at once (throws the kernel's refusal).</summary>
    public void ModifyNeighbor(NeighborSpec spec, NeighborOperation op)
    {
        spec.Validate(op == NeighborOperation.Delete);
        MessageWriter w = NewRequest();
        WriteNeighbor(w, spec, op);
        Socket.Execute(w);
    }

    /// <summary>
    /// <c>ip neigh flush [dev X] [nud STATE]</c>: deletes the entries that match, in one batch. Without
    /// <paramref name="states"/> it spares permanent and noarp entries, as iproute2 does. Returns what was removed.
    /// </summary>
    public List<IpNeighbor> FlushNeighbors(int interfaceIndex = 0, NeighborState? states = null, IpAddressFamily? family = null)
    {
        ushort mask = states is NeighborState s ? (ushort)s : unchecked((ushort)~(Nud.PERMANENT | Nud.NOARP));
        List<IpNeighbor> victims = GetNeighbors(false, family, interfaceIndex)
            .Where(n => ((ushort)n.State & mask) != 0 || (n.State == NeighborState.None && states == null))
            .ToList();
        if (victims.Count == 0) return victims;
        using var w = new MessageWriter();
        foreach (IpNeighbor n in victims)
            WriteNeighbor(w, new NeighborSpec { Address = n.IPAddress, InterfaceIndex = n.InterfaceIndex, State = n.State }, NeighborOperation.Delete);
        NetlinkException?[] errors = Socket.ExecuteBatch(w);
        // ENOENT: the entry went away on its own meanwhile, which is what a flush wants anyway. Any other
        // refusal (EPERM for a caller without CAP_NET_ADMIN) is the flush failing, not an empty flush.
        if (errors.FirstOrDefault(e => e != null && e.Errno != Errno.ENOENT) is NetlinkException refused) throw refused;
        return victims.Where((_, i) => errors[i] == null || errors[i]!.Errno == Errno.ENOENT).ToList();
    }
}

public enum NeighborOperation { Add, Replace, Delete }
