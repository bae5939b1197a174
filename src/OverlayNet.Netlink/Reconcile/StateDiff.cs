namespace OverlayNet.Netlink.Reconcile;

public enum ChangeAction { Create, Update, Remove }

/// <summary>One difference between desired and actual state: what to do to one keyed object.</summary>
public readonly record struct StateChange<TKey, TValue>(ChangeAction Action, TKey Key, TValue? Before, TValue? After);

/// <summary>
/// The heart of a reconcile loop, free of any kernel or PowerShell detail: desired objects and actual
/// objects, each keyed, in; the typed difference out. A key only desired is a Create, one only actual a
/// Remove (the caller passes only actual objects it owns), and one in both whose values do not satisfy
/// <paramref name="satisfies"/> an Update. Same input, same output order (desired order, then removals in
/// actual order), so a plan reads the same each time. The lab converger and the control-plane agent share it.
/// </summary>
public static class StateDiff
{
    public static List<StateChange<TKey, TValue>> Compute<TKey, TValue>(
        IEnumerable<KeyValuePair<TKey, TValue>> desired,
        IEnumerable<KeyValuePair<TKey, TValue>> actual,
        Func<TValue, TValue, bool> satisfies,
        IEqualityComparer<TKey>? keys = null)
        where TKey : notnull
    {
        var have = new Dictionary<TKey, TValue>(keys);
        var actualOrder = new List<TKey>();
        foreach (var (k, v) in actual)
            if (have.TryAdd(k, v)) actualOrder.Add(k);

        var changes = new List<StateChange<TKey, TValue>>();
        var wanted = new HashSet<TKey>(keys);
        foreach (var (k, want) in desired)
        {
            if (!wanted.Add(k)) throw new ArgumentException($"The desired state names '{k}' twice.");
            if (!have.TryGetValue(k, out TValue? got)) changes.Add(new(ChangeAction.Create, k, default, want));
            else if (!satisfies(want, got)) changes.Add(new(ChangeAction.Update, k, got, want));
        }
        foreach (TKey k in actualOrder)
            if (!wanted.Contains(k)) changes.Add(new(ChangeAction.Remove, k, have[k], default));
        return changes;
    }

    /// <summary>
    /// The same difference for two tables that are dictionaries already (the agent's, once per watch
    /// response): their keys are unique by construction, so nothing is copied into a lookup of its own.
    /// </summary>
    public static List<StateChange<TKey, TValue>> Compute<TKey, TValue>(
        IReadOnlyDictionary<TKey, TValue> desired,
        IReadOnlyDictionary<TKey, TValue> actual,
        Func<TValue, TValue, bool> satisfies)
        where TKey : notnull
    {
        var changes = new List<StateChange<TKey, TValue>>();
        foreach (var (k, want) in desired)
        {
            if (!actual.TryGetValue(k, out TValue? got)) changes.Add(new(ChangeAction.Create, k, default, want));
            else if (!satisfies(want, got)) changes.Add(new(ChangeAction.Update, k, got, want));
        }
        foreach (var (k, got) in actual)
            if (!desired.ContainsKey(k)) changes.Add(new(ChangeAction.Remove, k, got, default));
        return changes;
    }
}
