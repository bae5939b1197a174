using System.Collections;
using System.Management.Automation;
using OverlayNet.Labs;

namespace OverlayNet.Commands;

/// <summary>
/// Converges a lab to its topology: reads the kernel, computes the difference per object and makes only
/// that, journalled, undone on failure. -WhatIf outputs the same changes and makes none.
/// </summary>
[Cmdlet(VerbsCommon.Set, "OverlayLab", SupportsShouldProcess = true, DefaultParameterSetName = "Path")]
[OutputType(typeof(LabChange))]
public sealed class SetOverlayLabCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = "Topology", ValueFromPipeline = true)]
    public LabTopology? Topology { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Hashtable")]
    public IDictionary Hashtable { get; set; } = new Hashtable();

    /// <summary>Keep what was made before a failed step instead of undoing it.</summary>
    [Parameter]
    public SwitchParameter NoRollback { get; set; }

    protected override void ProcessRecord()
    {
        LabTopology? lab = ParameterSetName switch
        {
            "Topology" => Topology,
            "Hashtable" => LabTopologyInput.TryLoad(this, null, Hashtable),
            _ => LabTopologyInput.TryLoad(this, Path, null),
        };
        if (lab == null) return;
        // A topology object may be older than another lab's claim on its namespaces: check ownership again.
        foreach (string ns in lab.Namespaces())
        {
            string? owner = Labs.Journal.LabJournal.OwnerOf(ns);
            if (owner != null && owner != lab.Name)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"Namespace '{ns}' is owned by lab '{owner}'; nothing was changed."),
                    "NamespaceOwnedByAnotherLab", ErrorCategory.ResourceExists, ns));
                return;
            }
        }

        using var converger = new LabConverger(lab.Name);
        var progress = new ProgressRecord(1, $"Lab {lab.Name}", "Reading the kernel");
        try
        {
            if (!WhatIfRequested) converger.Recover(WriteWarning);
            WriteProgress(progress);
            List<LabChange> plan = converger.Plan(lab);
            if (!ShouldProcess(lab.Name, $"Converge lab ({plan.Count} change(s))"))
            {
                WriteObject(plan, enumerateCollection: true);
                return;
            }
            converger.Apply(lab, plan, NoRollback, (i, n, c) =>
            {
                progress.StatusDescription = i < n ? $"{c.Action} {c.Kind} {c.Name} in {c.Host}" : "Done";
                progress.PercentComplete = n == 0 ? 100 : i * 100 / n;
                WriteProgress(progress);
            });
            WriteObject(plan, enumerateCollection: true);
        }
        catch (LabApplyException e)
        {
            var record = new ErrorRecord(e, "LabStepFailed", Errors.Category(e.InnerException!), e.FailedStep);
            WriteError(record);
        }
        catch (Exception e) when (e is not PipelineStoppedException and not OutOfMemoryException)
        {
            WriteError(Errors.Record(e, "SetOverlayLabFailed", lab.Name, $"Cannot converge lab '{lab.Name}'"));
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    private bool WhatIfRequested => MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? w) && w is SwitchParameter { IsPresent: true };
}
