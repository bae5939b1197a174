using System.Management.Automation;
using OverlayNet.Netlink.Netfilter;

namespace OverlayNet.Commands;

/// <summary>
/// The parameters that describe a forward rule (<c>iptables -A FORWARD [-i IF] [-o IF] [--src S] [--dest D]
/// [-m state --state ...] -j ACCEPT|DROP</c>), shared by Add-, Get- and Remove-ForwardRule.
/// </summary>
public abstract class ForwardRuleCommandBase : FirewallCommandBase
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Source", "Src")]
    public string? SourcePrefix { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Destination", "Dst")]
    public string? DestinationPrefix { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InInterface { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? OutInterface { get; set; }

    /// <summary>One or more states (<c>Related,Established</c>); the rule matches a packet in any of them.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("State")]
    public ConnectionState[]? ConnectionState { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public FirewallAction? Action { get; set; }

    protected override NftChain Chain => NftChain.FilterForward;
    protected override string[] MatchParameterNames =>
        [nameof(SourcePrefix), nameof(DestinationPrefix), nameof(InInterface), nameof(OutInterface), nameof(ConnectionState), nameof(Action)];
    protected override IEnumerable<string?> InterfaceParameters => [InInterface, OutInterface];

    private ConnectionState? States =>
        ConnectionState == null ? null : ConnectionState.Aggregate((OverlayNet.ConnectionState)0, (a, s) => a | s);

    protected override NftRuleSpec BuildSpec() => new()
    {
        Source = ParsePrefix(SourcePrefix, nameof(SourcePrefix)),
        Destination = ParsePrefix(DestinationPrefix, nameof(DestinationPrefix)),
        InInterface = InInterface,
        OutInterface = OutInterface,
        ConnectionState = States,
        Action = Action == FirewallAction.Drop ? NftRuleAction.Drop : NftRuleAction.Accept,
    };

    protected override FirewallRule ToOutput(NftRule rule) => ForwardRule.FromRule(rule, NetNamespace);

    protected override bool MatchesFilter(FirewallRule rule)
    {
        var r = (ForwardRule)rule;
        NftRuleSpec want = BuildSpec();
        return (SourcePrefix == null || r.SourcePrefix == want.Source?.ToString())
            && (DestinationPrefix == null || r.DestinationPrefix == want.Destination?.ToString())
            && (InInterface == null || r.InInterface == InInterface)
            && (OutInterface == null || r.OutInterface == OutInterface)
            && (ConnectionState == null || r.ConnectionState == States)
            && (Action == null || r.Action == Action);
    }
}

/// <summary><c>iptables -A FORWARD -i IF -o IF [-m state --state S] -j ACCEPT</c>, in nf_tables.</summary>
[Cmdlet(VerbsCommon.Add, "ForwardRule", SupportsShouldProcess = true)]
[OutputType(typeof(ForwardRule))]
public sealed class AddForwardRuleCommand : ForwardRuleCommandBase
{
    protected override void ProcessRecord() => AddRule("AddForwardRuleFailed");
}

/// <summary>Lists the rules of OverlayNet's filter forward chain.</summary>
[Cmdlet(VerbsCommon.Get, "ForwardRule")]
[OutputType(typeof(ForwardRule))]
public sealed class GetForwardRuleCommand : ForwardRuleCommandBase
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ulong? Handle { get; set; }

    protected override void ProcessRecord() => ListRules("GetForwardRuleFailed", Handle);
}

/// <summary>Removes a forward rule by handle (as Get-ForwardRule outputs it) or by its parameters.</summary>
[Cmdlet(VerbsCommon.Remove, "ForwardRule", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveForwardRuleCommand : ForwardRuleCommandBase
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ulong? Handle { get; set; }

    protected override void ProcessRecord() => RemoveRules("RemoveForwardRuleFailed", Handle);
}
