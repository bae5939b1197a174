using OverlayNet.Netlink.Interop;
using System.Management.Automation;
using OverlayNet.Netlink.Netfilter;

namespace OverlayNet.Commands;

/// <summary>
/// Shared work of the firewall cmdlets (Add-/Get-/Remove-NatMasquerade, Add-/Get-/Remove-ForwardRule): prefix and interface checks, and the add / list / remove flows, which differ
/// per noun only in the chain, the parameters and the output type.
/// </summary>
public abstract class FirewallCommandBase : OverlayNetCmdlet
{
    /// <summary>The chain of OverlayNet's table that this noun lives in.</summary>
    protected abstract NftChain Chain { get; }

    /// <summary>The rule the bound parameters describe (prefixes normalised, nothing sent yet).</summary>
    protected abstract NftRuleSpec BuildSpec();

    /// <summary>The output object for a rule read back from the kernel.</summary>
    protected abstract FirewallRule ToOutput(NftRule rule);

    /// <summary>The rule fields the user gave parameters for (Get- filters on these, Remove- checks them).</summary>
    protected abstract NftRuleFields GivenFields { get; }

    /// <summary>The interface parameters, checked to exist in the target namespace before an add.</summary>
    protected abstract IEnumerable<string?> InterfaceParameters { get; }

    /// <summary>True when the user gave any parameter that describes the rule (not just -Handle / -NetNamespace).</summary>
    protected bool HasMatchParameters => GivenFields != NftRuleFields.None;

    /// <summary>The nf_tables client of the current namespace's scope (shared with the rtnetlink one).</summary>
    protected NftClient Nft => Scope.Nft;

    /// <summary>
    /// Parses a prefix parameter. Host bits are cleared with a warning (10.233.0.1/16 becomes 10.233.0.0/16), as
    /// iptables and nft do, since that is what a person writing a gateway address with its length means.
    /// </summary>
    protected IpPrefix? ParsePrefix(string? text, string parameterName)
    {
        if (text == null) return null;
        IpPrefix p;
        try { p = IpPrefix.Parse(text); }
        catch (FormatException e) { throw new ArgumentException($"-{parameterName}: {e.Message}", e); }
        IpPrefix network = p.Network();
        if (!network.Equals(p))
            WriteWarning($"-{parameterName} {text} has host bits set; using the network {network}.");
        return network;
    }

    protected string RuleTarget(object? rule) => Describe($"table ip {NftClient.TableName} chain {Chain.Name}: {rule}");

    /// <summary>Appends the rule the parameters describe, unless an identical one is there; outputs it as read back.</summary>
    protected void AddRule(string errorId)
    {
        NftRuleSpec? spec = null;
        Try(errorId, null, "Cannot add the rule", () =>
        {
            spec = BuildSpec();
            spec.Validate();
            foreach (string? name in InterfaceParameters)
            {
                if (name == null || name.EndsWith('*')) continue; // a pattern may name interfaces yet to come
                if (Rtnl.GetLink(name) == null)
                    throw new Netlink.Route.LinkNotFoundException(name, NetNamespace);
            }
            NftRule? same = Nft.FindRules(Chain, spec).FirstOrDefault();
            if (same != null)
                throw new FirewallRuleException($"An identical rule is already there (handle {same.Handle}): {ToOutput(same)}.", Errno.EEXIST);
            string what = Describe($"table ip {NftClient.TableName} chain {Chain.Name}");
            if (!ShouldProcess(what, $"Append rule '{DescribeSpec(spec)}'")) return;
            ulong handle = Nft.AddRule(Chain, spec);
            NftRule? added = Nft.ListRules(Chain).FirstOrDefault(r => r.Handle == handle);
            if (added != null) WriteObject(ToOutput(added));
        });
    }

    /// <summary>Writes every rule of the chain that passes the filters, understood or not.</summary>
    protected void ListRules(string errorId, ulong? handle)
    {
        Try(errorId, Describe(Chain.Name), "Cannot read the rules", () =>
        {
            NftRuleSpec? filter = HasMatchParameters ? BuildSpec() : null;
            foreach (NftRule rule in Nft.ListRules(Chain))
            {
                if (handle != null && rule.Handle != handle) continue;
                FirewallRule output = ToOutput(rule);
                if (filter != null && (!output.Recognized || !filter.Matches(rule.Spec, GivenFields))) continue;
                WriteObject(output);
            }
        });
    }

    /// <summary>
    /// Removes the rule with <paramref name="handle"/> or, without one, every rule exactly like the parameters
    /// describe (all in one transaction). A handle whose rule no longer matches the given parameters (the table
    /// was rebuilt since it was read) is refused rather than removing something else.
    /// </summary>
    protected void RemoveRules(string errorId, ulong? handle)
    {
        Try(errorId, handle?.ToString() ?? "", "Cannot remove the rule", () =>
        {
            List<NftRule> rules = Nft.ListRules(Chain);
            List<NftRule> victims;
            if (handle != null)
            {
                NftRule rule = rules.FirstOrDefault(r => r.Handle == handle)
                    ?? throw new FirewallRuleException($"Table ip {NftClient.TableName} chain {Chain.Name} has no rule with handle {handle}{InNamespace}.", Errno.ENOENT);
                if (HasMatchParameters && ToOutput(rule).Recognized && !BuildSpec().Equals(rule.Spec))
                    throw new FirewallRuleException($"The rule with handle {handle} is now '{ToOutput(rule)}', not '{DescribeSpec(BuildSpec())}'; nothing removed.", Errno.ENOENT);
                victims = [rule];
            }
            else
            {
                NftRuleSpec spec = BuildSpec();
                victims = Nft.FindRules(Chain, spec);
                if (victims.Count == 0)
                    throw new FirewallRuleException($"No rule '{DescribeSpec(spec)}' in table ip {NftClient.TableName} chain {Chain.Name}{InNamespace}.", Errno.ENOENT);
            }
            List<ulong> confirmed = victims.Where(v => ShouldProcess(RuleTarget(ToOutput(v)), $"Remove rule (handle {v.Handle})"))
                .Select(v => v.Handle).ToList();
            Nft.DeleteRules(Chain, confirmed);
        });
    }

    private string InNamespace => NetNamespace == null ? "" : $" in namespace {NetNamespace}";

    private string DescribeSpec(NftRuleSpec spec) =>
        ToOutput(new NftRule { Spec = spec, Chain = Chain.Name }).ToString() ?? "";
}
