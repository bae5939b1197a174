using System.Collections;
using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary>
/// The input side of <see cref="BatchingCmdlet{TItem}"/>: how piped objects (or an -InputObject array) become
/// parameter values, one input at a time, and when ShouldProcess can be skipped.
/// </summary>
public abstract partial class BatchingCmdlet<TItem>
{
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
    [PipelineProperty(FromLink = true)]
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
}
