using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// <c>bridge link set dev X [learning on|off] [neigh_suppress on|off] [proxy_arp on|off] [hairpin on|off]
/// [isolated on|off]</c> (the same as <c>ip link set X type bridge_slave ...</c>).
/// </summary>
[Cmdlet(VerbsCommon.Set, "BridgePort", SupportsShouldProcess = true)]
[OutputType(typeof(BridgePort))]
public sealed class SetBridgePortCommand : LinkCommandBase
{
    [Parameter] public bool? Learning { get; set; }
    [Parameter] public bool? NeighborSuppress { get; set; }
    [Parameter] public bool? ProxyArp { get; set; }
    [Parameter] public bool? Hairpin { get; set; }
    [Parameter] public bool? Isolated { get; set; }
    [Parameter] public bool? UnicastFlood { get; set; }

    /// <summary>Output the port as it is afterwards.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Try("SetBridgePortFailed", InterfaceName ?? (object)InterfaceIndex, $"Cannot change bridge port {Target}", () =>
        {
            int index = ResolveIndex();
            var change = new BridgePortChange
            {
                Learning = Learning, NeighborSuppress = NeighborSuppress, ProxyArp = ProxyArp,
                Hairpin = Hairpin, Isolated = Isolated, UnicastFlood = UnicastFlood,
            };
            if (!ShouldProcess(Target, "Set bridge port options")) return;
            Rtnl.SetBridgePort(index, change);
            if (PassThru) WriteObject(Rtnl.GetBridgePorts().FirstOrDefault(p => p.InterfaceIndex == index));
        });
    }
}

/// <summary><c>bridge -d link show</c>: the ports of every bridge (or of one, with -Bridge).</summary>
[Cmdlet(VerbsCommon.Get, "BridgePort")]
[OutputType(typeof(BridgePort))]
public sealed class GetBridgePortCommand : OverlayNetCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [SupportsWildcards]
    public string[]? InterfaceName { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [Alias("Master")]
    public string? Bridge { get; set; }

    protected override void ProcessRecord()
    {
        Try("GetBridgePortFailed", NetNamespace, "Cannot list bridge ports", () =>
        {
            WildcardPattern[]? patterns = InterfaceName?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            foreach (BridgePort p in Rtnl.GetBridgePorts())
            {
                if (Bridge != null && p.Bridge != Bridge) continue;
                if (patterns != null && !patterns.Any(w => w.IsMatch(p.InterfaceName))) continue;
                WriteObject(p);
            }
        });
    }
}
