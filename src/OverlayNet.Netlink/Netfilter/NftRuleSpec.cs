using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Netfilter;

/// <summary>What a rule ends with: a verdict or masquerade.</summary>
public enum NftRuleAction
{
    Accept,
    Drop,
    Masquerade,
}

/// <summary>The fields of a <see cref="NftRuleSpec"/> a filter compares (<see cref="NftRuleSpec.Matches"/>).</summary>
[Flags]
public enum NftRuleFields
{
    None = 0, Source = 1, Destination = 2, InInterface = 4, OutInterface = 8, ConnectionState = 16, Action = 32,
}

/// <summary>
/// The rules OverlayNet writes, in words: match on input/output interface names, IPv4 source and
/// destination prefixes (each possibly negated) and connection-tracking states, then accept, drop or
/// masquerade. <see cref="Encode"/> writes the expressions nft itself would write for the same rule;
/// <see cref="TryDecode"/> reads them back, from nft's or ours, and gives up (null) on anything else.
/// </summary>
public sealed record NftRuleSpec
{
    public string? InInterface { get; init; }
    public string? OutInterface { get; init; }
    public IpPrefix? Source { get; init; }
    public bool SourceNegated { get; init; }
    public IpPrefix? Destination { get; init; }
    public bool DestinationNegated { get; init; }
    public ConnectionState? ConnectionState { get; init; }
    public NftRuleAction Action { get; init; }

    /// <summary>
    /// True when <paramref name="rule"/> has this spec's value in every field of <paramref name="given"/> (the
    /// fields a user named to filter a listing); the other fields may be anything.
    /// </summary>
    public bool Matches(NftRuleSpec? rule, NftRuleFields given) =>
        rule != null
        && (!given.HasFlag(NftRuleFields.Source) || Nullable.Equals(rule.Source, Source))
        && (!given.HasFlag(NftRuleFields.Destination) || Nullable.Equals(rule.Destination, Destination))
        && (!given.HasFlag(NftRuleFields.InInterface) || rule.InInterface == InInterface)
        && (!given.HasFlag(NftRuleFields.OutInterface) || rule.OutInterface == OutInterface)
        && (!given.HasFlag(NftRuleFields.ConnectionState) || rule.ConnectionState == ConnectionState)
        && (!given.HasFlag(NftRuleFields.Action) || rule.Action == Action);

    /// <summary>Rejects what the encoder cannot express (IPv6 in an ip-family table, empty state sets...).</summary>
    public void Validate()
    {
        foreach (var (what, p) in new[] { ("source", Source), ("destination", Destination) })
        {
            if (p is not IpPrefix prefix) continue;
            if (prefix.Address.AddressFamily != AddressFamily.InterNetwork)
                throw new ArgumentException($"The {what} prefix {prefix} is not IPv4; OverlayNet's firewall table is of the ip (IPv4) family.");
            if (prefix.Length == 0)
                throw new ArgumentException($"The {what} prefix {prefix} matches every address; leave it out instead.");
            if (!prefix.Network().Equals(prefix))
                throw new ArgumentException($"The {what} prefix {prefix} has host bits set; the network is {prefix.Network()}.");
        }
        if (ConnectionState is ConnectionState s && s == 0)
            throw new ArgumentException("An empty set of connection states matches nothing.");
        foreach (string? name in new[] { InInterface, OutInterface })
            if (name != null) ValidateInterfacePattern(name);
    }

    /// <summary>An interface name, or a prefix of one followed by * (<c>veth*</c>), as nft's iifname/oifname take.</summary>
    public static void ValidateInterfacePattern(string name)
    {
        string stem = name.EndsWith('*') ? name[..^1] : name;
        if (stem.Length == 0 && name.Length > 0)
            throw new ArgumentException("An interface pattern of only '*' matches every interface; leave it out instead.");
        if (stem.Contains('*'))
            throw new ArgumentException($"Interface pattern '{name}' may have a '*' only at its end.");
        InterfaceNames.Validate(stem);
    }

    /// <summary>Writes this rule's expressions into an open NFTA_RULE_EXPRESSIONS list.</summary>
    public void Encode(MessageWriter w)
    {
        if (InInterface != null) EncodeInterface(w, Nft.META_IIFNAME, InInterface);
        if (OutInterface != null) EncodeInterface(w, Nft.META_OIFNAME, OutInterface);
        if (Source is IpPrefix src) EncodePrefix(w, Nft.IPV4_SADDR_OFFSET, src, SourceNegated);
        if (Destination is IpPrefix dst) EncodePrefix(w, Nft.IPV4_DADDR_OFFSET, dst, DestinationNegated);
        if (ConnectionState is ConnectionState states)
        {
            // nft's "ct state a,b": mask the state bits, then "not zero".
            NftExpressionWriter.Ct(w, Nft.CT_STATE);
            NftExpressionWriter.BitwiseMask(w, NftExpressionWriter.HostU32((uint)states));
            NftExpressionWriter.Cmp(w, Nft.CMP_NEQ, new byte[4]);
        }
        switch (Action)
        {
            case NftRuleAction.Masquerade: NftExpressionWriter.Masquerade(w); break;
            case NftRuleAction.Accept: NftExpressionWriter.Verdict(w, Nft.NF_ACCEPT); break;
            case NftRuleAction.Drop: NftExpressionWriter.Verdict(w, Nft.NF_DROP); break;
        }
    }

