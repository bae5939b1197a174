using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>bridge fdb show [dev X] [br B]</c>, optionally only some MAC addresses.</summary>
[Cmdlet(VerbsCommon.Get, "BridgeFdbEntry")]
[OutputType(typeof(BridgeFdbEntry))]
public sealed class GetBridgeFdbEntryCommand : OverlayNetCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    /// <summary>Only entries of this bridge's ports (<c>br B</c>).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [Alias("Br")]
    public string? Bridge { get; set; }

    [Parameter]
    public MacAddress[]? MacAddress { get; set; }

    protected override void ProcessRecord()
    {
        Try("GetBridgeFdbEntryFailed", InterfaceName ?? NetNamespace, "Cannot list FDB entries", () =>
        {
            foreach (BridgeFdbEntry e in Rtnl.GetFdbEntries(IndexOrAll(InterfaceName), IndexOrAll(Bridge)))
            {
                if (MacAddress != null && Array.IndexOf(MacAddress, e.MacAddress) < 0) continue;
                WriteObject(e);
            }
        });
    }
}
