using System.Runtime.InteropServices;

namespace OverlayNet
{
    /// <summary>What a rule does when it matches (FR_ACT_*).</summary>
    public enum RuleAction : byte
    {
        Unspec = 0, Table = 1, Goto = 2, Nop = 3, Blackhole = 6, Unreachable = 7, Prohibit = 8,
    }

    /// <summary>A policy routing rule (<c>ip rule</c>).</summary>
    public class IpRule
    {
        public uint Priority { get; set; }
        public uint Table { get; set; }
        /// <summary>Source prefix, or "all".</summary>
        public string From { get; set; } = "all";
        /// <summary>Destination prefix, or null for any.</summary>
        public string? To { get; set; }
        public string? InputInterface { get; set; }
        public string? OutputInterface { get; set; }
        /// <summary>Look the table up from the VRF device the packet is on (<c>l3mdev</c>).</summary>
        public bool L3MasterDevice { get; set; }
        public uint? FirewallMark { get; set; }
        public uint? FirewallMask { get; set; }
        public RuleAction Action { get; set; }
        public IpAddressFamily AddressFamily { get; set; }
        public string? NetNamespace { get; set; }

        public override string ToString() => $"{Priority}: from {From}";
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary>struct fib_rule_hdr.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct FibRuleHdr
    {
        public byte Family;
        public byte DstLength;
        public byte SrcLength;
        public byte Tos;
        public byte Table;
        public byte Res1;
        public byte Res2;
        public byte Action;
        public uint Flags;
    }

    /// <summary>FRA_* attribute numbers (linux/fib_rules.h).</summary>
    public static class Fra
    {
        public const ushort DST = 1, SRC = 2, IIFNAME = 3, GOTO = 4, PRIORITY = 6, FWMARK = 10, TABLE = 15,
            FWMASK = 16, OIFNAME = 17, L3MDEV = 19, PROTOCOL = 21;
    }

    /// <summary>What <c>ip rule add/del</c> says; null fields are not part of the rule.</summary>
    public sealed class RuleSpec
    {
        public IpAddressFamily Family { get; set; } = IpAddressFamily.IPv4;
        public uint? Priority { get; set; }
        public IpPrefix? From { get; set; }
        public IpPrefix? To { get; set; }
        public string? InputInterface { get; set; }
        public string? OutputInterface { get; set; }
        /// <summary>Null: main on add (as iproute2), any on delete.</summary>
        public uint? Table { get; set; }
        public bool L3MasterDevice { get; set; }
        public uint? FirewallMark { get; set; }
        public uint? FirewallMask { get; set; }
        public RuleAction? Action { get; set; }

        public void Validate()
        {
            foreach (var (p, role) in new[] { (From, "source"), (To, "destination") })
                if (p is IpPrefix x && x.Family != Family)
                    throw new ArgumentException($"The {role} prefix {x} is not an {Family} prefix.");
            if (InputInterface != null) InterfaceNames.Validate(InputInterface);
            if (OutputInterface != null) InterfaceNames.Validate(OutputInterface);
            if (L3MasterDevice && Table != null)
                throw new ArgumentException("A rule takes either a table or l3mdev, not both.");
            if (FirewallMask != null && FirewallMark == null)
                throw new ArgumentException("A firewall mask needs a firewall mark.");
        }
    }
}
