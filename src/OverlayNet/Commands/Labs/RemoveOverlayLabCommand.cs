using System.Management.Automation;
using OverlayNet.Labs;

namespace OverlayNet.Commands;

/// <summary>
/// Takes a lab down from its journal alone: deletes every namespace the lab owns (and so everything in them),
/// nothing else. Works without the file, from any pwsh, after a crash; a second run does nothing.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "OverlayLab", SupportsShouldProcess = true)]
[OutputType(typeof(LabChange))]
public sealed class RemoveOverlayLabCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(LabNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Output each namespace removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string name in Name)
        {
            try
            {
                if (!Labs.Journal.LabJournal.Exists(name))
                {
                    WriteVerbose($"Lab '{name}' has no journal on this machine: nothing to remove.");
                    continue;
                }
                LabTeardown.Remove(name, (change, error) =>
                {
                    if (error != null)
                        WriteError(Errors.Record(error, "RemoveOverlayLabNamespaceFailed", change, $"Lab '{name}': cannot remove namespace '{change.Name}'"));
                    else
                    {
                        WriteVerbose($"Lab '{name}': removed namespace '{change.Name}'.");
                        if (PassThru) WriteObject(change);
                    }
                }, change => ShouldProcess(change.Name, $"Remove namespace of lab '{name}'"));
            }
            catch (Exception e) when (e is not PipelineStoppedException and not OutOfMemoryException)
            {
                WriteError(Errors.Record(e, "RemoveOverlayLabFailed", name, $"Cannot remove lab '{name}'"));
            }
        }
    }
}

/// <summary>Completes lab names from the journals under /run/overlaynet/labs.</summary>
public sealed class LabNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        Labs.Journal.LabJournal.ListLabs()
            .Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.Ordinal))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
}
