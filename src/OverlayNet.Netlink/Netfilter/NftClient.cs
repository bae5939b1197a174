using OverlayNet.Netlink.Interop;
using System.Buffers.Binary;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Netfilter;

/// <summary>A base chain of OverlayNet's table: its name, type, hook and priority.</summary>
public sealed record NftChain(string Name, string Type, uint Hook, int Priority)
{
    /// <summary><c>type nat hook postrouting priority srcnat</c>: where iptables' nat POSTROUTING sits.</summary>
    public static readonly NftChain NatPostrouting = new("postrouting", "nat", Nft.HOOK_POSTROUTING, Nft.PRIORITY_SRCNAT);

    /// <summary><c>type filter hook forward priority filter</c>: where iptables' filter FORWARD sits.</summary>
    public static readonly NftChain FilterForward = new("forward", "filter", Nft.HOOK_FORWARD, Nft.PRIORITY_FILTER);
}

/// <summary>A rule as read from the kernel: its handle, its raw expressions and, when we understand it, its spec.</summary>
public sealed class NftRule
{
    public ulong Handle { get; init; }
    public string Chain { get; init; } = "";
    public IReadOnlyList<NftExpression> Expressions { get; init; } = [];
    public NftRuleSpec? Spec { get; init; }
}

/// <summary>
/// nf_tables operations on OverlayNet's own table (<c>table ip overlaynet</c>) in one namespace. Every
/// change is one atomic transaction that also (re)creates the table and the base chain it needs, so the
/// table can be made on first use, or removed behind our back, and an add still works; and a refusal
/// anywhere leaves the ruleset exactly as it was. Rules of other tables are never read or touched.
/// </summary>
public sealed class NftClient : IDisposable
{
    public const string TableName = "overlaynet";

    /// <summary>
    /// The ip (IPv4) family: the seeds are IPv4 only, iptables-nft keeps its nat and filter tables there too,
    /// and in an inet table every address match would need an extra "meta nfproto ipv4" guard.
    /// </summary>
    public const byte Family = Nft.NFPROTO_IPV4;

    private readonly NetlinkSocket _socket;
    private readonly MessageWriter _writer = new();

    private NftClient(NetlinkSocket socket) => _socket = socket;

    /// <summary>Opens an nfnetlink socket inside the namespace at <paramref name="nsPath"/> (null: the calling thread's).</summary>
    public static NftClient Open(string? nsPath) =>
        new(NetNamespaceRunner.Run(nsPath, () => NetlinkSocket.Open(Nl.NETLINK_NETFILTER)));

    /// <summary>Appends a rule to <paramref name="chain"/>, creating the table and chain if missing; returns the new rule's handle.</summary>
    public ulong AddRule(NftChain chain, NftRuleSpec rule) => AddRules(chain, [rule])[0];

    /// <summary>
    /// Appends rules to <paramref name="chain"/> in one transaction (with the table and chain, if missing):
    /// if the kernel refuses any of them, none is added and nothing else changes. Returns the new handles in order.
    /// </summary>
    public ulong[] AddRules(NftChain chain, IReadOnlyList<NftRuleSpec> rules)
    {
        foreach (NftRuleSpec rule in rules) rule.Validate();
        MessageWriter w = BeginBatch();
        WriteEnsureChain(w, chain);
        const int firstRule = 2; // after the table and the chain
        foreach (NftRuleSpec rule in rules)
        {
            w.BeginMessage(Nft.Type(Nft.MSG_NEWRULE), Nl.NLM_F_CREATE | Nl.NLM_F_APPEND | Nl.NLM_F_ECHO);
            w.WriteStruct(new NfGenMsg(Family));
            w.AttrString(Nft.RULE_TABLE, TableName);
            w.AttrString(Nft.RULE_CHAIN, chain.Name);
            int exprs = w.BeginNested(Nft.RULE_EXPRESSIONS);
            rule.Encode(w);
            w.EndNested(exprs);
            w.EndMessage();
        }
        EndBatch(w);
        var handles = new ulong?[rules.Count];
        _socket.ExecuteTransaction(w, (m, index) =>
        {
            int r = index - firstRule;
            if (r < 0 || r >= rules.Count || m.Type != Nft.Type(Nft.MSG_NEWRULE)) return;
            foreach (NetlinkAttribute a in m.Attributes<NfGenMsg>())
                if (a.Type == Nft.RULE_HANDLE && a.Value.Length == 8) handles[r] = BinaryPrimitives.ReadUInt64BigEndian(a.Value);
        });
        return handles.Select(h => h ?? throw new NetlinkProtocolException("the kernel did not echo the handle of a new rule")).ToArray();
    }

    /// <summary>Creates the table and a base chain (idempotent: NLM_F_CREATE without NLM_F_EXCL), nothing else.</summary>
    public void EnsureChain(NftChain chain)
    {
        MessageWriter w = BeginBatch();
        WriteEnsureChain(w, chain);
        EndBatch(w);
        _socket.ExecuteTransaction(w);
    }

