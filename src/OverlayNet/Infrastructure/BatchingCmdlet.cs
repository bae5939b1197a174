using System.Management.Automation;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// Base of cmdlets that apply a table entry per pipeline input (FDB entries, neighbours, routes). Each input
/// arrives in <see cref="InputObject"/> and is bound to the parameters by <see cref="PipelineBinder"/>; the
/// cmdlet turns the parameters into the library's spec and hands it to <see cref="Queue"/>, which puts it into
/// the <see cref="RtnlBatch{TTag}"/> of its namespace: the library validates, resolves names, encodes and sends,
/// full batches going to the kernel while the next inputs are bound; EndProcessing flushes. Each acknowledged
/// input is handed to <see cref="OnApplied"/>; a refusal becomes a non-terminating error naming that input, and
/// the rest are applied.
/// </summary>
/// <remarks>
/// Ctrl+C: StopProcessing (on PowerShell's stop thread) only cancels the token the batches carry; the pipeline
/// thread stops at its next add or write, and Dispose, on the pipeline thread, closes the batches (a batch is
/// not thread-safe, so it is never touched from the stop thread).
/// </remarks>
public abstract partial class BatchingCmdlet<TItem> : OverlayNetCmdlet where TItem : class
{
    protected const int BatchSize = 1000;

    private readonly Dictionary<string, RtnlBatch<TItem>> _batches = new(StringComparer.Ordinal);
    private RtnlBatch<TItem>? _lastBatch;
    private string? _lastKey;
    // Per namespace deleted under the pipeline: its error and every input it stopped, reported once at the end.
    private readonly Dictionary<string, (NetlinkException Error, List<object> Inputs)> _lost = new(StringComparer.Ordinal);

    /// <summary>ErrorId for a refused input, e.g. "AddBridgeFdbEntryFailed".</summary>
    protected abstract string FailureId { get; }

    /// <summary>How an error describes what failed: "Cannot add FDB entry 00:.. dev vx0 dst 10.0.0.1".</summary>
    protected abstract string Activity(TItem item, string? netNamespace);

    /// <summary>Called on the pipeline thread for every input the kernel accepted (Add- writes its output here).</summary>
    protected virtual void OnApplied(TItem item, string? netNamespace) { }

    /// <summary>What an error record names as its target: the input itself, unless the cmdlet knows better (a route's prefix).</summary>
    protected virtual object ErrorTarget(TItem item, string? netNamespace) => item;

    /// <summary>
    /// Adds <paramref name="item"/> to <paramref name="batch"/> (asking ShouldProcess first unless
    /// <see cref="BatchingCmdlet{TItem}.NothingToConfirm"/>) and returns what the batch returned, or null when
    /// the user declined.
    /// </summary>
    protected abstract IReadOnlyList<(TItem Tag, NetlinkException? Error)>? Enqueue(RtnlBatch<TItem> batch, TItem item);

    /// <summary>
    /// The confirm step of every <see cref="Enqueue"/>: true at once when -WhatIf/-Confirm cannot ask anything
    /// (the bulk path); otherwise <paramref name="prepare"/> resolves the request first, so ShouldProcess names
    /// the device as resolved, and the user's answer is returned.
    /// </summary>
    protected bool ConfirmEntry(Action prepare, string target, string action)
    {
        if (NothingToConfirm) return true;
        prepare();
        return ShouldProcess(Describe(target), action);
    }

    /// <summary>
    /// Queues one input in the current namespace's batch. A failure that is the user's to see (bad value,
    /// unknown interface or namespace) becomes an error naming <paramref name="item"/>, and the next input goes on.
    /// </summary>
    protected void Queue(TItem item)
    {
        try
        {
            if (Enqueue(CurrentBatch(), item) is { } done) Report(done, NetNamespace);
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            WriteFailure(e, FailureId, ErrorTarget(item, NetNamespace), Activity(item, NetNamespace));
        }
        catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    private RtnlBatch<TItem> CurrentBatch()
    {
        string key = NetNamespace ?? "";
        // Bulk input names the same namespace row after row.
        if (_lastBatch != null && string.Equals(_lastKey, key, StringComparison.Ordinal)) return _lastBatch;
        if (!_batches.TryGetValue(key, out RtnlBatch<TItem>? batch))
        {
            batch = Scope.CreateBatch<TItem>(BatchSize);
            _batches[key] = batch;
        }
        _lastKey = key;
        return _lastBatch = batch;
    }

    /// <summary>An error's activity: "Cannot add FDB entry X" from the ShouldProcess verb "Add FDB entry".</summary>
    protected static string CannotText(string verb, string what, string? netNamespace) =>
        $"Cannot {char.ToLowerInvariant(verb[0])}{verb[1..]} {(netNamespace == null ? what : $"{what} (namespace {netNamespace})")}";

    private void Report(IReadOnlyList<(TItem Item, NetlinkException? Error)> results, string? netNamespace)
    {
        NetlinkException? deleted = null;
        foreach (var (item, error) in results)
        {
            if (error == null) OnApplied(item, netNamespace);
            else if (ReferenceEquals(error, deleted ??= Scopes.Get(netNamespace).CheckStillThere())) Lost(error, item, netNamespace);
            else WriteFailure(error, FailureId, ErrorTarget(item, netNamespace), Activity(item, netNamespace));
        }
    }

    private void Lost(NetlinkException error, TItem item, string? netNamespace)
    {
        string key = netNamespace ?? "";
        if (!_lost.TryGetValue(key, out var lost)) _lost[key] = lost = (error, []);
        lost.Inputs.Add(ErrorTarget(item, netNamespace));
    }

    /// <summary>One error per namespace deleted under the pipeline, its target the inputs it stopped.</summary>
    private void ReportLost()
    {
        foreach (var (ns, (error, inputs)) in _lost)
        {
            ErrorRecord record = Errors.Record(error, "NetNamespaceDeleted", inputs.ToArray(),
                $"{inputs.Count} input(s) for namespace '{ns}' were not applied (this error's TargetObject lists them)");
            WriteError(record);
        }
        _lost.Clear();
    }

    protected override void EndProcessing()
    {
        try
        {
            foreach (var (key, batch) in _batches) Report(batch.Complete(), key.Length == 0 ? null : key);
            ReportLost();
        }
        catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            DisposeBatches();
            base.EndProcessing();
        }
    }

    public override void Dispose()
    {
        DisposeBatches();
        base.Dispose();
    }

    private void DisposeBatches()
    {
        foreach (RtnlBatch<TItem> b in _batches.Values) b.Dispose();
        _batches.Clear();
        _lastBatch = null;
        _lastKey = null;
    }
}
