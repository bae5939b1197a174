using System.Collections;
using System.Management.Automation;
using OverlayNet.Labs;

namespace OverlayNet.Commands;

/// <summary>Reads and validates a topology (*.lab.yml, .psd1 or a hashtable) without changing anything.</summary>
[Cmdlet(VerbsData.Import, "OverlayTopology", DefaultParameterSetName = "Path")]
[OutputType(typeof(LabTopology))]
public sealed class ImportOverlayTopologyCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = "Hashtable")]
    public IDictionary Hashtable { get; set; } = new Hashtable();

    protected override void ProcessRecord()
    {
        if (LabTopologyInput.TryLoad(this, ParameterSetName == "Path" ? Path : null, ParameterSetName == "Hashtable" ? Hashtable : null) is LabTopology lab)
            WriteObject(lab);
    }
}

/// <summary>Shared by the lab cmdlets: resolves a path, loads the topology, turns refusals into one clear error.</summary>
internal static class LabTopologyInput
{
    public static LabTopology? TryLoad(PSCmdlet cmdlet, string? path, IDictionary? hashtable)
    {
        string? full = path == null ? null : cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        try
        {
            return PowerShellTopologyReader.Load(full, hashtable);
        }
        catch (TopologyException e)
        {
            var record = new ErrorRecord(e, "InvalidTopology", ErrorCategory.InvalidData, full ?? (object?)hashtable);
            record.ErrorDetails = new ErrorDetails($"The topology {(full != null ? $"'{full}' " : "")}is not valid; nothing was changed:{Environment.NewLine}{e.Message}");
            cmdlet.WriteError(record);
            return null;
        }
    }
}
