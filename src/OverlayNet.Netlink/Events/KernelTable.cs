namespace OverlayNet.Netlink.Events;

/// <summary>
/// What a stream knows of one kernel table (links, addresses, ...): every object by its key, with the
/// signature it had. Notifications are checked against it to tell New from Changed (the kernel sends
/// RTM_NEW* for both) and to drop notifications that change nothing; a resync compares a fresh dump with it.
/// Used only by the stream's reader thread.
/// </summary>
internal sealed class KernelTable(NetlinkEventType type)
{
    private readonly Dictionary<string, (object Obj, string Sig)> _items = new(StringComparer.Ordinal);

    public NetlinkEventType Type { get; } = type;
    public int Count => _items.Count;
    public IEnumerable<object> Objects => _items.Values.Select(v => v.Obj);

    /// <summary>Records a NEW notification: New, Changed, or null when nothing visible changed.</summary>
    public NetlinkEventAction? Put(object obj)
    {
        string key = EventKeys.Key(obj), sig = EventKeys.Signature(obj);
        ref (object Obj, string Sig) slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_items, key, out bool existed);
        if (existed && slot.Sig == sig)
        {
            slot.Obj = obj;
            return null;
        }
        slot = (obj, sig);
        return existed ? NetlinkEventAction.Changed : NetlinkEventAction.New;
    }

    /// <summary>
    /// Records a DEL notification. False when the object was not known: a notification that a resync's dump
    /// already accounted for, which would otherwise be reported twice.
    /// </summary>
    public bool Remove(object obj) => _items.Remove(EventKeys.Key(obj));

    /// <summary>Forgets every object of a deleted interface (the kernel does not always report each one).</summary>
    public void RemoveInterface(int index)
    {
        foreach (var (key, v) in _items.ToList())
            if (EventKeys.InterfaceIndex(v.Obj) == index) _items.Remove(key);
    }

    /// <summary>Replaces the contents with a fresh dump and returns what differs, as events would have said it.</summary>
    public List<(NetlinkEventAction Action, object Obj)> Resync(IEnumerable<object> dumped)
    {
        var changes = new List<(NetlinkEventAction, object)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (object o in dumped)
        {
            seen.Add(EventKeys.Key(o));
            if (Put(o) is NetlinkEventAction a) changes.Add((a, o));
        }
        foreach (var (key, v) in _items.ToList())
        {
            if (seen.Contains(key)) continue;
            _items.Remove(key);
            changes.Add((NetlinkEventAction.Deleted, v.Obj));
        }
        return changes;
    }

    public void Load(IEnumerable<object> dumped)
    {
        _items.Clear();
        foreach (object o in dumped) _items[EventKeys.Key(o)] = (o, EventKeys.Signature(o));
    }
}
