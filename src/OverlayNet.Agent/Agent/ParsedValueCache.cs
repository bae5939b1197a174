namespace OverlayNet.Agent.Agent;

/// <summary>
/// Store values parsed once per key and kept while the key's text stays the same, so an agent can rebuild its
/// desired tables after every watch response without parsing thousands of unchanged JSON values again. A
/// malformed value is remembered as well (its error comes back each time, the parse is not repeated). Keys not
/// seen in a whole pass (deleted from the store) are dropped at <see cref="EndPass"/>.
/// </summary>
internal sealed class ParsedValueCache<T>(Func<string, string, T> parse)
{
    private readonly Dictionary<string, Entry> _byKey = new(StringComparer.Ordinal);
    private int _pass;
    private int _seen;

    private sealed class Entry(string value, T? parsed, Exception? error)
    {
        public string Value { get; } = value;
        public T? Parsed { get; } = parsed;
        public Exception? Error { get; } = error;
        public int Pass { get; set; }
    }

    public void BeginPass()
    {
        _pass++;
        _seen = 0;
    }

    /// <summary>The parsed value of <paramref name="key"/>; throws the parse error when its value is malformed.</summary>
    public T Get(string key, string value)
    {
        if (!_byKey.TryGetValue(key, out Entry? e) || !string.Equals(e.Value, value, StringComparison.Ordinal))
        {
            try { e = new Entry(value, parse(key, value), null); }
            catch (Exception x) when (x is FormatException or System.Text.Json.JsonException or InvalidOperationException) { e = new Entry(value, default, x); }
            _byKey[key] = e;
        }
        if (e.Pass != _pass) { e.Pass = _pass; _seen++; }
        if (e.Error != null) throw e.Error;
        return e.Parsed!;
    }

    /// <summary>Forgets the keys the pass did not ask for.</summary>
    public void EndPass()
    {
        if (_byKey.Count == _seen) return;
        foreach (string key in _byKey.Where(kv => kv.Value.Pass != _pass).Select(kv => kv.Key).ToList()) _byKey.Remove(key);
    }
}
