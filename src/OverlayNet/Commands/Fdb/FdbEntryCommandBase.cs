using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// Shared parameters and batch path of Add-, Set- and Remove-BridgeFdbEntry: what <c>bridge fdb
/// add|append|replace|del</c> takes, every parameter read from the properties of piped objects so FDB
/// entries, VXLAN links and CSV rows can be piped in. Each input becomes one <see cref="FdbEntrySpec"/>, which the library's batch validates, resolves, encodes
/// and sends; see <see cref="BatchingCmdlet{TItem}"/>.
/// </summary>
public abstract class FdbEntryCommandBase : BatchingCmdlet<FdbEntrySpec>
{
    [Parameter(Position = 0)]
    [PipelineProperty(Required = true)]
    public MacAddress MacAddress { get; set; }

    [Parameter(Position = 1)]
    [PipelineProperty(FromLink = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    [Parameter]
    [PipelineProperty(FromLink = true)]
    [Alias("ifIndex", "Index")]
    public int InterfaceIndex { get; set; }

    /// <summary>Remote VTEP address (<c>dst</c>).</summary>
    [Parameter]
    [PipelineProperty]
    [Alias("Dst")]
    public IPAddress? Destination { get; set; }

    [Parameter]
    [PipelineProperty]
    public int? Vni { get; set; }

    [Parameter]
    [PipelineProperty]
    public int? Port { get; set; }

    [Parameter]
    [PipelineProperty]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? Via { get; set; }

    [Parameter]
    [PipelineProperty]
    public int? Vlan { get; set; }

    [Parameter]
    [PipelineProperty]
    public SwitchParameter Self { get; set; }

    [Parameter]
    [PipelineProperty]
    public SwitchParameter Master { get; set; }

    [Parameter]
    [PipelineProperty]
    public FdbState? State { get; set; }

    /// <summary>Which <c>bridge fdb</c> command this is.</summary>
    protected abstract FdbOperation Operation { get; }

    /// <summary>The ShouldProcess verb: "Add FDB entry".</summary>
    protected abstract string Verb { get; }

    protected override string Activity(FdbEntrySpec e, string? netNamespace) => CannotText(Verb, e.ToString(), netNamespace);

    protected override object ErrorTarget(FdbEntrySpec e, string? netNamespace) => e.ToEntry(netNamespace);

    protected override string InputNoun => "an FDB entry";

    // The one place the bound parameters become the library's request: everything after this (checks,
    // interface lookups, encoding) happens in RtnlBatch.
    protected override void ProcessInput() => Queue(new FdbEntrySpec
    {
        MacAddress = MacAddress,
        InterfaceName = InterfaceName,
        InterfaceIndex = InterfaceIndex,
        Destination = Destination,
        Vni = Vni,
        Port = Port,
        Via = Via,
        Vlan = Vlan,
        Self = Self.IsPresent,
        Master = Master.IsPresent,
        State = State,
    });

    protected override IReadOnlyList<(FdbEntrySpec Tag, NetlinkException? Error)>? Enqueue(RtnlBatch<FdbEntrySpec> batch, FdbEntrySpec spec) =>
        ConfirmEntry(() => batch.Prepare(spec, Operation), spec.ToString(), Verb) ? batch.Add(spec, Operation, spec) : null;
}

/// <summary><c>bridge fdb add</c> (or <c>append</c> with -Append): puts an entry into a VXLAN device's or bridge's FDB.</summary>
[Cmdlet(VerbsCommon.Add, "BridgeFdbEntry", SupportsShouldProcess = true)]
[OutputType(typeof(BridgeFdbEntry))]
public sealed class AddBridgeFdbEntryCommand : FdbEntryCommandBase
{
    /// <summary>Adds one more destination to an existing MAC (<c>bridge fdb append</c>), as flood lists need.</summary>
    [Parameter]
    public SwitchParameter Append { get; set; }

    protected override FdbOperation Operation => Append ? FdbOperation.Append : FdbOperation.Add;
    protected override string Verb => Append ? "Append FDB entry" : "Add FDB entry";
    protected override string FailureId => "AddBridgeFdbEntryFailed";

    // Built from the input rather than read back, so bulk adds stay fast.
    protected override void OnApplied(FdbEntrySpec item, string? netNamespace) => WriteObject(item.ToEntry(netNamespace));
}

/// <summary><c>bridge fdb replace</c>: adds the entry or replaces the one with the same MAC.</summary>
[Cmdlet(VerbsCommon.Set, "BridgeFdbEntry", SupportsShouldProcess = true)]
[OutputType(typeof(BridgeFdbEntry))]
public sealed class SetBridgeFdbEntryCommand : FdbEntryCommandBase
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override FdbOperation Operation => FdbOperation.Replace;
    protected override string Verb => "Replace FDB entry";
    protected override string FailureId => "SetBridgeFdbEntryFailed";

    protected override void OnApplied(FdbEntrySpec item, string? netNamespace)
    {
        if (PassThru) WriteObject(item.ToEntry(netNamespace));
    }
}

/// <summary>
/// <c>bridge fdb del</c>: with -Destination, removes that one destination of a multi-destination entry;
/// without, the whole entry.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "BridgeFdbEntry", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BridgeFdbEntry))]
public sealed class RemoveBridgeFdbEntryCommand : FdbEntryCommandBase
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override FdbOperation Operation => FdbOperation.Delete;
    protected override string Verb => "Remove FDB entry";
    protected override string FailureId => "RemoveBridgeFdbEntryFailed";

    protected override void OnApplied(FdbEntrySpec item, string? netNamespace)
    {
        if (PassThru) WriteObject(item.ToEntry(netNamespace));
    }
}
