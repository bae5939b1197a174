using OverlayNet;
using Xunit;

namespace OverlayNet.Netlink.Tests.Model;

public class IpRouteTests
{
    [Theory]
    [InlineData("0.0.0.0/0", "default")]
    [InlineData("::/0", "default")]
    [InlineData("10.1.2.3", "10.1.2.3/32")]
    [InlineData("fd00:1::/64", "fd00:1::/64")]
    public void DestinationPrefix_is_formatted_from_the_prefix_when_read(string prefix, string expected)
    {
        Assert.Equal(expected, new IpRoute { Prefix = IpPrefix.Parse(prefix) }.DestinationPrefix);
    }

    [Fact]
    public void DestinationPrefix_set_explicitly_wins_and_an_empty_route_has_none()
    {
        Assert.Equal("10.0.0.0/8", new IpRoute { Prefix = IpPrefix.Parse("10.0.0.0/8") }.ToString());
        Assert.Equal("x", new IpRoute { Prefix = IpPrefix.Parse("10.0.0.0/8"), DestinationPrefix = "x" }.DestinationPrefix);
        Assert.Equal("", new IpRoute().DestinationPrefix);
    }
}
