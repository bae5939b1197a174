using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Netfilter;

namespace OverlayNet
{
    /// <summary>Properties every rule of OverlayNet's nf_tables table shows, understood or not.</summary>
    public abstract class FirewallRule
    {
        /// <summary>The kernel's handle of the rule in its chain; Remove- takes it by property name.</summary>
        public ulong Handle { get; set; }
        public string? NetNamespace { get; set; }
        /// <summary>False for a rule (added by someone else) that is none of the shapes OverlayNet writes; see Expressions.</summary>
        public bool Recognized { get; set; } = true;
        /// <summary>The rule's expressions as <c>nft --debug=netlink</c> prints them.</summary>
        public string[] Expressions { get; set; } = [];

        /// <summary>
        /// Copies what every rule shows and returns the rule's spec for the typed properties, or null (and
        /// Recognized false) when there is none or <paramref name="isOtherShape"/> says it is not this type's shape.
        /// </summary>
        protected NftRuleSpec? Recognize(NftRule rule, string? netNamespace, Func<NftRuleSpec, bool> isOtherShape)
        {
            Handle = rule.Handle;
            NetNamespace = netNamespace;
            Expressions = rule.Expressions.Select(e => e.ToString()).ToArray();
            if (rule.Spec is NftRuleSpec s && !isOtherShape(s)) return s;
            Recognized = false;
            return null;
        }

        /// <summary>The nft text of a recognized rule from its parts (null parts left out); else the raw expressions.</summary>
        protected string Describe(params string?[] parts) => Recognized
            ? string.Join(' ', parts.Where(x => x != null))
            : string.Join(' ', Expressions.Select(e => $"[ {e} ]"));

        protected static string? Text(IpPrefix? p) => p?.ToString();
    }

    /// <summary>A masquerade rule in the nat postrouting chain (<c>iptables -t nat -A POSTROUTING ... -j MASQUERADE</c>).</summary>
    public sealed class NatMasquerade : FirewallRule
    {
        public string? SourcePrefix { get; set; }
        public string? ExcludeDestinationPrefix { get; set; }
        public string? OutInterface { get; set; }

        public static NatMasquerade FromRule(NftRule rule, string? netNamespace)
        {
            var result = new NatMasquerade();
            // Only "saddr X, daddr != Y, oifname Z, masquerade" fits these properties; anything else stays raw.
            NftRuleSpec? s = result.Recognize(rule, netNamespace, r => r.Action != NftRuleAction.Masquerade || r.SourceNegated
                || (r.Destination != null && !r.DestinationNegated) || r.InInterface != null || r.ConnectionState != null);
            if (s == null) return result;
            result.SourcePrefix = Text(s.Source);
            result.ExcludeDestinationPrefix = Text(s.Destination);
            result.OutInterface = s.OutInterface;
            return result;
        }

        public override string ToString() => Describe(
            SourcePrefix == null ? null : $"ip saddr {SourcePrefix}",
            ExcludeDestinationPrefix == null ? null : $"ip daddr != {ExcludeDestinationPrefix}",
            OutInterface == null ? null : $"oifname \"{OutInterface}\"", "masquerade");
    }

    /// <summary>A rule in the filter forward chain (<c>iptables -A FORWARD ... -j ACCEPT|DROP</c>).</summary>
    public sealed class ForwardRule : FirewallRule
    {
        public string? SourcePrefix { get; set; }
        public string? DestinationPrefix { get; set; }
        public string? InInterface { get; set; }
        public string? OutInterface { get; set; }
        public ConnectionState? ConnectionState { get; set; }
        public FirewallAction? Action { get; set; }

        public static ForwardRule FromRule(NftRule rule, string? netNamespace)
        {
            var result = new ForwardRule();
            NftRuleSpec? s = result.Recognize(rule, netNamespace,
                r => r.Action == NftRuleAction.Masquerade || r.SourceNegated || r.DestinationNegated);
            if (s == null) return result;
            result.SourcePrefix = Text(s.Source);
            result.DestinationPrefix = Text(s.Destination);
            result.InInterface = s.InInterface;
            result.OutInterface = s.OutInterface;
            result.ConnectionState = s.ConnectionState;
            result.Action = s.Action == NftRuleAction.Drop ? FirewallAction.Drop : FirewallAction.Accept;
            return result;
        }

        public override string ToString() => Describe(
            InInterface == null ? null : $"iifname \"{InInterface}\"",
            OutInterface == null ? null : $"oifname \"{OutInterface}\"",
            SourcePrefix == null ? null : $"ip saddr {SourcePrefix}",
            DestinationPrefix == null ? null : $"ip daddr {DestinationPrefix}",
            ConnectionState == null ? null : $"ct state {ConnectionState.Value.ToString().Replace(", ", ",").ToLowerInvariant()}",
            Action?.ToString().ToLowerInvariant());
    }
}

namespace OverlayNet.Netlink.Netfilter
{
    /// <summary>A firewall request refused before reaching the kernel (a duplicate rule, a missing rule), with the errno it stands for.</summary>
    public sealed class FirewallRuleException(string message, int errno) : ErrnoException(message, errno, "nftables");
}
