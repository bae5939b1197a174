using OverlayNet.Netlink.Interop;
using System.Net;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

public sealed partial class RtnlClient
{
    private const uint IFA_F_SECONDARY = 0x01;

    /// <summary><c>ip addr show [dev X]</c>; <paramref name="interfaceIndex"/> 0 lists all.</summary>
    public List<IpAddress> GetAddresses(IpAddressFamily? family = null, int interfaceIndex = 0)
    {
        MessageWriter w = NewRequest();
        w.BeginMessage(Rtm.GETADDR, 0);
        // With strict checking on, the kernel filters the dump by family and index itself.
        w.WriteStruct(new IfAddrMsg { Family = (byte)(family ?? 0), Index = interfaceIndex });
        w.EndMessage();
        List<IpAddress> result = Dump(w, ParseAddress);
        if (result.Count > 0)
        {
            Dictionary<int, string> names = GetLinks().ToDictionary(l => l.Index, l => l.Name);
            foreach (IpAddress a in result)
            {
                a.InterfaceName = names.GetValueOrDefault(a.InterfaceIndex, "");
                a.NetNamespace = NamespaceName;
            }
        }
        return result;
    }

    // Internal so the unit tests can feed it captured kernel replies.
    internal static IpAddress? ParseAddress(NetlinkMessage m)
    {
        if (m.Type != Rtm.NEWADDR) return null;
        IfAddrMsg h = m.Header<IfAddrMsg>();
        IPAddress? local = null, address = null;
        var a = new IpAddress
        {
            InterfaceIndex = h.Index,
            PrefixLength = h.PrefixLength,
            AddressFamily = (IpAddressFamily)h.Family,
            Scope = (Scope)h.Scope,
            Flags = h.Flags,
        };
        foreach (NetlinkAttribute attr in m.Attributes<IfAddrMsg>())
        {
            switch (attr.Type)
            {
                case Ifa.LOCAL: local = attr.Address(); break;
                case Ifa.ADDRESS: address = attr.Address(); break;
                case Ifa.BROADCAST: a.Broadcast = attr.Address(); break;
                case Ifa.LABEL: a.Label = attr.String(); break;
                case Ifa.FLAGS: a.Flags = attr.U32(); break;
            }
        }
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS differs from it only for a point-to-point peer.
        a.IPAddress = local ?? address ?? IPAddress.None;
        if (local != null && address != null && !local.Equals(address)) a.Peer = address;
        return a;
    }

    /// <summary><c>ip addr add</c> (or <c>replace</c> when <paramref name="replace"/>).</summary>
    public void AddAddress(AddressSpec spec, bool replace = false)
    {
        spec.Validate();
        MessageWriter w = NewRequest();
        WriteAddress(w, Rtm.NEWADDR, replace ? (ushort)(Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE) : (ushort)(Nl.NLM_F_CREATE | Nl.NLM_F_EXCL), spec);
        Socket.Execute(w);
    }

    /// <summary><c>ip addr del</c>.</summary>
    public void DeleteAddress(AddressSpec spec)
    {
        MessageWriter w = NewRequest();
        WriteAddress(w, Rtm.DELADDR, 0, spec);
        Socket.Execute(w);
    }

    /// <summary>Encodes <c>ip addr add|replace|del</c> of one address into <paramref name="w"/> (for batches).</summary>
    public static void WriteAddress(MessageWriter w, AddressSpec spec, AddressOperation op)
    {
        switch (op)
        {
            case AddressOperation.Add: WriteAddress(w, Rtm.NEWADDR, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, spec); break;
            case AddressOperation.Replace: WriteAddress(w, Rtm.NEWADDR, Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE, spec); break;
            default: WriteAddress(w, Rtm.DELADDR, 0, spec); break;
        }
    }

    private static void WriteAddress(MessageWriter w, ushort type, ushort flags, AddressSpec spec)
    {
        w.BeginMessage(type, flags);
        w.WriteStruct(new IfAddrMsg
        {
            Family = spec.Family,
            PrefixLength = (byte)spec.PrefixLength,
            // iproute2's default: host scope for 127/8, global for everything else.
            Scope = (byte)(spec.Scope ?? (IsLoopback4(spec.Address) ? Scope.Host : Scope.Global)),
            Index = spec.InterfaceIndex,
        });
        w.AttrAddress(Ifa.LOCAL, spec.Address);
        bool wildcard = type == Rtm.DELADDR && spec.AnyPrefixLength && spec.Peer == null && spec.Family == AddressFamilies.Inet;
        if (!wildcard) w.AttrAddress(Ifa.ADDRESS, spec.Peer ?? spec.Address);
        if (spec.Broadcast != null) w.AttrAddress(Ifa.BROADCAST, spec.Broadcast);
        if (spec.Label != null) w.AttrString(Ifa.LABEL, spec.Label);
        w.EndMessage();
    }

    private static bool IsLoopback4(IPAddress a) =>
        a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && a.GetAddressBytes()[0] == 127;

    /// <summary>
    /// <c>ip addr flush dev X</c>: deletes every address (of a family, if given) on an interface, secondaries
    /// first so that deleting a primary does not take them with it. Returns how many were removed.
    /// </summary>
    public int FlushAddresses(int interfaceIndex, IpAddressFamily? family = null)
    {
        List<IpAddress> addresses = GetAddresses(family, interfaceIndex);
        int removed = 0;
        foreach (IpAddress a in addresses.OrderByDescending(x => (x.Flags & IFA_F_SECONDARY) != 0))
        {
            try
            {
                DeleteAddress(new AddressSpec { InterfaceIndex = a.InterfaceIndex, Address = a.IPAddress, PrefixLength = a.PrefixLength, Peer = a.Peer });
                removed++;
            }
            catch (NetlinkException e) when (e.Errno == Errno.EADDRNOTAVAIL /* went with its primary */)
            {
            }
        }
        return removed;
    }
}

/// <summary>How an address request treats an existing address (iproute2's add / replace / del).</summary>
public enum AddressOperation { Add, Replace, Delete }