    private static void EncodeInterface(MessageWriter w, uint key, string name)
    {
        NftExpressionWriter.Meta(w, key);
        // An exact name is compared with its NUL padding (all IFNAMSIZ bytes); a "prefix*" pattern only on the prefix.
        byte[] bytes = name.EndsWith('*')
            ? Encoding.UTF8.GetBytes(name[..^1])
            : Encoding.UTF8.GetBytes(name).Concat(new byte[Nft.IFNAMSIZ]).Take(Nft.IFNAMSIZ).ToArray();
        NftExpressionWriter.Cmp(w, Nft.CMP_EQ, bytes);
    }

    private static void EncodePrefix(MessageWriter w, uint offset, IpPrefix prefix, bool negated)
    {
        byte[] addr = prefix.Address.GetAddressBytes();
        uint op = negated ? Nft.CMP_NEQ : Nft.CMP_EQ;
        if (prefix.Length % 8 == 0)
        {
            // Byte-aligned: nft loads only the prefix bytes and compares them, no mask.
            int bytes = prefix.Length / 8;
            NftExpressionWriter.Payload(w, Nft.PAYLOAD_NETWORK_HEADER, offset, (uint)bytes);
            NftExpressionWriter.Cmp(w, op, addr.AsSpan(0, bytes));
            return;
        }
        NftExpressionWriter.Payload(w, Nft.PAYLOAD_NETWORK_HEADER, offset, 4);
        var mask = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(mask, uint.MaxValue << (32 - prefix.Length));
        NftExpressionWriter.BitwiseMask(w, mask);
        NftExpressionWriter.Cmp(w, op, addr);
    }

    /// <summary>Reads a rule's expressions back into a spec, or null when the rule is not one of the shapes above.</summary>
    public static NftRuleSpec? TryDecode(IReadOnlyList<NftExpression> exprs)
    {
        var spec = new NftRuleSpec();
        bool haveAction = false;
        int i = 0;
        while (i < exprs.Count)
        {
            if (haveAction) return null; // nothing may follow the action
            NftExpression e = exprs[i];
            NftExpression? next = i + 1 < exprs.Count ? exprs[i + 1] : null;
            NftExpression? third = i + 2 < exprs.Count ? exprs[i + 2] : null;
            switch (e.Name)
            {
                case "meta" when next is { Name: "cmp" } && IsReg1Load(e, Nft.META_DREG):
                {
                    uint? key = e.U32(Nft.META_KEY);
                    string? name = DecodeInterface(next);
                    if (name == null) return null;
                    if (key == Nft.META_IIFNAME && spec.InInterface == null) spec = spec with { InInterface = name };
                    else if (key == Nft.META_OIFNAME && spec.OutInterface == null) spec = spec with { OutInterface = name };
                    else return null;
                    i += 2;
                    break;
                }
                case "payload" when IsReg1Load(e, Nft.PAYLOAD_DREG) && e.U32(Nft.PAYLOAD_BASE) == Nft.PAYLOAD_NETWORK_HEADER:
                {
                    bool masked = next is { Name: "bitwise" };
                    NftExpression? cmp = masked ? third : next;
                    if (cmp is not { Name: "cmp" }) return null;
                    (IpPrefix prefix, bool negated)? p = DecodePrefix(e, masked ? next : null, cmp);
                    if (p == null) return null;
                    uint? offset = e.U32(Nft.PAYLOAD_OFFSET);
                    if (offset == Nft.IPV4_SADDR_OFFSET && spec.Source == null)
                        spec = spec with { Source = p.Value.prefix, SourceNegated = p.Value.negated };
                    else if (offset == Nft.IPV4_DADDR_OFFSET && spec.Destination == null)
                        spec = spec with { Destination = p.Value.prefix, DestinationNegated = p.Value.negated };
                    else return null;
                    i += masked ? 3 : 2;
                    break;
                }
                case "ct" when IsReg1Load(e, Nft.CT_DREG) && e.U32(Nft.CT_KEY) == Nft.CT_STATE && spec.ConnectionState == null:
                {
                    uint? states = DecodeStateMask(next, third);
                    if (states == null) return null;
                    spec = spec with { ConnectionState = (ConnectionState)states.Value };
                    i += 3;
                    break;
                }
                case "masq" when !e.Has(1) && !e.Has(2) && !e.Has(3):
                    spec = spec with { Action = NftRuleAction.Masquerade };
                    haveAction = true;
                    i++;
                    break;
                case "immediate" when e.U32(Nft.IMMEDIATE_DREG) == Nft.REG_VERDICT:
                {
                    int? code = e.Verdict(Nft.IMMEDIATE_DATA);
                    if (code == Nft.NF_ACCEPT) spec = spec with { Action = NftRuleAction.Accept };
                    else if (code == Nft.NF_DROP) spec = spec with { Action = NftRuleAction.Drop };
                    else return null;
                    haveAction = true;
                    i++;
                    break;
                }
                default:
                    return null;
            }
        }
        return haveAction ? spec : null;
    }

