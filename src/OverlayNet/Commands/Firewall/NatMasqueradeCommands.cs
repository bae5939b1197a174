using System.Management.Automation;
using OverlayNet.Netlink.Netfilter;

namespace OverlayNet.Commands;

/// <summary>
/// The parameters that describe a masquerade rule (<c>iptables -t nat -A POSTROUTING [--src S] [! --dest D]
/// [-o IF] -j MASQUERADE</c>), shared by Add-, Get- and Remove-NatMasquerade and bound by property name.
/// </summary>
public abstract class NatMasqueradeCommandBase : FirewallCommandBase
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Source", "Src")]
    public string? SourcePrefix { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ExcludeDestinationPrefix { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? OutInterface { get; set; }

    protected override NftChain Chain => NftChain.NatPostrouting;
    protected override NftRuleFields GivenFields =>
        (SourcePrefix != null ? NftRuleFields.Source : 0)
        | (ExcludeDestinationPrefix != null ? NftRuleFields.Destination : 0)
        | (OutInterface != null ? NftRuleFields.OutInterface : 0);
    protected override IEnumerable<string?> InterfaceParameters => [OutInterface];

    protected override NftRuleSpec BuildSpec() => new()
    {
        Source = ParsePrefix(SourcePrefix, nameof(SourcePrefix)),
        Destination = ParsePrefix(ExcludeDestinationPrefix, nameof(ExcludeDestinationPrefix)),
        DestinationNegated = ExcludeDestinationPrefix != null,
        OutInterface = OutInterface,
        Action = NftRuleAction.Masquerade,
    };

    protected override FirewallRule ToOutput(NftRule rule) => NatMasquerade.FromRule(rule, NetNamespace);
}

/// <summary><c>iptables -t nat -A POSTROUTING --src S ! --dest D -o IF -j MASQUERADE</c>, in nf_tables.</summary>
[Cmdlet(VerbsCommon.Add, "NatMasquerade", SupportsShouldProcess = true)]
[OutputType(typeof(NatMasquerade))]
public sealed class AddNatMasqueradeCommand : NatMasqueradeCommandBase
{
    protected override void ProcessRecord() => AddRule("AddNatMasqueradeFailed");
}

/// <summary>Lists the rules of OverlayNet's nat postrouting chain.</summary>
[Cmdlet(VerbsCommon.Get, "NatMasquerade")]
[OutputType(typeof(NatMasquerade))]
public sealed class GetNatMasqueradeCommand : NatMasqueradeCommandBase
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ulong? Handle { get; set; }

    protected override void ProcessRecord() => ListRules("GetNatMasqueradeFailed", Handle);
}

/// <summary>Removes a masquerade rule by handle (as Get-NatMasquerade outputs it) or by its parameters.</summary>
[Cmdlet(VerbsCommon.Remove, "NatMasquerade", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveNatMasqueradeCommand : NatMasqueradeCommandBase
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ulong? Handle { get; set; }

    protected override void ProcessRecord() => RemoveRules("RemoveNatMasqueradeFailed", Handle);
}
