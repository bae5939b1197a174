using System.Collections;
using System.Management.Automation;
using OverlayNet.Labs;
using OverlayNet.Labs.Journal;

namespace OverlayNet.Commands;

/// <summary>Runs a lab's checks (ping pairs): from its journal by -Name, or from a topology.</summary>
[Cmdlet(VerbsDiagnostic.Test, "OverlayLab", DefaultParameterSetName = "Name")]
[OutputType(typeof(LabCheckResult))]
public sealed class TestOverlayLabCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Name", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(LabNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = "Path")]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = "Topology", ValueFromPipeline = true)]
    public LabTopology? Topology { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Hashtable")]
    public IDictionary Hashtable { get; set; } = new Hashtable();

    /// <summary>Echoes sent per check before it counts as unreachable (the first may go while ARP settles).</summary>
    [Parameter]
    [ValidateRange(1, 100)]
    public int Attempts { get; set; } = 5;

    [Parameter]
    [ValidateRange(10, 60000)]
    public int TimeoutMs { get; set; } = 1000;

    protected override void ProcessRecord()
    {
        string lab;
        IEnumerable<RecordedCheck> checks;
        if (ParameterSetName == "Name")
        {
            LabRecord? record = LabJournal.ReadRecord(Name);
            if (record == null)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"Lab '{Name}' has no journal on this machine (Get-OverlayLab lists those that do)."),
                    "LabNotFound", ErrorCategory.ObjectNotFound, Name));
                return;
            }
            (lab, checks) = (Name, record.Checks);
        }
        else
        {
            LabTopology? t = ParameterSetName == "Topology" ? Topology : LabTopologyInput.TryLoad(this, ParameterSetName == "Path" ? Path : null, ParameterSetName == "Hashtable" ? Hashtable : null);
            if (t == null) return;
            (lab, checks) = (t.Name, LabChecker.ChecksOf(t));
        }
        try
        {
            foreach (LabCheckResult r in LabChecker.Run(lab, checks, Attempts, TimeSpan.FromMilliseconds(TimeoutMs)))
                WriteObject(r);
        }
        catch (Exception e) when (e is not PipelineStoppedException and not OutOfMemoryException)
        {
            WriteError(Errors.Record(e, "TestOverlayLabFailed", lab, $"Cannot run the checks of lab '{lab}'"));
        }
    }
}