    private static bool IsReg1Load(NftExpression e, ushort dregAttr) => e.U32(dregAttr) == Nft.REG_1;

    private static bool IsReg1Cmp(NftExpression cmp) => cmp.U32(Nft.CMP_SREG) == Nft.REG_1;

    private static string? DecodeInterface(NftExpression cmp)
    {
        byte[]? data = cmp.DataValue(Nft.CMP_DATA);
        if (data == null || !IsReg1Cmp(cmp) || cmp.U32(Nft.CMP_OP) != Nft.CMP_EQ || data.Length == 0 || data.Length > Nft.IFNAMSIZ) return null;
        int nul = Array.IndexOf(data, (byte)0);
        if (nul < 0) return Encoding.UTF8.GetString(data) + "*"; // a prefix compare: nft's "eth*"
        if (nul == 0 || data.Length != Nft.IFNAMSIZ || data.AsSpan(nul).ContainsAnyExcept((byte)0)) return null;
        return Encoding.UTF8.GetString(data, 0, nul);
    }

    private static (IpPrefix, bool)? DecodePrefix(NftExpression payload, NftExpression? bitwise, NftExpression cmp)
    {
        uint len = payload.U32(Nft.PAYLOAD_LEN) ?? 0;
        byte[]? value = cmp.DataValue(Nft.CMP_DATA);
        uint? op = cmp.U32(Nft.CMP_OP);
        if (len is 0 or > 4 || value == null || value.Length != len || !IsReg1Cmp(cmp) || op is not (Nft.CMP_EQ or Nft.CMP_NEQ)) return null;
        var addr = new byte[4];
        value.CopyTo(addr, 0);
        int prefixLength = (int)len * 8;
        if (bitwise != null)
        {
            byte[]? mask = bitwise.DataValue(Nft.BITWISE_MASK);
            byte[]? xor = bitwise.DataValue(Nft.BITWISE_XOR);
            if (len != 4 || mask is not { Length: 4 } || xor is not { Length: 4 } || xor.AsSpan().ContainsAnyExcept((byte)0)
                || bitwise.U32(Nft.BITWISE_SREG) != Nft.REG_1 || bitwise.U32(Nft.BITWISE_DREG) != Nft.REG_1
                || (bitwise.U32(Nft.BITWISE_OP) ?? Nft.BITWISE_BOOL) != Nft.BITWISE_BOOL)
                return null;
            uint m = BinaryPrimitives.ReadUInt32BigEndian(mask);
            prefixLength = BitOperations.PopCount(m);
            if (m != (prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength))) return null; // not a prefix mask
            if ((BinaryPrimitives.ReadUInt32BigEndian(addr) & ~m) != 0) return null; // compare could never match
        }
        return (new IpPrefix(new IPAddress(addr), prefixLength), op == Nft.CMP_NEQ);
    }

    private static uint? DecodeStateMask(NftExpression? bitwise, NftExpression? cmp)
    {
        if (bitwise is not { Name: "bitwise" } || cmp is not { Name: "cmp" }) return null;
        byte[]? mask = bitwise.DataValue(Nft.BITWISE_MASK);
        byte[]? xor = bitwise.DataValue(Nft.BITWISE_XOR);
        byte[]? zero = cmp.DataValue(Nft.CMP_DATA);
        if (mask is not { Length: 4 } || xor is not { Length: 4 } || zero is not { Length: 4 }) return null;
        if (xor.AsSpan().ContainsAnyExcept((byte)0) || zero.AsSpan().ContainsAnyExcept((byte)0)) return null;
        if (cmp.U32(Nft.CMP_OP) != Nft.CMP_NEQ || !IsReg1Cmp(cmp)) return null;
        uint states = BinaryPrimitives.ReadUInt32LittleEndian(mask);
        return states == 0 ? null : states;
    }
}
