using System.Collections;
using System.Management.Automation;
using System.Net;

namespace OverlayNet.Commands;

/// <summary>
/// Reads -Route of Start-TunForwarder: hashtables (<c>@{ '10.244.2.0/24' = '192.168.8.102' }</c>) or objects
/// with Subnet and Address properties (Import-Csv rows, a forwarder's Peers), into checked (subnet, peer) pairs.
/// </summary>
internal static class RouteInput
{
    public static List<KeyValuePair<IpPrefix, IPAddress>> Parse(object[]? routes)
    {
        var result = new List<KeyValuePair<IpPrefix, IPAddress>>();
        foreach (object? item in routes ?? [])
        {
            object? value = item is PSObject pso ? pso.BaseObject : item;
            if (value is IDictionary table)
            {
                foreach (DictionaryEntry e in table) result.Add(Pair(e.Key, e.Value));
                continue;
            }
            PSObject o = PSObject.AsPSObject(item!);
            object? subnet = o.Properties["Subnet"]?.Value, address = o.Properties["Address"]?.Value;
            if (subnet == null || address == null)
                throw new ArgumentException(
                    $"Route '{item}' is neither a hashtable (subnet = host address) nor an object with Subnet and Address.");
            result.Add(Pair(subnet, address));
        }
        return result;
    }

    public static KeyValuePair<IpPrefix, IPAddress> Pair(object? subnet, object? address)
    {
        string subnetText = LanguagePrimitives.ConvertTo<string>(subnet) ?? "";
        if (!IpPrefix.TryParse(subnetText, out IpPrefix prefix, out string? error))
            throw new ArgumentException($"Route subnet '{subnetText}': {error}.");
        object? raw = address is PSObject p ? p.BaseObject : address;
        IPAddress? host = raw as IPAddress;
        if (host == null && !IPAddress.TryParse(LanguagePrimitives.ConvertTo<string>(raw) ?? "", out host))
            throw new ArgumentException($"Route {subnetText}: '{raw}' is not a host address.");
        return new(prefix, host);
    }
}
