using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

public sealed partial class RtnlClient
{
    private const ushort IFLA_PROTINFO = 12;

    /// <summary><c>bridge link show</c>: every bridge port with its IFLA_BRPORT_* options.</summary>
    public List<BridgePort> GetBridgePorts()
    {
        MessageWriter w = NewRequest();
        w.BeginMessage(Rtm.GETLINK, 0);
        w.WriteStruct(new IfInfoMsg { Family = AddressFamilies.Bridge });
        w.EndMessage();
        List<BridgePort> ports = Dump(w, ParseBridgePort);
        if (ports.Count == 0) return ports;
        Dictionary<int, string> names = GetLinks().ToDictionary(l => l.Index, l => l.Name);
        foreach (BridgePort p in ports)
        {
            p.Bridge = names.GetValueOrDefault(p.BridgeIndex);
            p.NetNamespace = NamespaceName;
        }
        return ports;
    }

    internal static BridgePort? ParseBridgePort(NetlinkMessage m)
    {
        if (m.Type != Rtm.NEWLINK) return null;
        IfInfoMsg h = m.Header<IfInfoMsg>();
        var p = new BridgePort { InterfaceIndex = h.Index };
        bool isPort = false;
        foreach (NetlinkAttribute a in m.Attributes<IfInfoMsg>())
        {
            switch (a.Type)
            {
                case Ifla.IFNAME: p.InterfaceName = a.String(); break;
                case Ifla.MASTER: p.BridgeIndex = (int)a.U32(); break;
                case IFLA_PROTINFO:
                    isPort = true;
                    foreach (NetlinkAttribute b in a.Nested())
                    {
                        switch (b.Type)
                        {
                            case BrPortAttr.STATE: p.State = (BridgePortState)b.U8(); break;
                            case BrPortAttr.PRIORITY: p.Priority = b.U16(); break;
                            case BrPortAttr.COST: p.Cost = (int)b.U32(); break;
                            case BrPortAttr.MODE: p.Hairpin = b.U8() != 0; break;
                            case BrPortAttr.LEARNING: p.Learning = b.U8() != 0; break;
                            case BrPortAttr.UNICAST_FLOOD: p.UnicastFlood = b.U8() != 0; break;
                            case BrPortAttr.PROXYARP: p.ProxyArp = b.U8() != 0; break;
                            case BrPortAttr.NEIGH_SUPPRESS: p.NeighborSuppress = b.U8() != 0; break;
                            case BrPortAttr.ISOLATED: p.Isolated = b.U8() != 0; break;
                        }
                    }
                    break;
            }
        }
        // The bridge itself answers too (without port options); only ports are wanted.
        return isPort && p.BridgeIndex != 0 && p.BridgeIndex != p.InterfaceIndex ? p : null;
    }

    /// <summary><c>bridge link set dev X ...</c>: RTM_SETLINK for AF_BRIDGE with a nested IFLA_PROTINFO.</summary>
    public void SetBridgePort(int index, BridgePortChange change)
    {
        if (change.IsEmpty) return;
        MessageWriter w = NewRequest();
        w.BeginMessage(Rtm.SETLINK, 0);
        w.WriteStruct(new IfInfoMsg { Family = AddressFamilies.Bridge, Index = index });
        int nest = w.BeginNested(IFLA_PROTINFO);
        void Flag(ushort type, bool? v) { if (v is bool b) w.AttrU8(type, b ? (byte)1 : (byte)0); }
        Flag(BrPortAttr.MODE, change.Hairpin);
        Flag(BrPortAttr.LEARNING, change.Learning);
        Flag(BrPortAttr.UNICAST_FLOOD, change.UnicastFlood);
        Flag(BrPortAttr.PROXYARP, change.ProxyArp);
        Flag(BrPortAttr.NEIGH_SUPPRESS, change.NeighborSuppress);
        Flag(BrPortAttr.ISOLATED, change.Isolated);
        w.EndNested(nest);
        w.EndMessage();
        Socket.Execute(w);
    }
}
