using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// Shared parameters and batch path of Add-, Set- and Remove-BridgeFdbEntry: what <c>bridge fdb
/// add|append|replace|del</c> takes, every parameter bound by property name so FDB entries, VXLAN links and
/// CSV rows can be piped in. Each input is validated, encoded and queued; see <see cref="BatchingCmdlet{TItem}"/>.
/// </summary>
public abstract class FdbEntryCommandBase : BatchingCmdlet<BridgeFdbEntry>
{
    private const string EntrySet = "Entry", ArraySet = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = EntrySet)]
    [Parameter(ParameterSetName = ArraySet)]
    public MacAddress MacAddress { get; set; }

    /// <summary>
    /// The array form for bulk work: objects with the same property names as the parameters (CSV rows, FDB
    /// entries). Skips PowerShell's per-item parameter binding; parameters given on the command line fill in
    /// what an object lacks.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ArraySet)]
    public PSObject[]? InputObject { get; set; }

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ifIndex", "Index")]
    public int InterfaceIndex { get; set; }

    /// <summary>Remote VTEP address (<c>dst</c>).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Dst")]
    public IPAddress? Destination { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int? Vni { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int? Port { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? Via { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int? Vlan { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [FlagTransformation]
    public SwitchParameter Self { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [FlagTransformation]
    public SwitchParameter Master { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public FdbState? State { get; set; }

    /// <summary>Which <c>bridge fdb</c> command this is.</summary>
    protected abstract FdbOperation Operation { get; }

    /// <summary>The ShouldProcess verb: "Add FDB entry".</summary>
    protected abstract string Verb { get; }

    protected override string Activity(BridgeFdbEntry e) => CannotText(Verb, e.ToString());

    protected override void ProcessRecord()
    {
        if (InputObject == null)
        {
            QueueCurrent();
            return;
        }
        var line = new CommandLineValues(this);
        foreach (PSObject o in InputObject)
        {
            try
            {
                line.ReadInto(this, o);
            }
            catch (Exception e) when (e is PSInvalidCastException or ArgumentException or FormatException)
            {
                WriteFailure(e, "InvalidInputObject", o, $"Cannot read an FDB entry from '{o}'");
                continue;
            }
            QueueCurrent();
        }
        line.Restore(this);
    }

    /// <summary>The parameters as given on the command line, which object properties override item by item.</summary>
    private sealed class CommandLineValues(FdbEntryCommandBase c)
    {
        private readonly MacAddress _mac = c.MacAddress;
        private readonly string? _name = c.InterfaceName, _via = c.Via, _ns = c.NetNamespace;
        private readonly int _index = c.InterfaceIndex;
        private readonly IPAddress? _dst = c.Destination;
        private readonly int? _vni = c.Vni, _port = c.Port, _vlan = c.Vlan;
        private readonly SwitchParameter _self = c.Self, _master = c.Master;
        private readonly FdbState? _state = c.State;

        public void ReadInto(FdbEntryCommandBase c, PSObject o)
        {
            c.MacAddress = Get(o, _mac, "MacAddress");
            c.InterfaceName = Get(o, _name, "InterfaceName", "Name", "Device", "Dev", "InterfaceAlias", "ifAlias");
            c.InterfaceIndex = Get(o, _index, "InterfaceIndex", "ifIndex", "Index");
            c.Destination = Get(o, _dst, "Destination", "Dst");
            c.Vni = Get(o, _vni, "Vni");
            c.Port = Get(o, _port, "Port");
            c.Vlan = Get(o, _vlan, "Vlan");
            c.Via = Get(o, _via, "Via");
            c.State = Get(o, _state, "State");
            c.NetNamespace = Get(o, _ns, "NetNamespace");
            // As with pipeline binding: only a real bool sets a flag (a Link's Master is a bridge name).
            c.Self = Find(o, "Self") is bool s ? new SwitchParameter(s) : _self;
            c.Master = Find(o, "Master") is bool m ? new SwitchParameter(m) : _master;
        }

        public void Restore(FdbEntryCommandBase c)
        {
            c.MacAddress = _mac; c.InterfaceName = _name; c.InterfaceIndex = _index; c.Destination = _dst;
            c.Vni = _vni; c.Port = _port; c.Vlan = _vlan; c.Via = _via; c.State = _state; c.NetNamespace = _ns;
            c.Self = _self; c.Master = _master;
        }

        private static object? Find(PSObject o, params string[] names)
        {
            foreach (string n in names)
            {
                object? v = o.Properties[n]?.Value;
                if (v is PSObject p) v = p.BaseObject;
                if (v != null && !(v is string str && str.Length == 0)) return v;
            }
            return null;
        }

        private static T Get<T>(PSObject o, T fallback, params string[] names) =>
            Find(o, names) is object v ? (T)LanguagePrimitives.ConvertTo(v, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T)) : fallback;
    }

    private void QueueCurrent()
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
            if (!ShouldProcess(Describe(entry.ToString()), Verb)) return null;
            return w => RtnlClient.WriteFdbEntry(w, spec, Operation);
        });
    }
}

/// <summary><c>bridge fdb add</c> (or <c>append</c> with -Append): puts an entry into a VXLAN device's or bridge's FDB.</summary>
[Cmdlet(VerbsCommon.Add, "BridgeFdbEntry", DefaultParameterSetName = "Entry", SupportsShouldProcess = true)]
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
[Cmdlet(VerbsCommon.Set, "BridgeFdbEntry", DefaultParameterSetName = "Entry", SupportsShouldProcess = true)]
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
[Cmdlet(VerbsCommon.Remove, "BridgeFdbEntry", DefaultParameterSetName = "Entry", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
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
