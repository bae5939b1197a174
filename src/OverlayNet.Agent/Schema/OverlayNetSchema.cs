using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OverlayNet.Agent.Schema;

/// <summary>
/// Keys and values of the Docker-overlay style schema, all under /overlaynet/&lt;network&gt;/:
/// <c>config</c> {"Vni","Port","Subnet"}, <c>hosts/&lt;host&gt;</c> {"Address"} (the host's VTEP),
/// <c>endpoints/&lt;ip&gt;</c> {"MacAddress","HostName"} and <c>macs/&lt;mac&gt;</c> (the IP holding that MAC: the
/// index a transaction compares on to refuse a duplicate MAC). Host, endpoint and MAC keys live on the host's lease.
/// </summary>
public static class OverlayNetSchema
{
    public const string Root = "/overlaynet/";

    public static string Prefix(string network) => Root + network + "/";
    public static string ConfigKey(string network) => Prefix(network) + "config";
    public static string HostsPrefix(string network) => Prefix(network) + "hosts/";
    public static string HostKey(string network, string host) => HostsPrefix(network) + host;
    public static string EndpointsPrefix(string network) => Prefix(network) + "endpoints/";
    public static string EndpointKey(string network, IPAddress ip) => EndpointsPrefix(network) + ip;
    public static string MacsPrefix(string network) => Prefix(network) + "macs/";
    public static string MacKey(string network, MacAddress mac) => MacsPrefix(network) + mac;

    internal static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Network and host names become key segments: no slashes, no spaces.</summary>
    public static void ValidateName(string? name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"'{name}' is not a valid {what}: use 1-64 letters, digits, '-', '_' or '.'.");
    }

    public sealed record ConfigValue(int Vni, int Port, string Subnet);
    public sealed record HostValue(string Address);
    public sealed record EndpointValue(string MacAddress, string HostName);

    public static string Encode<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static OverlayNetwork ParseConfig(string network, string json)
    {
        ConfigValue v = JsonSerializer.Deserialize<ConfigValue>(json, Json) ?? throw new FormatException("empty config");
        if (v.Vni is < 1 or > 0xFFFFFF) throw new FormatException($"VNI {v.Vni} is out of range");
        if (!IpPrefix.TryParse(v.Subnet, out _, out string? err)) throw new FormatException($"bad subnet '{v.Subnet}': {err}");
        return new OverlayNetwork { Name = network, Vni = v.Vni, Port = v.Port == 0 ? 4789 : v.Port, Subnet = v.Subnet };
    }

    public static IPAddress ParseHost(string json)
    {
        HostValue v = JsonSerializer.Deserialize<HostValue>(json, Json) ?? throw new FormatException("empty host record");
        if (!IPAddress.TryParse(v.Address, out IPAddress? a)) throw new FormatException($"bad VTEP address '{v.Address}'");
        return a;
    }

    public static OverlayEndpoint ParseEndpoint(string network, string ipText, string json)
    {
        if (!IPAddress.TryParse(ipText, out IPAddress? ip)) throw new FormatException($"bad IP address '{ipText}' in the key");
        EndpointValue v = JsonSerializer.Deserialize<EndpointValue>(json, Json) ?? throw new FormatException("empty endpoint record");
        if (!MacAddress.TryParse(v.MacAddress, out MacAddress mac)) throw new FormatException($"bad MAC address '{v.MacAddress}'");
        if (string.IsNullOrEmpty(v.HostName)) throw new FormatException("no HostName");
        return new OverlayEndpoint { NetworkName = network, IPAddress = ip, MacAddress = mac, HostName = v.HostName };
    }
}
