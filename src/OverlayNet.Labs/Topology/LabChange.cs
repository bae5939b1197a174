using OverlayNet.Netlink.Reconcile;
using OverlayNet.Labs.State;

namespace OverlayNet
{
    public enum LabChangeAction { Create, Update, Remove }

    /// <summary>
    /// One step of a lab run: what is (or, under -WhatIf, would be) created, updated or removed, in which
    /// namespace (<see cref="Host"/>), with the attributes before and after as "key=value" text.
    /// </summary>
    public sealed class LabChange
    {
        public string Lab { get; set; } = "";
        public LabChangeAction Action { get; set; }
        /// <summary>Namespace, Link, Address, Sysctl, Route, Fdb, Neighbor or Nat.</summary>
        public string Kind { get; set; } = "";
        /// <summary>The namespace the object lives in.</summary>
        public string Host { get; set; } = "";
        public string Name { get; set; } = "";
        public string? Before { get; set; }
        public string? After { get; set; }

        internal LabObject? BeforeObject { get; set; }
        internal LabObject? AfterObject { get; set; }
        internal ChangeAction Raw => (ChangeAction)(int)Action;

        internal static LabChange From(string lab, ChangeAction action, LabObject? before, LabObject? after)
        {
            LabObject o = after ?? before!;
            return new LabChange
            {
                Lab = lab,
                Action = (LabChangeAction)(int)action,
                Kind = o.Kind.ToString(),
                Host = o.Namespace,
                Name = o.Name,
                Before = before == null ? null : (after != null ? before.ProjectOnto(after) : before).Describe(),
                After = after?.Describe(),
                BeforeObject = before,
                AfterObject = after,
            };
        }

        public override string ToString() => $"{Action} {Kind} {Name} ({Host})";
    }

    /// <summary>What <c>Get-OverlayLab</c> shows: a lab this machine knows from its journal.</summary>
    public sealed class LabInfo
    {
        public string Name { get; set; } = "";
        /// <summary>Applied, Failed (rolled back or kept), Pending (a run did not finish) or Empty.</summary>
        public string State { get; set; } = "";
        public string[] Namespaces { get; set; } = [];
        public string? Path { get; set; }
        public DateTime? LastRun { get; set; }
        public string? Detail { get; set; }
        public override string ToString() => Name;
    }

    /// <summary>One check of a lab: a ping from a namespace and whether it gave the expected outcome.</summary>
    public sealed class LabCheckResult
    {
        public string Lab { get; set; } = "";
        public string From { get; set; } = "";
        public string To { get; set; } = "";
        public string Destination { get; set; } = "";
        public CheckExpectation Expect { get; set; }
        public bool Reached { get; set; }
        public bool Passed => Reached == (Expect == CheckExpectation.Success);
        public double? RoundTripMs { get; set; }
    }
}
