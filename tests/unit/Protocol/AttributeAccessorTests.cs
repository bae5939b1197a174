using System.Net;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Tests.Protocol;

/// <summary>
/// Every typed accessor at every value length from 0 to 20: it returns when the value is long enough for its
/// type and raises NetlinkProtocolException otherwise, never IndexOutOfRange or ArgumentOutOfRange.
/// </summary>
public class AttributeAccessorTests
{
    private delegate object? Accessor(NetlinkAttribute a);

    private static readonly (string Name, int Needs, Accessor Read)[] Accessors =
    [
        ("U8", 1, a => a.U8()),
        ("U16", 2, a => a.U16()),
        ("U16BigEndian", 2, a => a.U16BigEndian()),
        ("U32", 4, a => a.U32()),
        ("S32", 4, a => a.S32()),
        ("U32BigEndian", 4, a => a.U32BigEndian()),
        ("U64", 8, a => a.U64()),
        ("Struct<IfInfoMsg>", 16, a => a.Struct<IfInfoMsg>()),
        ("Struct<IfAddrMsg>", 8, a => a.Struct<IfAddrMsg>()),
    ];

    public static TheoryData<int> Lengths => [.. Enumerable.Range(0, 21)];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Fixed_size_accessors_check_the_length(int length)
    {
        byte[] value = Enumerable.Range(1, length).Select(i => (byte)i).ToArray();
        foreach (var (name, needs, read) in Accessors)
        {
            var a = new NetlinkAttribute(1, value);
            if (length >= needs) read(a);
            else Assert.True(Rejects(value, read), $"{name} accepted {length} bytes");
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Address_takes_4_or_16_bytes_only(int length)
    {
        byte[] value = new byte[length];
        if (length is 4 or 16) Assert.NotNull(new NetlinkAttribute(1, value).Address());
        else Assert.True(Rejects(value, a => a.Address()), $"Address accepted {length} bytes");
    }

    [Fact]
    public void String_stops_at_the_first_nul_and_tolerates_none_or_bad_utf8()
    {
        Assert.Equal("ab", new NetlinkAttribute(3, "ab\0cd\0"u8).String());
        Assert.Equal("ab", new NetlinkAttribute(3, "ab"u8).String());
        Assert.Equal("", new NetlinkAttribute(3, ReadOnlySpan<byte>.Empty).String());
        Assert.Equal("\uFFFD", new NetlinkAttribute(3, [0xff]).String());
    }

    [Fact]
    public void Values_are_read_little_or_big_endian_as_named()
    {
        var a = new NetlinkAttribute(0x8012, [0x12, 0xb5, 0, 0]);
        Assert.Equal(18, a.Type); // NLA_F_NESTED masked off
        Assert.Equal(0xb512, a.U16());
        Assert.Equal(0x12b5, a.U16BigEndian());
        Assert.Equal(0x12b50000u, a.U32BigEndian());
        Assert.Equal(IPAddress.Parse("18.181.0.0"), a.Address());
    }

    [Fact]
    public void Nested_run_shorter_than_a_header_is_padding()
    {
        var e = new AttributeEnumerator([1, 2, 3]);
        Assert.False(e.MoveNext());
    }

    [Theory]
    [InlineData("0000 0100 00000000")]         // length 0: would never advance
    [InlineData("0300 0100 00000000")]         // length 3: shorter than the header
    [InlineData("0900 0100 00000000")]         // length 9 with 8 bytes there
    [InlineData("0800 0100 00000000 ffff0200")] // second attribute runs past the end
    public void Bad_attribute_lengths_are_protocol_errors(string hex)
    {
        byte[] data = Support.Hex.Parse(hex);
        Assert.Throws<NetlinkProtocolException>(() =>
        {
            foreach (NetlinkAttribute a in new AttributeEnumerator(data)) _ = a.Type;
        });
    }

    [Theory]
    [InlineData("0f000000 1000 0000 00000000 000000")]            // message length 15 < header
    [InlineData("20000000 1000 0000 00000000 00000000")]          // length 32 with 16 bytes there
    [InlineData("ffffffff 1000 0000 00000000 00000000")]          // length 4 GiB
    [InlineData("10000000 1000 0000 00000000 00000000 0102")]     // trailing bytes too few for a header
    public void Bad_message_lengths_are_protocol_errors(string hex)
    {
        byte[] data = Support.Hex.Parse(hex);
        Assert.Throws<NetlinkProtocolException>(() =>
        {
            foreach (NetlinkMessage m in new MessageEnumerator(data)) _ = m.Type;
        });
    }

    [Fact]
    public void Message_too_short_for_its_family_header_is_a_protocol_error()
    {
        byte[] data = Support.Hex.Parse("18000000 1000 0000 00000000 00000000 01020304 05060708");
        Assert.Throws<NetlinkProtocolException>(() => LinkParser.Parse(Support.Messages.Single(data)));
    }

    private static bool Rejects(byte[] value, Accessor read)
    {
        try
        {
            read(new NetlinkAttribute(1, value));
            return false;
        }
        catch (NetlinkProtocolException)
        {
            return true;
        }
    }
}
