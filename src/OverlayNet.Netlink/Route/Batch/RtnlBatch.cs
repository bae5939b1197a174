using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

/// <summary>
/// The typed bulk writer: FDB entries, neighbours, routes, addresses and rules, each added with the operation
/// and a tag (whatever the caller wants back with the result: the input row, the output object). Each
/// <c>Add</c> validates the spec, resolves interface names to indexes (cached for the batch's life), encodes
/// the request and queues it; requests go to the kernel about a thousand per batch, many per sendmsg with one
/// ack per sendmsg (<see cref="NetlinkSocket.ExecuteBatch"/>), on a socket of their own, one batch in flight
/// while the caller encodes the next.
/// </summary>
/// <remarks>
/// Results come back per tag, in order, as the batches they were in finish: from <c>Add</c> (the batch before
/// the one just filled) and from <see cref="Complete"/> (the rest). A spec that fails validation or lookup
/// throws from <c>Add</c> (<see cref="ArgumentException"/>, <see cref="LinkNotFoundException"/>) and nothing
/// is queued for it. Not thread-safe: one thread adds; only the sends run on the thread pool. Dispose waits for
/// a send in flight, so dispose on the adding thread, never from another one while it adds.
/// </remarks>
public sealed class RtnlBatch<TTag> : IDisposable
{
    private readonly RequestBatch<TTag> _requests;
    private readonly ILinkLookup _links;
    private readonly Dictionary<string, int> _indexes = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _names = [];

    /// <summary>A batch on a socket of its own in <paramref name="client"/>'s namespace.</summary>
    public RtnlBatch(RtnlClient client, int batchSize = 1000, CancellationToken cancellation = default)
        : this(client.CreateBatch<TTag>(batchSize), new ClientLinkLookup(client), cancellation)
    {
    }

    /// <summary>
    /// A batch whose every send first asks <paramref name="stillThere"/> (see <see cref="NetNamespaceScope"/>):
    /// once the namespace is deleted, the requests not sent yet fail with its error instead of going to a
    /// namespace nobody can reach any more.
    /// </summary>
    public RtnlBatch(RtnlClient client, Func<NetlinkException?> stillThere, int batchSize = 1000, CancellationToken cancellation = default)
        : this(client, batchSize, cancellation)
    {
        _requests.BeforeSend = stillThere;
    }

    /// <summary>For tests: requests go to <paramref name="requests"/>, names resolve through <paramref name="links"/>.</summary>
    internal RtnlBatch(RequestBatch<TTag> requests, ILinkLookup links, CancellationToken cancellation = default)
    {
        _requests = requests;
        _links = links;
        Cancellation = cancellation;
    }

    /// <summary>Cancelling stops further adds (OperationCanceledException); what was sent stays sent.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Requests queued and not yet sent.</summary>
    public int Pending => _requests.Pending;

    /// <summary><c>bridge fdb add|append|replace|del</c>; fills in the spec's index (and name, given an index).</summary>
    public IReadOnlyList<(TTag Tag, NetlinkException? Error)> Add(FdbEntrySpec spec, FdbOperation operation, TTag tag)
    {
        Prepare(spec, operation);
        return Queue(spec, operation, tag, RtnlClient.WriteFdbEntry);
    }

    /// <summary><c>ip neigh add|replace|del</c>; fills in the spec's index (and name, given an index).</summary>
    public IReadOnlyList<(TTag Tag, NetlinkException? Error)> Add(NeighborSpec spec, NeighborOperation operation, TTag tag)
    {
        Prepare(spec, operation);
        return Queue(spec, operation, tag, RtnlClient.WriteNeighbor);
    }

    /// <summary><c>ip route add|replace|del</c>; fills in the indexes of the spec and its next hops.</summary>
    public IReadOnlyList<(TTag Tag, NetlinkException? Error)> Add(RouteSpec spec, RouteOperation operation, TTag tag)
    {
        Prepare(spec, operation);
        return Queue(spec, operation, tag, RtnlClient.WriteRoute);
    }

    /// <summary><c>ip addr add|replace|del</c>; fills in the spec's index.</summary>
    public IReadOnlyList<(TTag Tag, NetlinkException? Error)> Add(AddressSpec spec, AddressOperation operation, TTag tag)
    {
        if (operation != AddressOperation.Delete) spec.Validate();
        spec.InterfaceIndex = ResolveDevice(spec.InterfaceName, spec.InterfaceIndex, "An address needs an interface.", out string name);
        spec.InterfaceName = name;
        return Queue(spec, operation, tag, RtnlClient.WriteAddress);
    }

    /// <summary><c>ip rule add|del</c> (rules name interfaces as text; nothing to resolve).</summary>
    public IReadOnlyList<(TTag Tag, NetlinkException? Error)> Add(RuleSpec spec, bool delete, TTag tag)
    {
        spec.Validate();
        return Queue(spec, delete, tag, RtnlClient.WriteRule);
    }

