using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// Shared parameters and batch path of Add-, Set- and Remove-BridgeFdbEntry: what <c>bridge fdb
/// add|append|replace|del</c> takes, every parameter read from the properties of piped objects so FDB
/// entries, VXLAN links and CSV rows can be piped in. Each input is validated, encoded and queued; see <see cref="BatchingCmdlet{TItem}"/>.
/// </summary>
public abstract class FdbEntryCommandBase : BatchingCmdlet<BridgeFdbEntry>
{
    [Parameter(Position = 0)]
    [PipelineProperty(Required = true)]
    public MacAddress MacAddress { get; set; }

    [Parameter(Position = 1)]
    [PipelineProperty]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    [Parameter]
    [PipelineProperty]
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

    protected override string Activity(BridgeFdbEntry e) => CannotText(Verb, e.ToString());

    protected override string InputNoun => "an FDB entry";

    protected override void ProcessInput()
    {
        // An entry that fails before it is queued is named the same way as one the kernel refuses.
        var entry = new BridgeFdbEntry
        {
            MacAddress = MacAddress,
            InterfaceName = InterfaceName ?? $"#{InterfaceIndex}",
            Destination = Destination,
            Vni = Vni,
            Port = Port is 0 ? null : Port,
            Via = Via,
            Vlan = Vlan,
            Self = Self.IsPresent || !Master.IsPresent,
            Master = Master.IsPresent,
            State = State ?? FdbState.Permanent,
            NetNamespace = NetNamespace,
        };
        TryEnqueue(entry, () =>
        {
            var spec = new FdbEntrySpec
            {
                MacAddress = MacAddress, Destination = Destination, Vni = Vni, Port = Port, Vlan = Vlan,
                Self = Self.IsPresent, Master = Master.IsPresent,
                // A stale entry read back is deleted like a dynamic one.
                State = Operation == FdbOperation.Delete && State == FdbState.Stale ? FdbState.Dynamic : State,
            };
            spec.InterfaceIndex = 1; // checked for real below, after the values that need no lookup
            spec.Validate();
            spec.InterfaceIndex = entry.InterfaceIndex = ResolveCached(InterfaceName, InterfaceIndex);
            entry.InterfaceName = InterfaceDisplayName(InterfaceName, entry.InterfaceIndex, entry.InterfaceName);
            if (!string.IsNullOrEmpty(Via)) spec.ViaIndex = entry.ViaIndex = ResolveCached(Via, 0);
            if (!NothingToConfirm && !ShouldProcess(Describe(entry.ToString()), Verb)) return null;
            return w => RtnlClient.WriteFdbEntry(w, spec, Operation);
        });
    }
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
    protected override void OnApplied(BridgeFdbEntry item) => WriteObject(item);
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

    protected override void OnApplied(BridgeFdbEntry item)
    {
        if (PassThru) WriteObject(item);
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

    protected override void OnApplied(BridgeFdbEntry item)
    {
        if (PassThru) WriteObject(item);
    }
}
