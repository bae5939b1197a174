namespace OverlayNet;

/// <summary>
/// Connection-tracking states as nf_tables' <c>ct state</c> knows them (iptables' <c>-m state --state</c>).
/// The values are the kernel's bits (NF_CT_STATE_BIT), so a set of states is one mask.
/// </summary>
[Flags]
public enum ConnectionState : uint
{
    Invalid = 1,
    Established = 2,
    Related = 4,
    New = 8,
    Untracked = 64,
}

/// <summary>What a forward rule does with a packet it matches.</summary>
public enum FirewallAction
{
    Accept,
    Drop,
}
