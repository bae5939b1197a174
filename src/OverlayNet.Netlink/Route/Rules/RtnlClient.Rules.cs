using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

public sealed partial class RtnlClient
{
    /// <summary><c>ip rule show</c> for one family or both.</summary>
    public List<IpRule> GetRules(IpAddressFamily? family = null)
    {
        var rules = new List<IpRule>();
        foreach (IpAddressFamily f in family is IpAddressFamily one ? [one] : new[] { IpAddressFamily.IPv4, IpAddressFamily.IPv6 })
        {
            MessageWriter w = NewRequest();
            w.BeginMessage(Rtm.GETRULE, 0);
            w.WriteStruct(new FibRuleHdr { Family = (byte)f });
            w.EndMessage();
            rules.AddRange(Socket.Dump(w, ParseRule));
        }
        foreach (IpRule r in rules) r.NetNamespace = NamespaceName;
        return rules;
    }

    internal static IpRule? ParseRule(NetlinkMessage m)
    {
        if (m.Type != Rtm.NEWRULE) return null;
        FibRuleHdr h = m.Header<FibRuleHdr>();
        var r = new IpRule { AddressFamily = (IpAddressFamily)h.Family, Table = h.Table, Action = (RuleAction)h.Action };
        foreach (NetlinkAttribute a in m.Attributes<FibRuleHdr>())
        {
            switch (a.Type)
            {
                case Fra.PRIORITY: r.Priority = a.U32(); break;
                case Fra.TABLE: r.Table = a.U32(); break;
                case Fra.SRC: r.From = FormatRulePrefix(a.Address(), h.SrcLength); break;
                case Fra.DST: r.To = FormatRulePrefix(a.Address(), h.DstLength); break;
                case Fra.IIFNAME: r.InputInterface = a.String(); break;
                case Fra.OIFNAME: r.OutputInterface = a.String(); break;
                case Fra.L3MDEV: r.L3MasterDevice = a.U8() != 0; break;
                case Fra.FWMARK: r.FirewallMark = a.U32(); break;
                case Fra.FWMASK: r.FirewallMask = a.U32(); break;
            }
        }
        return r;
    }

    // iproute2 prints a host prefix without /32 (/128).
    private static string FormatRulePrefix(System.Net.IPAddress a, int length) =>
        length == (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32) ? a.ToString() : $"{a}/{length}";

    /// <summary><c>ip rule add</c> or <c>ip rule del</c>.</summary>
    public void ModifyRule(RuleSpec spec, bool delete)
    {
        spec.Validate();
        MessageWriter w = NewRequest();
        w.BeginMessage(delete ? Rtm.DELRULE : Rtm.NEWRULE, delete ? (ushort)0 : (ushort)(Nl.NLM_F_CREATE | Nl.NLM_F_EXCL));
        // iproute2: an added table-lookup rule uses table main unless told otherwise (or l3mdev); other
        // actions (blackhole...) and deletes carry no table.
        bool lookup = (spec.Action ?? RuleAction.Table) == RuleAction.Table;
        uint? table = spec.Table ?? (delete || spec.L3MasterDevice || !lookup ? null : RouteTables.Main);
        w.WriteStruct(new FibRuleHdr
        {
            Family = (byte)spec.Family,
            SrcLength = (byte)(spec.From?.Length ?? 0),
            DstLength = (byte)(spec.To?.Length ?? 0),
            Table = table is uint t && t < 256 ? (byte)t : (byte)0,
            Action = (byte)(spec.Action ?? (delete ? RuleAction.Unspec : RuleAction.Table)),
        });
        if (table is uint big && big >= 256) w.AttrU32(Fra.TABLE, big);
        if (spec.Priority is uint prio) w.AttrU32(Fra.PRIORITY, prio);
        if (spec.From is IpPrefix from) w.AttrAddress(Fra.SRC, from.Network().Address);
        if (spec.To is IpPrefix to) w.AttrAddress(Fra.DST, to.Network().Address);
        if (spec.InputInterface != null) w.AttrString(Fra.IIFNAME, spec.InputInterface);
        if (spec.OutputInterface != null) w.AttrString(Fra.OIFNAME, spec.OutputInterface);
        if (spec.FirewallMark is uint mark) w.AttrU32(Fra.FWMARK, mark);
        if (spec.FirewallMask is uint mask) w.AttrU32(Fra.FWMASK, mask);
        if (spec.L3MasterDevice) w.AttrU8(Fra.L3MDEV, 1);
        w.EndMessage();
        Socket.Execute(w);
    }
}
