using System.Net;

namespace OverlayNet.Netlink.Tests.Model;

public class IpPrefixTests
{
    [Theory]
    [InlineData("default")]
    [InlineData("DEFAULT")]
    [InlineData("any")]
    [InlineData(" default ")]
    public void Default_is_the_whole_v4_space(string text)
    {
        IpPrefix p = IpPrefix.Parse(text);
        Assert.Equal(IPAddress.Any, p.Address);
        Assert.Equal(0, p.Length);
        Assert.Equal(IpAddressFamily.IPv4, p.Family);
        Assert.Equal("0.0.0.0/0", p.ToString());
    }

    [Theory]
    [InlineData("10.0.0.2", "10.0.0.2/32", IpAddressFamily.IPv4)]
    [InlineData("fd00::1", "fd00::1/128", IpAddressFamily.IPv6)]
    public void Bare_address_gets_the_host_length(string text, string expected, IpAddressFamily family)
    {
        IpPrefix p = IpPrefix.Parse(text);
        Assert.Equal(expected, p.ToString());
        Assert.True(p.IsHost);
        Assert.Equal(family, p.Family);
    }

    [Theory]
    [InlineData("10.0.3.0/24", "10.0.3.0", 24)]
    [InlineData("10.0.3.7/24", "10.0.3.7", 24)]   // host bits are kept; Network() clears them
    [InlineData("0.0.0.0/0", "0.0.0.0", 0)]
    [InlineData("fd00:1::/64", "fd00:1::", 64)]
    [InlineData("::/0", "::", 0)]
    [InlineData("fe80::1/10", "fe80::1", 10)]
    [InlineData(" 192.168.1.1/32 ", "192.168.1.1", 32)]
    [InlineData("10.0.0.0/08", "10.0.0.0", 8)]
    public void Prefixes_parse(string text, string address, int length)
    {
        IpPrefix p = IpPrefix.Parse(text);
        Assert.Equal(IPAddress.Parse(address), p.Address);
        Assert.Equal(length, p.Length);
        Assert.Equal(length == p.MaxLength, p.IsHost);
    }

    [Theory]
    [InlineData("10.0.0.0/33", "out of range")]
    [InlineData("fd00::/129", "out of range")]
    [InlineData("10.0.0.0/-1", "not a number")]
    [InlineData("10.0.0.0/", "not a number")]
    [InlineData("10.0.0.0/abc", "not a number")]
    [InlineData("10.0.0.0/ 24", "not a number")]
    [InlineData("10.0.0.0/24/8", "not a number")]
    [InlineData("10.0.0/24", "not an IPv4 or IPv6 address")]    // IPAddress would read it as 10.0.0.0
    [InlineData("1", "not an IPv4 or IPv6 address")]            // ... and this as 0.0.0.1
    [InlineData("10.0.0.256", "not an IPv4 or IPv6 address")]
    [InlineData("fd00:::1/64", "not an IPv4 or IPv6 address")]
    [InlineData("eth0", "not an IPv4 or IPv6 address")]
    [InlineData("", "cannot be empty")]
    [InlineData("   ", "cannot be empty")]
    public void Bad_input_is_rejected_with_a_reason(string text, string reason)
    {
        Assert.False(IpPrefix.TryParse(text, out _, out string? error));
        Assert.Contains(reason, error);
        var e = Assert.Throws<FormatException>(() => IpPrefix.Parse(text));
        Assert.True(char.IsUpper(e.Message[0]) || !char.IsLetter(e.Message[0]));
        Assert.EndsWith(".", e.Message);
    }

    [Theory]
    [InlineData("10.0.3.7/24", "10.0.3.0/24")]
    [InlineData("10.1.2.3/0", "0.0.0.0/0")]
    [InlineData("10.1.2.3/32", "10.1.2.3/32")]
    [InlineData("172.16.255.255/12", "172.16.0.0/12")]
    [InlineData("192.168.1.130/25", "192.168.1.128/25")]
    [InlineData("fd00::ffff:1/100", "fd00::f000:0/100")]
    [InlineData("2001:db8::1/64", "2001:db8::/64")]
    [InlineData("fd00::1/128", "fd00::1/128")]
    public void Network_clears_the_host_bits(string text, string expected)
    {
        Assert.Equal(expected, IpPrefix.Parse(text).Network().ToString());
    }

    [Fact]
    public void Constructor_checks_the_length_for_the_family()
    {
        Assert.Throws<ArgumentException>(() => new IpPrefix(IPAddress.Parse("10.0.0.0"), 33));
        Assert.Throws<ArgumentException>(() => new IpPrefix(IPAddress.Parse("10.0.0.0"), -1));
        Assert.Throws<ArgumentException>(() => new IpPrefix(IPAddress.IPv6Any, 129));
        Assert.Equal(128, new IpPrefix(IPAddress.IPv6Any, 128).Length);
    }

    [Fact]
    public void Equality_is_by_address_and_length()
    {
        Assert.Equal(IpPrefix.Parse("10.0.0.0/8"), IpPrefix.Parse(" 10.0.0.0/8"));
        Assert.NotEqual(IpPrefix.Parse("10.0.0.0/8"), IpPrefix.Parse("10.0.0.0/16"));
        Assert.Equal(IpPrefix.Parse("10.0.0.0/8").GetHashCode(), IpPrefix.Parse("10.0.0.0/8").GetHashCode());
    }
}
