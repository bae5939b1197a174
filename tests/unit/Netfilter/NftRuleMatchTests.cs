using OverlayNet.Netlink.Netfilter;

namespace OverlayNet.Netlink.Tests.Netfilter;

/// <summary>The firewall cmdlets' filter (Get-/Remove- by parameters), now in the library.</summary>
public class NftRuleMatchTests
{
    private static readonly NftRuleSpec Rule = new()
    {
        Source = IpPrefix.Parse("10.1.0.0/16"), Destination = IpPrefix.Parse("10.2.0.0/16"),
        InInterface = "veth0", OutInterface = "br0",
        ConnectionState = ConnectionState.Related | ConnectionState.Established, Action = NftRuleAction.Accept,
    };

    [Fact]
    public void Only_the_given_fields_are_compared()
    {
        var filter = new NftRuleSpec { Source = IpPrefix.Parse("10.1.0.0/16"), Action = NftRuleAction.Drop };
        Assert.True(filter.Matches(Rule, NftRuleFields.Source));
        Assert.False(filter.Matches(Rule, NftRuleFields.Source | NftRuleFields.Action));
        Assert.True(filter.Matches(Rule, NftRuleFields.None));
    }

    [Fact]
    public void A_given_field_must_be_equal_including_absent()
    {
        var filter = new NftRuleSpec { OutInterface = null, Destination = IpPrefix.Parse("10.2.0.0/16") };
        Assert.False(filter.Matches(Rule, NftRuleFields.OutInterface));
        Assert.True(filter.Matches(Rule, NftRuleFields.Destination));
        Assert.False(new NftRuleSpec { Destination = IpPrefix.Parse("10.2.0.0/24") }.Matches(Rule, NftRuleFields.Destination));
        Assert.False(filter.Matches(null, NftRuleFields.None));
    }

    [Fact]
    public void Connection_states_compare_as_a_set()
    {
        var same = new NftRuleSpec { ConnectionState = ConnectionState.Established | ConnectionState.Related };
        var fewer = new NftRuleSpec { ConnectionState = ConnectionState.Established };
        Assert.True(same.Matches(Rule, NftRuleFields.ConnectionState));
        Assert.False(fewer.Matches(Rule, NftRuleFields.ConnectionState));
    }
}
