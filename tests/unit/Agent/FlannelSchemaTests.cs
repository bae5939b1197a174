using System.Net;
using OverlayNet.Agent.Schema;
using OverlayNet.Agent.Store;

namespace OverlayNet.Netlink.Tests.Agent;

public class FlannelSchemaTests
{
    [Fact]
    public void Lease_value_is_flanneld_s_json_byte_for_byte()
    {
        string json = FlannelSchema.FormatLease(IPAddress.Parse("10.168.0.3"), 1, MacAddress.Parse("5e:f8:4f:00:e3:37"));
        Assert.Equal("{\"PublicIP\":\"10.168.0.3\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"5e:f8:4f:00:e3:37\"}}", json);
        FlannelSchema.SubnetLease l = FlannelSchema.ParseLease(IpPrefix.Parse("10.5.34.0/24"), json);
        Assert.Equal(IPAddress.Parse("10.168.0.3"), l.PublicIP);
        Assert.Equal(MacAddress.Parse("5e:f8:4f:00:e3:37"), l.VtepMac);
        Assert.Equal(1, l.Vni);
    }

    [Fact]
    public void Config_defaults_are_flanneld_s()
    {
        FlannelSchema.Config c = FlannelSchema.ParseConfig("{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        Assert.Equal(24, c.SubnetLen);
        Assert.Equal(1, c.Vni);
        Assert.Equal(0, c.Port);
        Assert.Equal("10.5.1.0/24", FlannelSchema.Candidates(c).First().ToString());
        Assert.Equal("10.5.254.0/24", FlannelSchema.Candidates(c).Last().ToString());
    }

    [Theory]
    [InlineData("10.5.34.0-24", "10.5.34.0/24")]
    [InlineData("10.244.0.0-16", "10.244.0.0/16")]
    public void Subnet_keys_parse(string key, string expected) => Assert.Equal(expected, FlannelSchema.ParseSubnetKey(key).ToString());

    [Theory]
    [InlineData("10.5.34.0")]
    [InlineData("10.5.34.0-99")]
    [InlineData("x-24")]
    public void Bad_subnet_keys_are_refused(string key) => Assert.Throws<FormatException>(() => FlannelSchema.ParseSubnetKey(key));

    [Fact]
    public void A_vxlan_lease_without_VtepMAC_is_malformed() =>
        Assert.Throws<FormatException>(() => FlannelSchema.ParseLease(IpPrefix.Parse("10.5.1.0/24"), "{\"PublicIP\":\"1.2.3.4\",\"BackendType\":\"vxlan\"}"));

    [Theory]
    [InlineData("/overlaynet/", "/overlaynet0")]
    [InlineData("a", "b")]
    public void Prefix_end_is_the_next_key_after_the_prefix(string prefix, string end) => Assert.Equal(end, Kv.PrefixEnd(prefix).ToStringUtf8());

    [Theory]
    [InlineData("127.0.0.1:2379", "http://127.0.0.1:2379")]
    [InlineData("http://localhost:2379/", "http://localhost:2379")]
    public void Endpoints_are_normalized(string text, string expected) => Assert.Equal(expected, EtcdStore.NormalizeEndpoint(text));

    [Theory]
    [InlineData("https://127.0.0.1:2379")]
    [InlineData("http://127.0.0.1")]
    [InlineData("")]
    public void Bad_endpoints_are_refused(string text) => Assert.Throws<ArgumentException>(() => EtcdStore.NormalizeEndpoint(text));
}
