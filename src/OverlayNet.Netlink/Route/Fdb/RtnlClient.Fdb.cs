using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

public sealed partial class RtnlClient
{
    /// <summary>
    /// <c>bridge fdb show [dev X] [br B]</c>. <paramref name="interfaceIndex"/> and <paramref name="bridgeIndex"/>
    /// (0: any) are filters the kernel applies itself.
    /// </summary>
    public List<BridgeFdbEntry> GetFdbEntries(int interfaceIndex = 0, int bridgeIndex = 0)
    {
        MessageWriter w = NewRequest();
        w.BeginMessage(Rtm.GETNEIGH, 0);
        // Strict checking wants an ndmsg: the port filter in ndm_ifindex, the bridge filter in NDA_MASTER.
        w.WriteStruct(new NdMsg { Family = AddressFamilies.Bridge, Index = interfaceIndex });
        if (bridgeIndex > 0) w.AttrU32(Nda.MASTER, (uint)bridgeIndex);
        w.EndMessage();
        List<BridgeFdbEntry> result = Dump(w, ParseFdbEntry);
        if (result.Count == 0) return result;
        Dictionary<int, string> names = GetLinks().ToDictionary(l => l.Index, l => l.Name);
        foreach (BridgeFdbEntry e in result)
        {
            e.InterfaceName = names.GetValueOrDefault(e.InterfaceIndex, "");
            if (e.ViaIndex != 0) e.Via = names.GetValueOrDefault(e.ViaIndex);
            if (e.BridgeIndex != 0) e.Bridge = names.GetValueOrDefault(e.BridgeIndex);
            e.NetNamespace = NamespaceName;
        }
        return result;
    }

    internal static BridgeFdbEntry? ParseFdbEntry(NetlinkMessage m)
    {
        if (m.Type != Rtm.NEWNEIGH) return null;
        NdMsg h = m.Header<NdMsg>();
        if (h.Family != AddressFamilies.Bridge) return null;
        var e = new BridgeFdbEntry
        {
            InterfaceIndex = h.Index,
            Self = (h.Flags & Ntf.SELF) != 0,
            Master = (h.Flags & Ntf.MASTER) != 0,
            State = (h.State & Nud.PERMANENT) != 0 ? FdbState.Permanent
                : (h.State & Nud.NOARP) != 0 ? FdbState.Static
                : (h.State & Nud.STALE) != 0 ? FdbState.Stale
                : FdbState.Dynamic,
        };
        foreach (NetlinkAttribute a in m.Attributes<NdMsg>())
        {
            switch (a.Type)
            {
                case Nda.LLADDR:
                    if (a.Value.Length == 6) e.MacAddress = new MacAddress(a.Value);
                    break;
                case Nda.DST: e.Destination = a.Address(); break;
                case Nda.VNI: e.Vni = (int)a.U32(); break;
                case Nda.PORT: e.Port = a.U16BigEndian(); break;
                case Nda.IFINDEX: e.ViaIndex = (int)a.U32(); break;
                case Nda.VLAN: e.Vlan = a.U16(); break;
                case Nda.MASTER:
                    e.BridgeIndex = (int)a.U32();
                    // The bridge reports its own entries with NDA_MASTER rather than NTF_MASTER.
                    if (!e.Self) e.Master = true;
                    break;
            }
        }
        return e;
    }

    /// <summary>Encodes one <c>bridge fdb</c> request into <paramref name="w"/>, byte for byte as bridge/fdb.c does.</summary>
    public static void WriteFdbEntry(MessageWriter w, FdbEntrySpec spec, FdbOperation op)
    {
        (ushort type, ushort flags) = op switch
        {
            FdbOperation.Add => (Rtm.NEWNEIGH, (ushort)(Nl.NLM_F_CREATE | Nl.NLM_F_EXCL)),
            FdbOperation.Append => (Rtm.NEWNEIGH, (ushort)(Nl.NLM_F_CREATE | Nl.NLM_F_APPEND)),
            FdbOperation.Replace => (Rtm.NEWNEIGH, (ushort)(Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE)),
            _ => (Rtm.DELNEIGH, (ushort)0),
        };
        w.BeginMessage(type, flags);
        w.WriteStruct(new NdMsg { Family = AddressFamilies.Bridge, Index = spec.InterfaceIndex, State = spec.NdmState, Flags = spec.NdmFlags });
        Span<byte> mac = stackalloc byte[6];
        spec.MacAddress.WriteTo(mac);
        w.Attr(Nda.LLADDR, mac);
        if (spec.Destination != null) w.AttrAddress(Nda.DST, spec.Destination);
        if (spec.Vlan is int vlan) w.AttrU16(Nda.VLAN, (ushort)vlan);
        if (spec.Port is int port && port != 0) w.AttrU16BigEndian(Nda.PORT, (ushort)port);
        if (spec.Vni is int vni) w.AttrU32(Nda.VNI, (uint)vni);
        if (spec.ViaIndex is int via && via != 0) w.AttrU32(Nda.IFINDEX, (uint)via);
        w.EndMessage();
    }

    /// <summary>One FDB request, sent at once (throws the kernel's refusal).</summary>
    public void ModifyFdbEntry(FdbEntrySpec spec, FdbOperation op)
    {
        spec.Validate();
        MessageWriter w = NewRequest();
        WriteFdbEntry(w, spec, op);
        Socket.Execute(w);
    }
}