    /// <summary>The rules of one chain of our table, in order; empty when the table or chain does not exist.</summary>
    public List<NftRule> ListRules(NftChain chain)
    {
        MessageWriter w = Reset();
        w.BeginMessage(Nft.Type(Nft.MSG_GETRULE), 0);
        w.WriteStruct(new NfGenMsg(Family));
        w.AttrString(Nft.RULE_TABLE, TableName);
        w.AttrString(Nft.RULE_CHAIN, chain.Name);
        w.EndMessage();
        try
        {
            return _socket.Dump(w, ParseRule);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOENT) // ENOENT: no table or chain of that name
        {
            return [];
        }
    }

    /// <summary>
    /// The rules of <paramref name="chain"/> exactly like <paramref name="spec"/>: an add checks there is none
    /// (no duplicates), a remove by parameters takes them all.
    /// </summary>
    public List<NftRule> FindRules(NftChain chain, NftRuleSpec spec) => ListRules(chain).Where(r => spec.Equals(r.Spec)).ToList();

    /// <summary>Deletes rules by handle from one chain, all in one transaction: either all go or none.</summary>
    public void DeleteRules(NftChain chain, IReadOnlyList<ulong> handles)
    {
        if (handles.Count == 0) return;
        MessageWriter w = BeginBatch();
        foreach (ulong handle in handles)
        {
            w.BeginMessage(Nft.Type(Nft.MSG_DELRULE), 0);
            w.WriteStruct(new NfGenMsg(Family));
            w.AttrString(Nft.RULE_TABLE, TableName);
            w.AttrString(Nft.RULE_CHAIN, chain.Name);
            Span<byte> h = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(h, handle);
            w.Attr(Nft.RULE_HANDLE, h);
            w.EndMessage();
        }
        EndBatch(w);
        try
        {
            _socket.ExecuteTransaction(w);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOENT)
        {
            string which = e.Data["RequestIndex"] is int i && i < handles.Count ? handles[i].ToString() : string.Join(", ", handles);
            throw new NetlinkException(2, $"table ip {TableName} has no rule with handle {which} in chain {chain.Name}" +
                (e.KernelMessage != null ? $": {e.KernelMessage}" : ""));
        }
    }

    internal static NftRule? ParseRule(NetlinkMessage m)
    {
        if (m.Type != Nft.Type(Nft.MSG_NEWRULE)) return null;
        ulong handle = 0;
        string chain = "";
        List<NftExpression> exprs = [];
        foreach (NetlinkAttribute a in m.Attributes<NfGenMsg>())
        {
            switch (a.Type)
            {
                case Nft.RULE_HANDLE when a.Value.Length == 8: handle = BinaryPrimitives.ReadUInt64BigEndian(a.Value); break;
                case Nft.RULE_CHAIN: chain = a.String(); break;
                case Nft.RULE_EXPRESSIONS: exprs = NftExpression.ParseList(a.Nested()); break;
            }
        }
        return new NftRule { Handle = handle, Chain = chain, Expressions = exprs, Spec = NftRuleSpec.TryDecode(exprs) };
    }

    private static void WriteEnsureChain(MessageWriter w, NftChain chain)
    {
        w.BeginMessage(Nft.Type(Nft.MSG_NEWTABLE), Nl.NLM_F_CREATE);
        w.WriteStruct(new NfGenMsg(Family));
        w.AttrString(Nft.TABLE_NAME, TableName);
        w.EndMessage();

        w.BeginMessage(Nft.Type(Nft.MSG_NEWCHAIN), Nl.NLM_F_CREATE);
        w.WriteStruct(new NfGenMsg(Family));
        w.AttrString(Nft.CHAIN_TABLE, TableName);
        w.AttrString(Nft.CHAIN_NAME, chain.Name);
        int hook = w.BeginNested(Nft.CHAIN_HOOK);
        w.AttrU32BigEndian(Nft.HOOK_HOOKNUM, chain.Hook);
        w.AttrU32BigEndian(Nft.HOOK_PRIORITY, unchecked((uint)chain.Priority));
        w.EndNested(hook);
        w.AttrString(Nft.CHAIN_TYPE, chain.Type);
        w.EndMessage();
    }

    private MessageWriter Reset()
    {
        _writer.Reset();
        return _writer;
    }

    private MessageWriter BeginBatch()
    {
        MessageWriter w = Reset();
        w.BeginMessage(Nft.NFNL_MSG_BATCH_BEGIN, 0);
        w.WriteStruct(new NfGenMsg(Nft.NFPROTO_UNSPEC, Nft.NFNL_SUBSYS_NFTABLES));
        w.EndMessage();
        return w;
    }

    private static void EndBatch(MessageWriter w)
    {
        w.BeginMessage(Nft.NFNL_MSG_BATCH_END, 0);
        w.WriteStruct(new NfGenMsg(Nft.NFPROTO_UNSPEC, Nft.NFNL_SUBSYS_NFTABLES));
        w.EndMessage();
    }

    public void Dispose()
    {
        _socket.Dispose();
        _writer.Dispose();
    }
}
