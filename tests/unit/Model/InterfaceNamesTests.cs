using OverlayNet.Netlink.Namespaces;

namespace OverlayNet.Netlink.Tests.Model;

/// <summary>The kernel's dev_valid_name rules (net/core/dev.c): 1..15 bytes, not "." or "..", no '/', ':' or space.</summary>
public class InterfaceNamesTests
{
    [Theory]
    [InlineData("eth0")]
    [InlineData("a")]
    [InlineData("abcdefghijklmno")]          // exactly 15 bytes
    [InlineData("veth-0_1.2@x")]
    [InlineData("ééééééé")]                  // 7 two-byte chars = 14 bytes
    [InlineData("ab€€€€")]                   // 2 + 4 × 3 = 14 bytes
    [InlineData("...")]
    public void Valid_names(string name)
    {
        Assert.Null(InterfaceNames.Check(name));
        InterfaceNames.Validate(name);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("abcdefghijklmnop", "16 bytes")]   // 16 ASCII bytes
    [InlineData("éééééééé", "16 bytes")]           // 8 chars but 16 bytes: bytes count, not chars
    [InlineData("abcdefghijklmn€", "17 bytes")]
    [InlineData(".", "not a valid")]
    [InlineData("..", "not a valid")]
    [InlineData("a/b", "'/'")]
    [InlineData("eth0:1", "':'")]
    [InlineData("a b", "whitespace")]
    [InlineData("a\tb", "whitespace")]
    [InlineData("a\nb", "whitespace")]
    [InlineData("a\u0001b", "contains")]
    public void Invalid_names_say_why(string? name, string reason)
    {
        string? problem = InterfaceNames.Check(name);
        Assert.NotNull(problem);
        Assert.Contains(reason, problem);
        var e = Assert.Throws<ArgumentException>(() => InterfaceNames.Validate(name));
        Assert.True(char.IsUpper(e.Message[0]) || e.Message[0] == '\'', e.Message);
    }
}

public class NetNamespaceNameTests
{
    [Theory]
    [InlineData("ns1")]
    [InlineData("blue-red_2.x")]
    [InlineData("...")]
    [InlineData("with:colon")]
    public void Valid_names(string name) => Assert.Null(NetNamespaceStore.CheckName(name));

    [Fact]
    public void A_name_of_255_characters_is_the_longest()
    {
        Assert.Null(NetNamespaceStore.CheckName(new string('n', 255)));
        Assert.Contains("longer than 255", NetNamespaceStore.CheckName(new string('n', 256)));
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData(".", "not a valid")]
    [InlineData("..", "not a valid")]
    [InlineData("a/b", "'/'")]
    [InlineData("/run/netns/x", "pass a path")]
    public void Invalid_names_say_why(string? name, string reason)
    {
        Assert.Contains(reason, NetNamespaceStore.CheckName(name));
    }
}
