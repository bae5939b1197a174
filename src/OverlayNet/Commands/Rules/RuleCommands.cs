using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip rule show</c>, both families unless -AddressFamily says one.</summary>
[Cmdlet(VerbsCommon.Get, "IpRule")]
[OutputType(typeof(IpRule))]
public sealed class GetIpRuleCommand : OverlayNetCmdlet
{
    [Parameter]
    public IpAddressFamily? AddressFamily { get; set; }

    [Parameter(Position = 0)]
    [Alias("Preference", "Pref")]
    public uint? Priority { get; set; }

    protected override void ProcessRecord()
    {
        Try("GetIpRuleFailed", NetNamespace, "Cannot list rules", () =>
        {
            foreach (IpRule r in Rtnl.GetRules(AddressFamily))
                if (Priority == null || r.Priority == Priority) WriteObject(r);
        });
    }
}

/// <summary>The selector and action of <c>ip rule add/del</c>, bound by property name so Get-IpRule output pipes in.</summary>
public abstract class RuleCommandBase : OverlayNetCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Preference", "Pref")]
    public uint? Priority { get; set; }

    /// <summary>Source prefix, or "all".</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? From { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? To { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Iif")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InputInterface { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Oif")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? OutputInterface { get; set; }

    /// <summary>Table number, or main, local, default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Lookup")]
    public string? Table { get; set; }

    /// <summary>Look up the table of the VRF the packet is on (<c>l3mdev</c>).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("L3mdev")]
    public SwitchParameter L3MasterDevice { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("FwMark")]
    public uint? FirewallMark { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public uint? FirewallMask { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public RuleAction? Action { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IpAddressFamily? AddressFamily { get; set; }

    protected RuleSpec BuildSpec(bool forDelete)
    {
        IpPrefix? from = ParsePrefix(From), to = ParsePrefix(To);
        IpAddressFamily family = AddressFamily ?? from?.Family ?? to?.Family ?? IpAddressFamily.IPv4;
        uint? table = string.IsNullOrEmpty(Table) ? null : RouteTables.Parse(Table);
        // A rule read back with l3mdev reports table 0 (none); that is not a table to match on.
        if (L3MasterDevice && table == 0) table = null;
        var spec = new RuleSpec
        {
            Family = family,
            Priority = Priority,
            From = from,
            To = to,
            InputInterface = NullIfEmpty(InputInterface),
            OutputInterface = NullIfEmpty(OutputInterface),
            Table = table,
            L3MasterDevice = L3MasterDevice.IsPresent,
            FirewallMark = FirewallMark,
            FirewallMask = FirewallMask,
            Action = Action == RuleAction.Unspec ? null : Action,
        };
        spec.Validate();
        return spec;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static IpPrefix? ParsePrefix(string? text) =>
        string.IsNullOrEmpty(text) || text.Equals("all", StringComparison.OrdinalIgnoreCase) ? null : IpPrefix.Parse(text);

    protected string Target => Describe($"rule{(Priority is uint p ? $" {p}" : "")} from {From ?? "all"}{(To != null ? $" to {To}" : "")}");
}

/// <summary><c>ip rule add [priority P] [from S] [to D] [iif I] [oif O] [fwmark M] [table T | l3mdev]</c>.</summary>
[Cmdlet(VerbsCommon.Add, "IpRule", SupportsShouldProcess = true)]
[OutputType(typeof(IpRule))]
public sealed class AddIpRuleCommand : RuleCommandBase
{
    protected override void ProcessRecord()
    {
        Try("AddIpRuleFailed", Target, $"Cannot add {Target}", () =>
        {
            RuleSpec spec = BuildSpec(forDelete: false);
            if (!ShouldProcess(Target, "Add rule")) return;
            Rtnl.ModifyRule(spec, delete: false);
            IpRule? added = Rtnl.GetRules(spec.Family).FirstOrDefault(r => Matches(r, spec));
            if (added != null) WriteObject(added);
        });
    }

    private static bool Matches(IpRule r, RuleSpec s) =>
        (s.Priority == null || r.Priority == s.Priority)
        && r.From == (s.From is IpPrefix f ? Format(f) : "all")
        && r.To == (s.To is IpPrefix t ? Format(t) : null)
        && r.InputInterface == s.InputInterface && r.OutputInterface == s.OutputInterface
        && r.FirewallMark == s.FirewallMark && r.L3MasterDevice == s.L3MasterDevice
        && (s.Table == null || r.Table == s.Table);

    private static string Format(IpPrefix p) => p.IsHost ? p.Address.ToString() : p.Network().ToString();
}

/// <summary><c>ip rule del ...</c>; takes Get-IpRule output from the pipeline.</summary>
[Cmdlet(VerbsCommon.Remove, "IpRule", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveIpRuleCommand : RuleCommandBase
{
    protected override void ProcessRecord()
    {
        Try("RemoveIpRuleFailed", Target, $"Cannot remove {Target}", () =>
        {
            RuleSpec spec = BuildSpec(forDelete: true);
            if (!ShouldProcess(Target, "Remove rule")) return;
            Rtnl.ModifyRule(spec, delete: true);
        });
    }
}
