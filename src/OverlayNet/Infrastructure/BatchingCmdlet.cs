using System.Collections;
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
public abstract class BatchingCmdlet<TItem> : OverlayNetCmdlet where TItem : class
{
    protected const int BatchSize = 1000;

    /// <summary>
    /// The inputs: piped in one at a time, or an array on the command line (the bulk form). An object's
    /// properties fill the parameters of the same names or aliases; a string binds to the by-value parameter
    /// (a route's prefix). Parameters given on the command line win over properties.
    /// </summary>
    /// <remarks>
    /// One parameter set, and the required parameter (a route's prefix, an entry's MAC) is not Mandatory to
    /// PowerShell: with two sets PowerShell cannot tell <c>-InputObject $rows -InterfaceName vx0</c> from a
    /// command line missing its MAC. <see cref="PipelineBinder"/> checks it instead, per input.
    /// One PSObject rather than PSObject[]: PowerShell binds a piped item to it about a microsecond faster;
    /// a collection given on the command line is taken apart here.
    /// </remarks>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>As every cmdlet's, but read from piped objects by <see cref="PipelineBinder"/>, not PowerShell.</summary>
    /// <remarks>
    /// PowerShell reads the attributes of this override only: with no by-property-name parameter left, its
    /// binder does one by-value step per input. That halves the per-input cost again, and, more, keeps a
    /// fresh session's first bulk pipeline out of PowerShell's slow, not yet optimised binding code.
    /// </remarks>
    [Parameter]
    [PipelineProperty]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public override string? NetNamespace
    {
        get => base.NetNamespace;
        set => base.NetNamespace = value;
    }

    private PipelineBinder? _binder;

    /// <summary>What an unreadable input is called in its error: "an FDB entry".</summary>
    protected abstract string InputNoun { get; }

    /// <summary>Validates and queues the request that the parameters, as now bound, describe.</summary>
    protected abstract void ProcessInput();

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _binder = new PipelineBinder(this);
        NothingToConfirm = WouldShouldProcessBeSilent();
    }

    /// <summary>
    /// True when ShouldProcess would say yes and write nothing (no -WhatIf, -Confirm or -Verbose, and no
    /// preference asking for them): callers skip the call then, and the formatting of its target. PowerShell
    /// formats a message from its resources on every call, about a microsecond per input.
    /// </summary>
    protected bool NothingToConfirm { get; private set; }

    private bool WouldShouldProcessBeSilent()
    {
        var bound = MyInvocation.BoundParameters;
        if (bound.ContainsKey("WhatIf") || bound.ContainsKey("Confirm") || bound.ContainsKey("Verbose") || bound.ContainsKey("Debug"))
            return false;
        if (LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"))) return false;
        if (!LanguagePrimitives.TryConvertTo(GetVariableValue("VerbosePreference") ?? ActionPreference.SilentlyContinue, out ActionPreference verbose)
            || verbose != ActionPreference.SilentlyContinue)
            return false;
        if (!LanguagePrimitives.TryConvertTo(GetVariableValue("ConfirmPreference") ?? ConfirmImpact.High, out ConfirmImpact asked))
            return false;
        ConfirmImpact mine = ((CmdletAttribute)Attribute.GetCustomAttribute(GetType(), typeof(CmdletAttribute))!).ConfirmImpact;
        return asked == ConfirmImpact.None || mine < asked;
    }

    protected sealed override void ProcessRecord()
    {
        if (InputObject == null)
        {
            _binder!.CheckCommandLine(this);
            ProcessInput();
            return;
        }
        if (InputObject.BaseObject is IEnumerable many and not string and not IDictionary)
        {
            foreach (object? item in many)
            {
                if (item != null) BindAndProcess(PSObject.AsPSObject(item));
            }
        }
        else
        {
            BindAndProcess(InputObject);
        }
    }

    private void BindAndProcess(PSObject input)
    {
        try
        {
            _binder!.Bind(this, input);
        }
        catch (ArgumentException e)
        {
            WriteFailure(e, "InvalidInputObject", input, $"Cannot read {InputNoun} from '{input}'");
            return;
        }
        ProcessInput();
    }

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
