using System.Buffers.Binary;
using System.Text;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Netfilter;

/// <summary>
/// One expression of a rule as the kernel stores it: a name (payload, cmp, meta, ct, bitwise, immediate,
/// masq...) and its attributes, kept raw so a rule nobody here understands can still be shown and removed.
/// <see cref="ToString"/> prints it the way <c>nft --debug=netlink</c> does.
/// </summary>
public sealed class NftExpression
{
    private readonly Dictionary<ushort, byte[]> _attrs;

    public NftExpression(string name, Dictionary<ushort, byte[]> attributes)
    {
        Name = name;
        _attrs = attributes;
    }

    public string Name { get; }

    /// <summary>Reads the expressions of an NFTA_RULE_EXPRESSIONS list.</summary>
    public static List<NftExpression> ParseList(AttributeEnumerator list)
    {
        var result = new List<NftExpression>();
        foreach (NetlinkAttribute elem in list)
        {
            if (elem.Type != Nft.LIST_ELEM) continue;
            string? name = null;
            var attrs = new Dictionary<ushort, byte[]>();
            foreach (NetlinkAttribute a in elem.Nested())
            {
                if (a.Type == Nft.EXPR_NAME) name = a.String();
                else if (a.Type == Nft.EXPR_DATA)
                    foreach (NetlinkAttribute d in a.Nested()) attrs[d.Type] = d.Value.ToArray();
            }
            if (name == null) throw new NetlinkProtocolException("rule expression without a name");
            result.Add(new NftExpression(name, attrs));
        }
        return result;
    }

    public bool Has(ushort type) => _attrs.ContainsKey(type);

    /// <summary>A big-endian u32 attribute (registers, keys, offsets, ops), or null when absent or malformed.</summary>
    public uint? U32(ushort type) =>
        _attrs.TryGetValue(type, out byte[]? v) && v.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(v) : null;

    /// <summary>The NFTA_DATA_VALUE bytes inside a data attribute (cmp data, bitwise mask and xor).</summary>
    public byte[]? DataValue(ushort type) => Inner(type, Nft.DATA_VALUE);

    /// <summary>The verdict code inside a data attribute (immediate data), or null when it holds no verdict.</summary>
    public int? Verdict(ushort type)
    {
        byte[]? verdict = Inner(type, Nft.DATA_VERDICT);
        if (verdict == null) return null;
        foreach (NetlinkAttribute a in new AttributeEnumerator(verdict))
            if (a.Type == Nft.VERDICT_CODE && a.Value.Length == 4) return (int)a.U32BigEndian();
        return null;
    }

    private byte[]? Inner(ushort type, ushort inner)
    {
        if (!_attrs.TryGetValue(type, out byte[]? v)) return null;
        foreach (NetlinkAttribute a in new AttributeEnumerator(v))
            if (a.Type == inner) return a.Value.ToArray();
        return null;
    }

    public override string ToString() => Name switch
    {
        "payload" => $"payload load {U32(Nft.PAYLOAD_LEN)}b @ {BaseName(U32(Nft.PAYLOAD_BASE))} header + {U32(Nft.PAYLOAD_OFFSET)} => reg {U32(Nft.PAYLOAD_DREG)}",
        "cmp" => $"cmp {CmpOpName(U32(Nft.CMP_OP))} reg {U32(Nft.CMP_SREG)} {Hex(DataValue(Nft.CMP_DATA))}",
        "bitwise" => $"bitwise reg {U32(Nft.BITWISE_DREG)} = ( reg {U32(Nft.BITWISE_SREG)} & {Hex(DataValue(Nft.BITWISE_MASK))} ) ^ {Hex(DataValue(Nft.BITWISE_XOR))}",
        "meta" => $"meta load {MetaKeyName(U32(Nft.META_KEY))} => reg {U32(Nft.META_DREG)}",
        "ct" => $"ct load {(U32(Nft.CT_KEY) == Nft.CT_STATE ? "state" : "key " + U32(Nft.CT_KEY))} => reg {U32(Nft.CT_DREG)}",
        "immediate" when Verdict(Nft.IMMEDIATE_DATA) is int code => $"immediate reg {U32(Nft.IMMEDIATE_DREG)} {VerdictName(code)}",
        "masq" when _attrs.Count == 0 => "masq",
        _ => Name + string.Concat(_attrs.OrderBy(a => a.Key).Select(a => $" {a.Key}={Convert.ToHexString(a.Value).ToLowerInvariant()}")),
    };

    private static string BaseName(uint? b) => b switch
    {
        Nft.PAYLOAD_LL_HEADER => "link",
        Nft.PAYLOAD_NETWORK_HEADER => "network",
        Nft.PAYLOAD_TRANSPORT_HEADER => "transport",
        _ => $"base {b}",
    };

    private static string CmpOpName(uint? op) => op switch { 0 => "eq", 1 => "neq", 2 => "lt", 3 => "lte", 4 => "gt", 5 => "gte", _ => $"op{op}" };

    private static string MetaKeyName(uint? key) => key switch
    {
        Nft.META_IIFNAME => "iifname",
        Nft.META_OIFNAME => "oifname",
        4 => "iif",
        5 => "oif",
        3 => "mark",
        15 => "nfproto",
        16 => "l4proto",
        _ => $"key {key}",
    };

    public static string VerdictName(int code) => code switch
    {
        Nft.NF_ACCEPT => "accept",
        Nft.NF_DROP => "drop",
        Nft.NFT_CONTINUE => "continue",
        Nft.NFT_RETURN => "return",
        Nft.NFT_JUMP => "jump",
        Nft.NFT_GOTO => "goto",
        _ => $"verdict {code}",
    };

    /// <summary>Data as nft prints it: 32-bit words in host (little-endian) order, the last one zero padded.</summary>
    private static string Hex(byte[]? data)
    {
        if (data == null) return "(none)";
        var sb = new StringBuilder();
        for (int i = 0; i < data.Length; i += 4)
        {
            Span<byte> word = stackalloc byte[4];
            word.Clear();
            data.AsSpan(i, Math.Min(4, data.Length - i)).CopyTo(word);
            if (i > 0) sb.Append(' ');
            sb.Append("0x").Append(BinaryPrimitives.ReadUInt32LittleEndian(word).ToString("x8"));
        }
        return sb.ToString();
    }
}
