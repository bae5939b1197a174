using System.Net;
using System.Runtime.InteropServices;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Tests.Support;

namespace OverlayNet.Netlink.Tests.Protocol;

/// <summary>
/// Byte-exact checks of the encoder. Expected bytes follow linux/netlink.h: struct nlmsghdr is
/// {u32 len, u16 type, u16 flags, u32 seq, u32 pid} in host (little-endian) order; struct nlattr is
/// {u16 len, u16 type} with len counting the 4-byte header plus the value but not the padding to NLA_ALIGNTO (4).
/// </summary>
public class MessageWriterTests
{
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct ThreeBytes { public byte A, B, C; }

    private static byte[] OneAttribute(Action<MessageWriter> write) => Messages.Written(write);

    [Fact]
    public void Empty_message_is_a_bare_header_with_its_length_and_NLM_F_REQUEST()
    {
        byte[] bytes = Messages.Written(w => { w.BeginMessage(0x12, 0x300); w.EndMessage(); });
        Assert.Equal(Hex.Parse("10000000 1200 0103 00000000 00000000"), bytes);
    }

    [Fact]
    public void Message_length_covers_header_struct_and_attributes()
    {
        using var w = new MessageWriter();
        int start = w.BeginMessage(16, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL);
        w.WriteStruct(new OverlayNet.Netlink.Route.IfInfoMsg { Family = 0, Index = 7, Flags = 1, Change = 1 });
        w.AttrU32(4, 1500);
        w.EndMessage();
        Assert.Equal(0, start);
        Assert.Equal(1, w.MessageCount);
        Assert.Equal(Hex.Parse("""
            28000000 1000 0106 00000000 00000000   # len 40, RTM_NEWLINK, REQUEST|EXCL|CREATE
            00 00 0000 07000000 01000000 01000000  # ifinfomsg: family, pad, type, index 7, flags UP, change UP
            0800 0400 dc050000                     # IFLA_MTU 1500
            """), w.WrittenSpan.ToArray());
    }

    [Fact]
    public void Struct_of_odd_size_is_zero_padded_to_four_bytes()
    {
        byte[] bytes = Messages.Written(w => w.WriteStruct(new ThreeBytes { A = 1, B = 2, C = 3 }));
        Assert.Equal(Hex.Parse("01020300"), bytes);
    }

    public static TheoryData<string, string> ScalarAttributes => new()
    {
        { "u8", "0500 0100 2a 000000" },
        { "u16", "0600 0100 3412 0000" },
        { "u32", "0800 0100 78563412" },
        { "s32", "0800 0100 ffffffff" },
        { "u64", "0c00 0100 efcdab8967452301" },
        { "flag", "0400 0100" },
        { "u16be", "0600 0100 12b5 0000" },
        { "u32be", "0800 0100 0a000001" },
        { "bytes", "0900 0100 0102030405 000000" },
    };

    [Theory]
    [MemberData(nameof(ScalarAttributes))]
    public void Scalar_attributes_have_exact_length_and_zero_padding(string kind, string expected)
    {
        byte[] bytes = OneAttribute(w =>
        {
            switch (kind)
            {
                case "u8": w.AttrU8(1, 42); break;
                case "u16": w.AttrU16(1, 0x1234); break;
                case "u32": w.AttrU32(1, 0x12345678); break;
                case "s32": w.AttrS32(1, -1); break;
                case "u64": w.AttrU64(1, 0x0123456789abcdef); break;
                case "flag": w.AttrFlag(1); break;
                case "u16be": w.AttrU16BigEndian(1, 4789); break; // the VXLAN port, network order
                case "u32be": w.AttrU32BigEndian(1, 0x0a000001); break;
                case "bytes": w.Attr(1, [1, 2, 3, 4, 5]); break;
            }
        });
        Assert.Equal(Hex.Parse(expected), bytes);
    }

