using System.Management.Automation;
using OverlayNet.Labs.Export;

namespace OverlayNet.Commands;

/// <summary>
/// Reads namespaces built by hand or by a seed script and writes the topology (YAML) that describes them;
/// applying it to the same namespaces changes nothing.
/// </summary>
[Cmdlet(VerbsData.Export, "OverlayTopology", SupportsShouldProcess = true)]
[OutputType(typeof(string))]
public sealed class ExportOverlayTopologyCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public string[] NetNamespace { get; set; } = [];

    /// <summary>Write the topology to this file instead of the pipeline.</summary>
    [Parameter]
    public string? Path { get; set; }

    private readonly List<string> _names = [];

    protected override void ProcessRecord() => _names.AddRange(NetNamespace);

    protected override void EndProcessing()
    {
        string text;
        try
        {
            text = TopologyExporter.Export(_names.Distinct().ToList());
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Labs.TopologyException or IOException
            or Netlink.Interop.ErrnoException)
        {
            WriteError(Errors.Record(e, "ExportOverlayTopologyFailed", string.Join(",", _names), "Cannot describe these namespaces as a lab"));
            return;
        }
        if (Path == null)
        {
            WriteObject(text);
            return;
        }
        string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (ShouldProcess(full, "Write topology")) File.WriteAllText(full, text);
    }
}
