using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OverlayNet.Labs.Reading;

/// <summary>
/// Reads one map of the document against the keys its section allows, collecting errors instead of
/// stopping at the first: an unknown key names the closest valid one, a wrong type names what was expected.
/// </summary>
internal sealed class MapReader
{
    private readonly MapNode _map;
    private readonly List<TopologyError> _errors;

    public MapReader(MapNode map, string section, IReadOnlyList<string> allowed, List<TopologyError> errors)
    {
        _map = map;
        _errors = errors;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, _) in map.Entries)
        {
            string k = key.Value ?? "";
            if (!seen.Add(k))
                errors.Add(new(key.Position, $"Duplicate key '{k}' in {section}."));
            else if (!allowed.Contains(k))
                errors.Add(new(key.Position, $"Unknown key '{k}' in {section}; did you mean '{Closest(k, allowed)}'? Valid keys: {string.Join(", ", allowed)}."));
        }
    }

    public SourcePosition Position => _map.Position;

    public TopologyNode? Node(string key) => _map.Entries.FirstOrDefault(e => e.Key.Value == key).Value;

    /// <summary>The position of a key's value, or of the map when the key is absent.</summary>
    public SourcePosition At(string key) => Node(key)?.Position ?? _map.Position;

    public string? Text(string key, bool required = false)
    {
        TopologyNode? n = Node(key);
        if (n == null || n is ScalarNode { Value: null })
        {
            if (required) _errors.Add(new(_map.Position, $"Missing required key '{key}'."));
            return null;
        }
        if (n is ScalarNode s) return s.Value;
        _errors.Add(new(n.Position, $"'{key}' must be a single value, not a {(n is ListNode ? "list" : "map")}."));
        return null;
    }

    public int? Int(string key, bool required = false)
    {
        string? t = Text(key, required);
        if (t == null) return null;
        if (long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v is >= int.MinValue and <= int.MaxValue)
            return (int)v;
        _errors.Add(new(At(key), $"'{key}' must be a whole number, not '{t}'."));
        return null;
    }

    public bool? Bool(string key)
    {
        string? t = Text(key);
        if (t == null) return null;
        switch (t.ToLowerInvariant())
        {
            case "true" or "yes" or "on" or "1": return true;
            case "false" or "no" or "off" or "0": return false;
        }
        _errors.Add(new(At(key), $"'{key}' must be true or false, not '{t}'."));
        return null;
    }

    public T? Enum<T>(string key, IReadOnlyDictionary<string, T> words) where T : struct
    {
        string? t = Text(key);
        if (t == null) return null;
        if (words.TryGetValue(t.ToLowerInvariant(), out T v)) return v;
        _errors.Add(new(At(key), $"'{key}' must be one of {string.Join(", ", words.Keys)}; '{t}' is not (closest: '{Closest(t, words.Keys.ToList())}')."));
        return null;
    }

    public IPAddress? Address(string key, bool required = false)
    {
        string? t = Text(key, required);
        if (t == null) return null;
        if (IPAddress.TryParse(t, out IPAddress? a) && a.AddressFamily == AddressFamily.InterNetwork && !t.Contains('/')) return a;
        _errors.Add(new(At(key), $"'{key}' must be an IPv4 address, not '{t}'."));
        return null;
    }

    /// <summary>An address with its prefix length (10.0.0.1/24), host bits allowed.</summary>
    public IpPrefix? Interface(string key, bool required = false) => ParsePrefix(Text(key, required), At(key), key, _errors, network: false);

    /// <summary>A network prefix (10.0.0.0/24), host bits not allowed.</summary>
    public IpPrefix? Network(string key, bool required = false) => ParsePrefix(Text(key, required), At(key), key, _errors, network: true);

    public static IpPrefix? ParsePrefix(string? t, SourcePosition at, string what, List<TopologyError> errors, bool network)
    {
        if (t == null) return null;
        if (!t.Contains('/') || !IpPrefix.TryParse(t, out IpPrefix p, out _) || p.Address.AddressFamily != AddressFamily.InterNetwork)
        {
            errors.Add(new(at, $"'{what}' must be IPv4 with a prefix length ({(network ? "10.0.0.0/24" : "10.0.0.1/24")}), not '{t}'."));
            return null;
        }
        if (network && !p.Network().Equals(p))
        {
            errors.Add(new(at, $"'{what}' {t} has host bits set; the network is {p.Network()}."));
            return null;
        }
        return p;
    }

    public ListNode? List(string key)
    {
        TopologyNode? n = Node(key);
        if (n == null || n is ScalarNode { Value: null }) return null;
        if (n is ListNode l) return l;
        _errors.Add(new(n.Position, $"'{key}' must be a list."));
        return null;
    }

    public MapNode? Map(string key)
    {
        TopologyNode? n = Node(key);
        if (n == null || n is ScalarNode { Value: null }) return null;
        if (n is MapNode m) return m;
        _errors.Add(new(n.Position, $"'{key}' must be a map (key: value lines)."));
        return null;
    }

    /// <summary>A list of plain values (host names).</summary>
    public List<ScalarNode> Names(string key)
    {
        var result = new List<ScalarNode>();
        ListNode? l = List(key);
        if (l == null) return result;
        foreach (TopologyNode item in l.Items)
        {
            if (item is ScalarNode { Value: not null } s) result.Add(s);
            else _errors.Add(new(item.Position, $"Each item of '{key}' must be a name."));
        }
        return result;
    }

    /// <summary>The valid word nearest to a mistyped one (Levenshtein distance).</summary>
    public static string Closest(string word, IReadOnlyList<string> candidates) =>
        candidates.OrderBy(c => Distance(word.ToLowerInvariant(), c.ToLowerInvariant())).ThenBy(c => c, StringComparer.Ordinal).First();

    /// <summary>Edit distance where swapping two neighbouring letters (vin/vni) counts as one edit.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
