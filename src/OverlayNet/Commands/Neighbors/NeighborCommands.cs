using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// Shared parameters and batch path of Add-, Set- and Remove-IpNeighbor (<c>ip neigh add|replace|del</c>),
/// read from the properties of piped objects so neighbour objects and CSV rows can be piped in.
/// </summary>
public abstract class NeighborCommandBase : BatchingCmdlet<NeighborSpec>
{
    [Parameter(Position = 0)]
    [PipelineProperty(Required = true)]
    [Alias("Address", "IP")]
    public IPAddress IPAddress { get; set; } = IPAddress.None;

    [Parameter(Position = 1)]
    [PipelineProperty]
    [Alias("lladdr")]
    public MacAddress? LinkLayerAddress { get; set; }

    [Parameter(Position = 2)]
    [PipelineProperty(FromLink = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    [Parameter]
    [PipelineProperty(FromLink = true)]
    [Alias("ifIndex", "Index")]
    public int InterfaceIndex { get; set; }

    /// <summary>The entry's state (<c>nud</c>); iproute2's default for add and replace is permanent.</summary>
    [Parameter]
    [PipelineProperty]
    public NeighborState State { get; set; } = NeighborState.Permanent;

    /// <summary>A proxy entry (<c>ip neigh add proxy</c>): needs no link-layer address.</summary>
    [Parameter]
    [PipelineProperty]
    public SwitchParameter Proxy { get; set; }

    /// <summary>Mark the neighbour as an IPv6 router (<c>router</c>).</summary>
    [Parameter]
    [PipelineProperty]
    public SwitchParameter Router { get; set; }

    protected abstract NeighborOperation Operation { get; }
    protected abstract string Verb { get; }

    protected override string Activity(NeighborSpec n, string? netNamespace) => CannotText(Verb, n.ToString(), netNamespace);

    protected override object ErrorTarget(NeighborSpec n, string? netNamespace) => n.ToNeighbor(netNamespace);

    protected override string InputNoun => "a neighbour";

    // The one place the bound parameters become the library's request (see RtnlBatch).
    protected override void ProcessInput() => Queue(new NeighborSpec
    {
        Address = IPAddress,
        LinkLayerAddress = Proxy ? null : LinkLayerAddress,
        InterfaceName = InterfaceName,
        InterfaceIndex = InterfaceIndex,
        State = State,
        Proxy = Proxy.IsPresent,
        Router = Router.IsPresent,
    });

    protected override IReadOnlyList<(NeighborSpec Tag, NetlinkException? Error)>? Enqueue(RtnlBatch<NeighborSpec> batch, NeighborSpec spec) =>
        ConfirmEntry(() => batch.Prepare(spec, Operation), $"{spec.Address} dev {spec.InterfaceName}", Verb) ? batch.Add(spec, Operation, spec) : null;
}

/// <summary><c>ip neigh add ADDR lladdr MAC dev DEV [nud STATE] | ip neigh add proxy ADDR dev DEV</c>.</summary>
[Cmdlet(VerbsCommon.Add, "IpNeighbor", SupportsShouldProcess = true)]
[OutputType(typeof(IpNeighbor))]
public sealed class AddIpNeighborCommand : NeighborCommandBase
{
    protected override NeighborOperation Operation => NeighborOperation.Add;
    protected override string Verb => "Add neighbour";
    protected override string FailureId => "AddIpNeighborFailed";
    protected override void OnApplied(NeighborSpec item, string? netNamespace) => WriteObject(item.ToNeighbor(netNamespace));
}

/// <summary><c>ip neigh replace</c>: adds the entry or replaces the existing one.</summary>
[Cmdlet(VerbsCommon.Set, "IpNeighbor", SupportsShouldProcess = true)]
[OutputType(typeof(IpNeighbor))]
public sealed class SetIpNeighborCommand : NeighborCommandBase
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override NeighborOperation Operation => NeighborOperation.Replace;
    protected override string Verb => "Replace neighbour";
    protected override string FailureId => "SetIpNeighborFailed";
    protected override void OnApplied(NeighborSpec item, string? netNamespace) { if (PassThru) WriteObject(item.ToNeighbor(netNamespace)); }
}

/// <summary><c>ip neigh del ADDR dev DEV</c> (or <c>ip neigh del proxy ADDR dev DEV</c>).</summary>
[Cmdlet(VerbsCommon.Remove, "IpNeighbor", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IpNeighbor))]
public sealed class RemoveIpNeighborCommand : NeighborCommandBase
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override NeighborOperation Operation => NeighborOperation.Delete;
    protected override string Verb => "Remove neighbour";
    protected override string FailureId => "RemoveIpNeighborFailed";
    protected override void OnApplied(NeighborSpec item, string? netNamespace) { if (PassThru) WriteObject(item.ToNeighbor(netNamespace)); }
}

/// <summary><c>ip neigh show [proxy] [dev X]</c>.</summary>
[Cmdlet(VerbsCommon.Get, "IpNeighbor")]
[OutputType(typeof(IpNeighbor))]
public sealed class GetIpNeighborCommand : OverlayNetCmdlet
{
    [Parameter(Position = 0)]
    [Alias("Address", "IP")]
    public IPAddress[]? IPAddress { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    [Parameter]
    public IpAddressFamily? AddressFamily { get; set; }

    /// <summary>Only entries in one of these states.</summary>
    [Parameter]
    public NeighborState[]? State { get; set; }

    /// <summary>List proxy entries (<c>ip neigh show proxy</c>) instead of the cache.</summary>
    [Parameter]
    public SwitchParameter Proxy { get; set; }

    protected override void ProcessRecord()
    {
        Try("GetIpNeighborFailed", InterfaceName ?? NetNamespace, "Cannot list neighbours", () =>
        {
            int dev = IndexOrAll(InterfaceName);
            foreach (IpNeighbor n in Rtnl.GetNeighbors(Proxy, AddressFamily, dev))
            {
                if (IPAddress != null && !IPAddress.Contains(n.IPAddress)) continue;
                if (State != null && !State.Any(s => (n.State & s) != 0 || n.State == s)) continue;
                WriteObject(n);
            }
        });
    }
}

/// <summary><c>ip neigh flush [dev X] [nud STATE]</c>: spares permanent and noarp entries unless -State names them.</summary>
[Cmdlet(VerbsCommon.Clear, "IpNeighbor", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IpNeighbor))]
public sealed class ClearIpNeighborCommand : OverlayNetCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    [Parameter]
    public NeighborState[]? State { get; set; }

    [Parameter]
    public IpAddressFamily? AddressFamily { get; set; }

    /// <summary>Output the entries that were removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string target = Describe(InterfaceName ?? "all interfaces");
        Try("ClearIpNeighborFailed", InterfaceName ?? NetNamespace, $"Cannot flush neighbours of {target}", () =>
        {
            int dev = IndexOrAll(InterfaceName);
            NeighborState? states = State == null ? null : State.Aggregate(NeighborState.None, (a, s) => a | s);
            if (!ShouldProcess(target, "Flush neighbour entries")) return;
            List<IpNeighbor> removed = Rtnl.FlushNeighbors(dev, states, AddressFamily);
            if (PassThru) WriteObject(removed, enumerateCollection: true);
        });
    }
}