    [Fact]
    public void Padding_is_zero_even_in_a_reused_buffer()
    {
        using var w = new MessageWriter(64);
        w.Attr(1, Enumerable.Repeat((byte)0xff, 12).ToArray());
        w.Reset();
        w.AttrU8(2, 0xaa);
        Assert.Equal(Hex.Parse("0500 0200 aa 000000"), w.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData("eth0", "0900 0300 65746830 00 000000")]          // 4 chars + NUL = 9, padded to 12
    [InlineData("abc", "0800 0300 616263 00")]                     // exactly aligned: no padding
    [InlineData("", "0500 0300 00 000000")]                        // the NUL alone
    [InlineData("é", "0700 0300 c3a9 00 00")]                      // UTF-8, two bytes
    [InlineData("a\u20acb", "0a00 0300 61e282ac62 00 0000")]       // a 3-byte code point: 5 bytes + NUL
    public void Strings_are_utf8_with_a_terminating_nul(string value, string expected)
    {
        Assert.Equal(Hex.Parse(expected), OneAttribute(w => w.AttrString(3, value)));
    }

    [Fact]
    public void Long_strings_take_the_heap_path_and_keep_their_nul()
    {
        string text = new('x', 300);
        byte[] bytes = OneAttribute(w => w.AttrString(20, text));
        Assert.Equal(4 + 301, BitConverter.ToUInt16(bytes, 0));
        Assert.Equal(0, bytes[4 + 300]);
        Assert.Equal(Nl.Align(305), bytes.Length);
    }

    [Fact]
    public void Addresses_are_written_in_network_order_at_their_natural_size()
    {
        Assert.Equal(Hex.Parse("0800 0200 0a000102"), OneAttribute(w => w.AttrAddress(2, IPAddress.Parse("10.0.1.2"))));
        Assert.Equal(Hex.Parse("1400 0100 fd000000000000000000000000000001"),
            OneAttribute(w => w.AttrAddress(1, IPAddress.Parse("fd00::1"))));
    }

    [Fact]
    public void Nested_lengths_cover_their_children_and_carry_NLA_F_NESTED()
    {
        byte[] bytes = Messages.Written(w =>
        {
            int outer = w.BeginNested(18);
            w.AttrString(1, "veth");
            int inner = w.BeginNested(2);
            w.AttrU8(7, 1);
            w.EndNested(inner);
            w.EndNested(outer);
        });
        Assert.Equal(Hex.Parse("""
            1c00 1280                 # IFLA_LINKINFO|NLA_F_NESTED, 28 bytes
              0900 0100 76657468 00 000000
              0c00 0280               # IFLA_INFO_DATA|NLA_F_NESTED, 12 bytes
                0500 0700 01 000000
            """), bytes);
    }

    [Fact]
    public void Legacy_nest_has_no_NLA_F_NESTED_bit()
    {
        byte[] bytes = Messages.Written(w => { int n = w.BeginNestedLegacy(1); w.AttrU32(3, 5); w.EndNested(n); });
        Assert.Equal(Hex.Parse("0c00 0100 0800 0300 05000000"), bytes);
    }

    [Fact]
    public void Empty_nest_is_a_bare_header()
    {
        Assert.Equal(Hex.Parse("0400 0280"), Messages.Written(w => w.EndNested(w.BeginNested(2))));
    }

    [Fact]
    public void CancelNested_leaves_the_bytes_as_if_the_nest_was_never_begun()
    {
        byte[] cancelled = Messages.Written(w =>
        {
            w.BeginMessage(16, 0);
            w.AttrU32(4, 1500);
            int nest = w.BeginNested(2);
            w.CancelNested(nest);
            w.AttrU8(17, 1);
            w.EndMessage();
        });
        byte[] plain = Messages.Written(w => { w.BeginMessage(16, 0); w.AttrU32(4, 1500); w.AttrU8(17, 1); w.EndMessage(); });
        Assert.Equal(plain, cancelled);
    }

    [Fact]
    public void Rollback_drops_a_half_written_message_and_keeps_earlier_ones()
    {
        using var w = new MessageWriter();
        w.BeginMessage(16, 0);
        w.AttrU32(4, 1);
        w.EndMessage();
        byte[] first = w.WrittenSpan.ToArray();

        int second = w.BeginMessage(16, 0);
        w.AttrString(3, "half-written");
        w.BeginNested(18);
        w.Rollback(second);

        Assert.Equal(first, w.WrittenSpan.ToArray());
        Assert.Equal(1, w.MessageCount);
        // The writer is usable again: a new message may start where the dropped one was.
        Assert.Equal(first.Length, w.BeginMessage(17, 0));
        w.EndMessage();
        Assert.Equal(2, w.MessageCount);
    }

    [Fact]
    public void Messages_follow_each_other_at_aligned_offsets_with_their_own_lengths()
    {
        using var w = new MessageWriter();
        w.BeginMessage(16, 0); w.AttrU8(1, 1); w.EndMessage();
        int second = w.BeginMessage(17, 0); w.EndMessage();
        Assert.Equal(24, second);
        var lengths = new List<(ushort Type, int Length)>();
        foreach (NetlinkMessage m in new MessageEnumerator(w.WrittenSpan))
            lengths.Add((m.Type, m.Payload.Length + Nl.HeaderLength));
        Assert.Equal([(16, 24), (17, 16)], lengths);
    }

    [Fact]
    public void Buffer_grows_and_keeps_what_was_written()
    {
        using var w = new MessageWriter(16);
        w.BeginMessage(16, 0);
        for (uint i = 0; i < 1000; i++) w.AttrU32(4, i);
        w.EndMessage();
        Assert.Equal(16 + 8000, w.Length);
        NetlinkMessage m = Messages.Single(w.WrittenSpan.ToArray());
        uint expected = 0;
        foreach (NetlinkAttribute a in new AttributeEnumerator(m.Payload)) Assert.Equal(expected++, a.U32());
        Assert.Equal(1000u, expected);
    }

    [Fact]
    public void Misuse_is_reported()
    {
        using var w = new MessageWriter();
        Assert.Throws<InvalidOperationException>(() => w.EndMessage());
        w.BeginMessage(16, 0);
        Assert.Throws<InvalidOperationException>(() => w.BeginMessage(16, 0));
        Assert.Throws<ArgumentException>(() => w.Attr(1, new byte[ushort.MaxValue]));
        int nest = w.BeginNested(1);
        w.Attr(2, new byte[40000]);
        w.Attr(2, new byte[40000]);
        Assert.Throws<ArgumentException>(() => w.EndNested(nest));
    }

    [Fact]
    public void Written_values_read_back_through_the_reader()
    {
        byte[] bytes = Messages.Written(w =>
        {
            w.BeginMessage(16, 0);
            w.AttrU8(1, 0xfe); w.AttrU16(2, 0xbeef); w.AttrU32(3, 0xdeadbeef); w.AttrS32(4, -5);
            w.AttrU64(5, ulong.MaxValue - 1); w.AttrU16BigEndian(6, 8472); w.AttrU32BigEndian(7, 0xc0a80001);
            w.AttrString(8, "überlang"); w.AttrAddress(9, IPAddress.Parse("fe80::1"));
            w.EndMessage();
        });
        var attrs = Messages.AttributesOf(Messages.Single(bytes).Payload);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (ushort)i), attrs.Select(a => a.Type));
        NetlinkAttribute At(int type) => new((ushort)type, attrs[type - 1].Value);
        Assert.Equal(0xfe, At(1).U8());
        Assert.Equal(0xbeef, At(2).U16());
        Assert.Equal(0xdeadbeef, At(3).U32());
        Assert.Equal(-5, At(4).S32());
        Assert.Equal(ulong.MaxValue - 1, At(5).U64());
        Assert.Equal(8472, At(6).U16BigEndian());
        Assert.Equal(0xc0a80001, At(7).U32BigEndian());
        Assert.Equal("überlang", At(8).String());
        Assert.Equal(IPAddress.Parse("fe80::1"), At(9).Address());
    }
}
