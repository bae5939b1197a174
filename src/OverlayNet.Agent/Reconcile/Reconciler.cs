namespace OverlayNet.Agent.Reconcile;

public enum ChangeKind { Add, Replace, Remove }

/// <summary>One difference between the desired and the actual state of one keyed table.</summary>
public readonly record struct Change<TKey, TValue>(ChangeKind Kind, TKey Key, TValue? Desired, TValue? Actual)
{
    public override string ToString() => Kind switch
    {
        ChangeKind.Add => $"+ {Key} {Desired}",
        ChangeKind.Replace => $"~ {Key} {Actual} -> {Desired}",
        _ => $"- {Key} {Actual}",
    };
}

/// <summary>
/// The heart of any reconcile loop, kept generic so the agent and the labs share it: desired state and actual
/// state in (each a table keyed by what identifies an entry), the difference out as typed changes. Entries
/// equal on both sides produce nothing, so running it again on a converged system writes nothing.
/// </summary>
public static class Reconciler
{
    public static List<Change<TKey, TValue>> Diff<TKey, TValue>(
        IReadOnlyDictionary<TKey, TValue> desired,
        IReadOnlyDictionary<TKey, TValue> actual,
        IEqualityComparer<TValue>? same = null) where TKey : notnull
    {
        same ??= EqualityComparer<TValue>.Default;
        var changes = new List<Change<TKey, TValue>>();
        foreach (var (key, want) in desired)
        {
            if (!actual.TryGetValue(key, out TValue? have)) changes.Add(new(ChangeKind.Add, key, want, default));
            else if (!same.Equals(want, have)) changes.Add(new(ChangeKind.Replace, key, want, have));
        }
        foreach (var (key, have) in actual)
        {
            if (!desired.ContainsKey(key)) changes.Add(new(ChangeKind.Remove, key, default, have));
        }
        return changes;
    }
}
