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
    protected override NftRuleFields GivenFields =>
        (SourcePrefix != null ? NftRuleFields.Source : 0)
        | (DestinationPrefix != null ? NftRuleFields.Destination : 0)
        | (InInterface != null ? NftRuleFields.InInterface : 0)
        | (OutInterface != null ? NftRuleFields.OutInterface : 0)
        | (ConnectionState != null ? NftRuleFields.ConnectionState : 0)
        | (Action != null ? NftRuleFields.Action : 0);
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
