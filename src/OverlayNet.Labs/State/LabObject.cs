using System.Text;

namespace OverlayNet.Labs.State;

/// <summary>The kinds of kernel object a lab manages, in the order they are created (removal runs backwards).</summary>
public enum LabObjectKind { Namespace, Link, Address, Sysctl, Route, Fdb, Neighbor, Nat }

/// <summary>
/// One kernel object as the lab sees it: kind, namespace, a name unique for that kind in that namespace,
/// and its attributes as text. Text keeps the diff, the journal (which must rebuild any object to undo a
/// step) and the output's Before/After one and the same thing.
/// </summary>
public sealed record LabObject(LabObjectKind Kind, string Namespace, string Name, SortedDictionary<string, string> Props)
{
    internal LabObject(LabObjectKind kind, string ns, string name, params (string Key, string? Value)[] props)
        : this(kind, ns, name, Make(props)) { }

    private static SortedDictionary<string, string> Make((string Key, string? Value)[] props)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in props) if (v != null) d[k] = v;
        return d;
    }

    public string Key => $"{Kind}|{Namespace}|{Name}";

    public string? this[string key] => Props.TryGetValue(key, out string? v) ? v : null;

    /// <summary>True when every attribute this (desired) object names has the same value in <paramref name="actual"/>.</summary>
    public bool IsSatisfiedBy(LabObject actual) => Props.All(p => actual[p.Key] == p.Value);

    /// <summary>The attributes as "key=value key=value", what Before/After show.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in Props)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(k).Append('=').Append(v);
        }
        return sb.ToString();
    }

    /// <summary>Only the attributes <paramref name="desired"/> names, so Before shows what the diff compared.</summary>
    public LabObject ProjectOnto(LabObject desired)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string k in desired.Props.Keys) if (Props.TryGetValue(k, out string? v)) d[k] = v;
        return this with { Props = d };
    }

    public override string ToString() => $"{Kind} {Name} ({Namespace})";
}
