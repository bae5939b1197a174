using System.Net;
using System.Text.Json;

namespace OverlayNet.Agent.Schema;

/// <summary>
/// flannel's own keys: <c>&lt;prefix&gt;/config</c> (the network) and <c>&lt;prefix&gt;/subnets/a.b.c.d-nn</c>
/// (one lease per host), with values byte for byte as flanneld's etcd registry writes them, so a host run by
/// flanneld and one run by OverlayNet can share one etcd.
/// </summary>
public static class FlannelSchema
{
    public sealed record Config(IpPrefix Network, int SubnetLen, IpPrefix? SubnetMin, IpPrefix? SubnetMax, string BackendType, int Vni, int Port);

    public sealed record SubnetLease(IpPrefix Subnet, IPAddress PublicIP, string BackendType, int Vni, MacAddress? VtepMac);

    public static string ConfigKey(string prefix) => prefix.TrimEnd('/') + "/config";
    public static string SubnetsPrefix(string prefix) => prefix.TrimEnd('/') + "/subnets/";
    public static string SubnetKey(string prefix, IpPrefix subnet) => SubnetsPrefix(prefix) + $"{subnet.Address}-{subnet.Length}";

    /// <summary>flanneld's config: Network, SubnetLen (default 24), SubnetMin/Max, Backend {Type, VNI (1), Port}.</summary>
    public static Config ParseConfig(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        if (!root.TryGetProperty("Network", out JsonElement net) || !IpPrefix.TryParse(net.GetString(), out IpPrefix network, out _))
            throw new FormatException("no valid \"Network\" (e.g. \"10.5.0.0/16\")");
        int subnetLen = root.TryGetProperty("SubnetLen", out JsonElement sl) ? sl.GetInt32() : (network.Length < 24 ? 24 : network.Length + 1);
        if (subnetLen <= network.Length || subnetLen > 30) throw new FormatException($"SubnetLen {subnetLen} does not fit network {network}");
        IpPrefix? min = root.TryGetProperty("SubnetMin", out JsonElement smin) ? new IpPrefix(IPAddress.Parse(smin.GetString()!), subnetLen) : null;
        IpPrefix? max = root.TryGetProperty("SubnetMax", out JsonElement smax) ? new IpPrefix(IPAddress.Parse(smax.GetString()!), subnetLen) : null;
        string type = "udp";
        int vni = 1, port = 0;
        if (root.TryGetProperty("Backend", out JsonElement backend))
        {
            if (backend.TryGetProperty("Type", out JsonElement t)) type = t.GetString() ?? "udp";
            if (backend.TryGetProperty("VNI", out JsonElement v)) vni = v.GetInt32();
            if (backend.TryGetProperty("Port", out JsonElement p)) port = p.GetInt32();
        }
        return new Config(network.Network(), subnetLen, min, max, type, vni, port);
    }

    /// <summary>"10.5.34.0-24" → 10.5.34.0/24.</summary>
    public static IpPrefix ParseSubnetKey(string name)
    {
        int dash = name.LastIndexOf('-');
        if (dash < 0 || !IPAddress.TryParse(name[..dash], out IPAddress? a) || !int.TryParse(name[(dash + 1)..], out int len) || len is < 0 or > 32)
            throw new FormatException($"'{name}' is not a subnet key (a.b.c.d-nn)");
        return new IpPrefix(a, len);
    }

    public static SubnetLease ParseLease(IpPrefix subnet, string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        if (!root.TryGetProperty("PublicIP", out JsonElement pip) || !IPAddress.TryParse(pip.GetString(), out IPAddress? publicIp))
            throw new FormatException("no valid \"PublicIP\"");
        string type = root.TryGetProperty("BackendType", out JsonElement bt) ? bt.GetString() ?? "" : "";
        int vni = 0;
        MacAddress? mac = null;
        if (root.TryGetProperty("BackendData", out JsonElement data) && data.ValueKind == JsonValueKind.Object)
        {
            if (data.TryGetProperty("VNI", out JsonElement v)) vni = v.GetInt32();
            if (data.TryGetProperty("VtepMAC", out JsonElement m))
            {
                if (!MacAddress.TryParse(m.GetString(), out MacAddress parsed)) throw new FormatException($"bad VtepMAC '{m}'");
                mac = parsed;
            }
        }
        if (type == "vxlan" && mac == null) throw new FormatException("a vxlan lease without \"BackendData\".\"VtepMAC\"");
        return new SubnetLease(subnet, publicIp, type, vni, mac);
    }

    /// <summary>The lease value exactly as flanneld (LeaseAttrs with a vxlan backend) marshals it.</summary>
    public static string FormatLease(IPAddress publicIp, int vni, MacAddress vtepMac) =>
        $"{{\"PublicIP\":\"{publicIp}\",\"BackendType\":\"vxlan\",\"BackendData\":{{\"VNI\":{vni},\"VtepMAC\":\"{vtepMac}\"}}}}";

    /// <summary>Every subnet flanneld may hand out, in order: SubnetMin (default: the second) to SubnetMax (the last but one).</summary>
    public static IEnumerable<IpPrefix> Candidates(Config c)
    {
        uint net = ToUInt(c.Network.Address);
        uint step = 1u << (32 - c.SubnetLen);
        uint count = 1u << (c.SubnetLen - c.Network.Length);
        uint first = c.SubnetMin is IpPrefix min ? (ToUInt(min.Address) - net) / step : 1;
        uint last = c.SubnetMax is IpPrefix max ? (ToUInt(max.Address) - net) / step : count - 2;
        for (uint i = first; i <= last && i < count; i++) yield return new IpPrefix(FromUInt(net + i * step), c.SubnetLen);
    }

    internal static uint ToUInt(IPAddress a)
    {
        byte[] b = a.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    internal static IPAddress FromUInt(uint v) => new([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
}