    /// <summary>
    /// Validates <paramref name="spec"/> and resolves its device names, without queueing anything: for a
    /// caller that asks the user before it adds (ShouldProcess wants the resolved name). <c>Add</c> does this too.
    /// </summary>
    public void Prepare(FdbEntrySpec spec, FdbOperation operation)
    {
        // A stale entry read back is deleted like a dynamic one.
        if (operation == FdbOperation.Delete && spec.State == FdbState.Stale) spec.State = FdbState.Dynamic;
        spec.ValidateValues();
        spec.InterfaceIndex = ResolveDevice(spec.InterfaceName, spec.InterfaceIndex, "An FDB entry needs a device.", out string name);
        spec.InterfaceName = name;
        if (!string.IsNullOrEmpty(spec.Via)) spec.ViaIndex = IndexOf(spec.Via!);
        else if (spec.ViaIndex is int via && via != 0) spec.Via = NameOf(via);
    }

    /// <inheritdoc cref="Prepare(FdbEntrySpec, FdbOperation)"/>
    public void Prepare(NeighborSpec spec, NeighborOperation operation)
    {
        spec.ValidateValues(operation == NeighborOperation.Delete);
        spec.InterfaceIndex = ResolveDevice(spec.InterfaceName, spec.InterfaceIndex, "A neighbour entry needs an interface.", out string name);
        spec.InterfaceName = name;
    }

    /// <inheritdoc cref="Prepare(FdbEntrySpec, FdbOperation)"/>
    public void Prepare(RouteSpec spec, RouteOperation operation)
    {
        // The device is optional for a route (a gateway alone will do); when named, it must exist.
        if (!string.IsNullOrEmpty(spec.InterfaceName) || spec.InterfaceIndex != 0)
        {
            spec.InterfaceIndex = ResolveDevice(spec.InterfaceName, spec.InterfaceIndex, "", out string name);
            spec.InterfaceName = name;
        }
        foreach (NextHopSpec hop in spec.NextHops)
        {
            if (hop.InterfaceIndex == 0 && string.IsNullOrEmpty(hop.InterfaceName)) continue;
            hop.InterfaceIndex = ResolveDevice(hop.InterfaceName, hop.InterfaceIndex, "", out string hopName);
            hop.InterfaceName = hopName;
        }
        spec.Validate(forDelete: operation == RouteOperation.Delete);
    }

    /// <summary>Sends what is queued and returns every result not returned yet.</summary>
    public IReadOnlyList<(TTag Tag, NetlinkException? Error)> Complete()
    {
        Cancellation.ThrowIfCancellationRequested();
        return _requests.Complete();
    }

    /// <summary>
    /// The index of interface <paramref name="name"/>, looked up once per batch. Throws
    /// <see cref="LinkNotFoundException"/> when there is none.
    /// </summary>
    public int IndexOf(string name)
    {
        if (!_indexes.TryGetValue(name, out int index))
        {
            InterfaceNames.Validate(name);
            index = _links.IndexOf(name);
            _indexes[name] = index;
            _names.TryAdd(index, name);
        }
        return index;
    }

    /// <summary>The name of interface <paramref name="index"/>; throws <see cref="LinkNotFoundException"/> ("#7") when there is none.</summary>
    public string NameOf(int index)
    {
        if (!_names.TryGetValue(index, out string? name))
        {
            name = _links.NameOf(index) ?? throw new LinkNotFoundException($"#{index}", _links.NamespaceName);
            _names[index] = name;
        }
        return name;
    }

    private int ResolveDevice(string? name, int index, string missing, out string resolvedName)
    {
        if (!string.IsNullOrEmpty(name))
        {
            resolvedName = name!;
            return IndexOf(name!);
        }
        if (index > 0)
        {
            resolvedName = NameOf(index);
            return index;
        }
        throw new ArgumentException(missing.Length > 0 ? missing : "Name an interface with -InterfaceName or -InterfaceIndex.");
    }

    /// <summary>Encodes one request into the batch (dropping what a failed encode half-wrote) and ties it to <paramref name="tag"/>.</summary>
    private IReadOnlyList<(TTag Tag, NetlinkException? Error)> Queue<TSpec, TOp>(TSpec spec, TOp operation, TTag tag, Action<MessageWriter, TSpec, TOp> write)
    {
        Cancellation.ThrowIfCancellationRequested();
        MessageWriter w = _requests.Begin();
        try { write(w, spec, operation); }
        catch { _requests.Abandon(); throw; }
        return _requests.Commit(tag);
    }

    /// <summary>Waits for a batch in flight (its results are dropped) and closes the socket.</summary>
    public void Dispose() => _requests.Dispose();
}

/// <summary>How a batch turns interface names into indexes and back (a client; a table in unit tests).</summary>
internal interface ILinkLookup
{
    string? NamespaceName { get; }
    /// <summary>The index of <paramref name="name"/>; throws <see cref="LinkNotFoundException"/>.</summary>
    int IndexOf(string name);
    /// <summary>The name of <paramref name="index"/>, or null when there is no such interface.</summary>
    string? NameOf(int index);
}

internal sealed class ClientLinkLookup(RtnlClient client) : ILinkLookup
{
    public string? NamespaceName => client.NamespaceName;
    public int IndexOf(string name) => client.GetIndex(name);
    public string? NameOf(int index) => client.GetLink(index)?.Name;
}
