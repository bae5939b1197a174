using System.Runtime.InteropServices;

namespace OverlayNet.Netlink.Netfilter;

/// <summary>Values from linux/netfilter/nfnetlink.h and nf_tables.h that this library speaks.</summary>
public static class Nft
{
    public const byte NFNL_SUBSYS_NFTABLES = 10;
    public const ushort NFNL_MSG_BATCH_BEGIN = 0x10;
    public const ushort NFNL_MSG_BATCH_END = 0x11;

    // enum nf_tables_msg_types
    public const byte MSG_NEWTABLE = 0, MSG_GETTABLE = 1, MSG_DELTABLE = 2;
    public const byte MSG_NEWCHAIN = 3, MSG_GETCHAIN = 4, MSG_DELCHAIN = 5;
    public const byte MSG_NEWRULE = 6, MSG_GETRULE = 7, MSG_DELRULE = 8;

    /// <summary>The netlink message type of an nf_tables message: (subsystem &lt;&lt; 8) | NFT_MSG_*.</summary>
    public static ushort Type(byte msg) => (ushort)((NFNL_SUBSYS_NFTABLES << 8) | msg);

    // Families (NFPROTO_*)
    public const byte NFPROTO_UNSPEC = 0, NFPROTO_INET = 1, NFPROTO_IPV4 = 2, NFPROTO_IPV6 = 10;

    // Hooks for the ip/ip6/inet families (enum nf_inet_hooks)
    public const uint HOOK_PREROUTING = 0, HOOK_INPUT = 1, HOOK_FORWARD = 2, HOOK_OUTPUT = 3, HOOK_POSTROUTING = 4;

    // enum nft_table_attributes
    public const ushort TABLE_NAME = 1, TABLE_FLAGS = 2, TABLE_USE = 3, TABLE_HANDLE = 4;
    // enum nft_chain_attributes
    public const ushort CHAIN_TABLE = 1, CHAIN_HANDLE = 2, CHAIN_NAME = 3, CHAIN_HOOK = 4, CHAIN_POLICY = 5,
        CHAIN_USE = 6, CHAIN_TYPE = 7;
    // enum nft_hook_attributes
    public const ushort HOOK_HOOKNUM = 1, HOOK_PRIORITY = 2;
    // enum nft_rule_attributes
    public const ushort RULE_TABLE = 1, RULE_CHAIN = 2, RULE_HANDLE = 3, RULE_EXPRESSIONS = 4;
    // enum nft_list_attributes / nft_expr_attributes
    public const ushort LIST_ELEM = 1;
    public const ushort EXPR_NAME = 1, EXPR_DATA = 2;
    // enum nft_data_attributes / nft_verdict_attributes
    public const ushort DATA_VALUE = 1, DATA_VERDICT = 2;
    public const ushort VERDICT_CODE = 1, VERDICT_CHAIN = 2;

    // Expression attributes (each expression numbers its own from 1)
    public const ushort PAYLOAD_DREG = 1, PAYLOAD_BASE = 2, PAYLOAD_OFFSET = 3, PAYLOAD_LEN = 4;
    public const ushort CMP_SREG = 1, CMP_OP = 2, CMP_DATA = 3;
    public const ushort BITWISE_SREG = 1, BITWISE_DREG = 2, BITWISE_LEN = 3, BITWISE_MASK = 4, BITWISE_XOR = 5, BITWISE_OP = 6;
    public const ushort META_DREG = 1, META_KEY = 2;
    public const ushort CT_DREG = 1, CT_KEY = 2;
    public const ushort IMMEDIATE_DREG = 1, IMMEDIATE_DATA = 2;

    public const uint PAYLOAD_LL_HEADER = 0, PAYLOAD_NETWORK_HEADER = 1, PAYLOAD_TRANSPORT_HEADER = 2;
    public const uint CMP_EQ = 0, CMP_NEQ = 1;
    public const uint META_IIFNAME = 6, META_OIFNAME = 7;
    public const uint CT_STATE = 0;
    public const uint BITWISE_BOOL = 0;

    /// <summary>Registers: 0 holds the verdict; nft loads matches into the first 16-byte data register.</summary>
    public const uint REG_VERDICT = 0, REG_1 = 1;

    // Verdict codes (NF_DROP, NF_ACCEPT and the negative nft ones)
    public const int NF_DROP = 0, NF_ACCEPT = 1, NFT_CONTINUE = -1, NFT_BREAK = -2, NFT_JUMP = -3, NFT_GOTO = -4, NFT_RETURN = -5;

    /// <summary>Interface names in meta iifname/oifname compares are IFNAMSIZ bytes, NUL padded.</summary>
    public const int IFNAMSIZ = 16;

    // Chain priorities nft names (NF_IP_PRI_FILTER, NF_IP_PRI_NAT_SRC)
    public const int PRIORITY_FILTER = 0, PRIORITY_SRCNAT = 100;

    // IPv4 header offsets
    public const uint IPV4_SADDR_OFFSET = 12, IPV4_DADDR_OFFSET = 16;
}

/// <summary>struct nfgenmsg: the fixed header of every nfnetlink message. res_id is big-endian.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct NfGenMsg
{
    public byte Family;
    public byte Version;
    public ushort ResIdBigEndian;

    public NfGenMsg(byte family, ushort resId = 0)
    {
        Family = family;
        Version = 0; // NFNETLINK_V0
        ResIdBigEndian = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(resId);
    }
}
