using System.Management.Automation;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// Base of cmdlets that apply a table entry per pipeline input (FDB entries, neighbours, routes). Each input
/// arrives in <see cref="InputObject"/> and is bound to the parameters by <see cref="PipelineBinder"/>, then
/// <see cref="ProcessInput"/> validates and encodes it into a <see cref="RequestBatch{T}"/> (one per
/// namespace) with the input remembered; full batches go to the kernel while the next inputs are bound, and
/// EndProcessing flushes. Each acknowledged input is handed to <see cref="OnApplied"/>; a refusal becomes a
/// non-terminating error naming that input, and the rest are applied.
/// </summary>
public abstract partial class BatchingCmdlet<TItem> : OverlayNetCmdlet where TItem : class
{
    protected const int BatchSize = 1000;

    private readonly Dictionary<string, RequestBatch<TItem>> _batches = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), int> _indexes = new();

    /// <summary>ErrorId for a refused input, e.g. "AddBridgeFdbEntryFailed".</summary>
    protected abstract string FailureId { get; }

    /// <summary>How an error describes what failed: "Cannot add FDB entry 00:.. dev vx0 dst 10.0.0.1".</summary>
    protected abstract string Activity(TItem item);

    /// <summary>Called on the pipeline thread for every input the kernel accepted (Add- writes its output here).</summary>
    protected virtual void OnApplied(TItem item) { }

    /// <summary>What an error record names as its target: the input itself, unless the cmdlet knows better (a route's prefix).</summary>
    protected virtual object ErrorTarget(TItem item) => item;

    /// <summary>
    /// Validates, resolves and queues the request for one input: <paramref name="prepare"/> returns its encoder,
    /// or null when ShouldProcess declined. A failure that is the user's to see becomes an error naming
    /// <paramref name="item"/>, and the next input goes on.
    /// </summary>
    protected void TryEnqueue(TItem item, Func<Action<MessageWriter>?> prepare)
    {
        // Not Try(...): the activity text is only formatted when something fails, which matters in bulk.
        try
        {
            if (prepare() is Action<MessageWriter> encode) Enqueue(item, encode);
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            WriteFailure(e, FailureId, ErrorTarget(item), Activity(item));
        }
    }

    /// <summary>Queues one encoded request for <paramref name="item"/> in the current namespace's batch.</summary>
    protected void Enqueue(TItem item, Action<MessageWriter> encode)
    {
        string key = NetNamespace ?? "";
        if (!_batches.TryGetValue(key, out RequestBatch<TItem>? batch))
        {
            batch = Rtnl.CreateBatch<TItem>(BatchSize);
            _batches[key] = batch;
        }
        MessageWriter w = batch.Begin();
        try
        {
            encode(w);
        }
        catch
        {
            batch.Abandon(); // a half-written request must not go out with the batch
            throw;
        }
        Report(batch.Commit(item));
    }

    /// <summary>Interface name or index to index, with lookups cached per namespace for bulk input.</summary>
    protected int ResolveCached(string? name, int index)
    {
        if (string.IsNullOrEmpty(name)) return ResolveInterface(Rtnl, name, index);
        var key = (NetNamespace ?? "", name!);
        if (!_indexes.TryGetValue(key, out int found))
        {
            found = ResolveInterface(Rtnl, name, 0);
            _indexes[key] = found;
        }
        return found;
    }

    /// <summary>
    /// The interface name an output object shows: as given, else the kernel's name for the resolved
    /// <paramref name="index"/> (input that named only an index), else <paramref name="fallback"/>.
    /// </summary>
    protected string InterfaceDisplayName(string? name, int index, string fallback) =>
        !string.IsNullOrEmpty(name) ? name! : Rtnl.GetLink(index)?.Name ?? fallback;

    /// <summary>An error's activity: "Cannot add FDB entry X" from the ShouldProcess verb "Add FDB entry".</summary>
    protected string CannotText(string verb, string what) => $"Cannot {char.ToLowerInvariant(verb[0])}{verb[1..]} {Describe(what)}";

    private void Report(IReadOnlyList<(TItem Item, NetlinkException? Error)> results)
    {
        foreach (var (item, error) in results)
        {
            if (error == null) OnApplied(item);
            else WriteFailure(error, FailureId, ErrorTarget(item), Activity(item));
        }
    }

    protected override void EndProcessing()
    {
        try
        {
            foreach (RequestBatch<TItem> batch in _batches.Values) Report(batch.Complete());
        }
        finally
        {
            DisposeBatches();
            base.EndProcessing();
        }
    }

    protected override void StopProcessing()
    {
        DisposeBatches();
        base.StopProcessing();
    }

    private void DisposeBatches()
    {
        foreach (RequestBatch<TItem> b in _batches.Values) b.Dispose();
        _batches.Clear();
    }
}
