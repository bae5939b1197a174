namespace OverlayNet.Netlink.Tests.Model;

public class MacAddressTests
{
    [Theory]
    [InlineData("02:00:5e:10:00:01")]
    [InlineData("02-00-5e-10-00-01")]
    [InlineData("02:00:5E:10:00:01")]
    [InlineData("02-00-5E-10-00-01")]
    [InlineData("  02:00:5e:10:00:01 ")]
    public void Both_separators_and_either_case_parse_to_the_same_address(string text)
    {
        MacAddress mac = MacAddress.Parse(text);
        Assert.Equal(new MacAddress([0x02, 0x00, 0x5e, 0x10, 0x00, 0x01]), mac);
        Assert.Equal("02:00:5e:10:00:01", mac.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("02005e100001")]             // no separators
    [InlineData("02:00:5e:10:00")]           // five bytes
    [InlineData("02:00:5e:10:00:01:02")]     // seven bytes
    [InlineData("02:00:5e:10:00-01")]        // mixed separators
    [InlineData("02.00.5e.10.00.01")]        // dots
    [InlineData("0g:00:5e:10:00:01")]        // not hex
    [InlineData("2:00:5e:10:00:001")]        // misaligned
    [InlineData("+2:00:5e:10:00:01")]        // a sign is not a digit
    [InlineData("02 :00:5e:10:00:1")]
    [InlineData("0200.5e10.0001")]           // Cisco style is not accepted
    public void Invalid_forms_are_rejected(string? text)
    {
        Assert.False(MacAddress.TryParse(text, out MacAddress mac));
        Assert.Equal(MacAddress.Zero, mac);
        if (text != null)
        {
            var e = Assert.Throws<FormatException>(() => MacAddress.Parse(text));
            Assert.Contains("aa:bb:cc:dd:ee:ff", e.Message);
        }
    }

    [Fact]
    public void ToString_is_lowercase_with_colons_and_zero_padded()
    {
        Assert.Equal("ab:cd:ef:0a:0b:ff", new MacAddress([0xab, 0xcd, 0xef, 0x0a, 0x0b, 0xff]).ToString());
        Assert.Equal("00:00:00:00:00:00", MacAddress.Zero.ToString());
    }

    [Fact]
    public void Bytes_round_trip()
    {
        byte[] bytes = [0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54];
        Assert.Equal(bytes, new MacAddress(bytes).GetBytes());
        Span<byte> dst = stackalloc byte[6];
        MacAddress.Parse("fe:dc:ba:98:76:54").WriteTo(dst);
        Assert.Equal(bytes, dst.ToArray());
    }

    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(0)]
    public void Wrong_byte_count_is_rejected(int n)
    {
        Assert.Throws<ArgumentException>(() => new MacAddress(new byte[n]));
    }

    [Theory]
    [InlineData("01:00:5e:00:00:01", true)]
    [InlineData("ff:ff:ff:ff:ff:ff", true)]
    [InlineData("02:00:5e:00:00:01", false)]
    public void Multicast_bit_is_the_low_bit_of_the_first_byte(string text, bool multicast)
    {
        Assert.Equal(multicast, MacAddress.Parse(text).IsMulticast);
    }

    [Fact]
    public void Equality_ignores_how_it_was_written()
    {
        MacAddress a = MacAddress.Parse("AA-BB-CC-DD-EE-FF"), b = MacAddress.Parse("aa:bb:cc:dd:ee:ff");
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, MacAddress.Zero);
    }
}
