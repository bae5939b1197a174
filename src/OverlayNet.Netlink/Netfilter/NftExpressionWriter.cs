using System.Buffers.Binary;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Netfilter;

/// <summary>
/// Encodes expressions into an open NFTA_RULE_EXPRESSIONS list, in exactly the shapes the nft tool emits
/// (checked with <c>nft --debug=netlink</c>), so our rules list the same as rules a person typed.
/// </summary>
public static class NftExpressionWriter
{
    public static void Payload(MessageWriter w, uint baseHeader, uint offset, uint length) =>
        Expression(w, "payload", () =>
        {
            w.AttrU32BigEndian(Nft.PAYLOAD_DREG, Nft.REG_1);
            w.AttrU32BigEndian(Nft.PAYLOAD_BASE, baseHeader);
            w.AttrU32BigEndian(Nft.PAYLOAD_OFFSET, offset);
            w.AttrU32BigEndian(Nft.PAYLOAD_LEN, length);
        });

    public static void Cmp(MessageWriter w, uint op, ReadOnlySpan<byte> data)
    {
        byte[] copy = data.ToArray();
        Expression(w, "cmp", () =>
        {
            w.AttrU32BigEndian(Nft.CMP_SREG, Nft.REG_1);
            w.AttrU32BigEndian(Nft.CMP_OP, op);
            Data(w, Nft.CMP_DATA, copy);
        });
    }

    /// <summary><c>reg 1 = (reg 1 &amp; mask) ^ 0</c>: how nft masks a prefix or a set of ct state bits.</summary>
    public static void BitwiseMask(MessageWriter w, ReadOnlySpan<byte> mask)
    {
        byte[] m = mask.ToArray();
        Expression(w, "bitwise", () =>
        {
            w.AttrU32BigEndian(Nft.BITWISE_SREG, Nft.REG_1);
            w.AttrU32BigEndian(Nft.BITWISE_DREG, Nft.REG_1);
            w.AttrU32BigEndian(Nft.BITWISE_LEN, (uint)m.Length);
            Data(w, Nft.BITWISE_MASK, m);
            Data(w, Nft.BITWISE_XOR, new byte[m.Length]);
        });
    }

    public static void Meta(MessageWriter w, uint key) =>
        Expression(w, "meta", () =>
        {
            w.AttrU32BigEndian(Nft.META_KEY, key);
            w.AttrU32BigEndian(Nft.META_DREG, Nft.REG_1);
        });

    public static void Ct(MessageWriter w, uint key) =>
        Expression(w, "ct", () =>
        {
            w.AttrU32BigEndian(Nft.CT_KEY, key);
            w.AttrU32BigEndian(Nft.CT_DREG, Nft.REG_1);
        });

    public static void Verdict(MessageWriter w, int code) =>
        Expression(w, "immediate", () =>
        {
            w.AttrU32BigEndian(Nft.IMMEDIATE_DREG, Nft.REG_VERDICT);
            int data = w.BeginNested(Nft.IMMEDIATE_DATA);
            int verdict = w.BeginNested(Nft.DATA_VERDICT);
            w.AttrU32BigEndian(Nft.VERDICT_CODE, unchecked((uint)code));
            w.EndNested(verdict);
            w.EndNested(data);
        });

    public static void Masquerade(MessageWriter w) => Expression(w, "masq", () => { });

    private static void Data(MessageWriter w, ushort type, byte[] value)
    {
        int nest = w.BeginNested(type);
        w.Attr(Nft.DATA_VALUE, value);
        w.EndNested(nest);
    }

    private static void Expression(MessageWriter w, string name, Action writeData)
    {
        int elem = w.BeginNested(Nft.LIST_ELEM);
        w.AttrString(Nft.EXPR_NAME, name);
        int data = w.BeginNested(Nft.EXPR_DATA);
        writeData();
        w.EndNested(data);
        w.EndNested(elem);
    }

    /// <summary>A u32 as the kernel keeps ct state and other host-order register values.</summary>
    public static byte[] HostU32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }
}
