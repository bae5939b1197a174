using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet;

/// <summary>
/// A network interface as RTM_NEWLINK describes it. Kinds with their own properties derive from this
/// (one file per kind, each marked with <see cref="LinkKindAttribute"/>); any other kind stays a plain Link.
/// </summary>
public class Link
{
    public string Name { get; set; } = "";
    public int Index { get; set; }
    /// <summary>The kernel's kind string (veth, bridge, vxlan...); null for devices without one (lo, physical NICs).</summary>
    public string? Kind { get; set; }
    public AdminState AdminState { get; set; }
    public OperState OperState { get; set; }
    public int Mtu { get; set; }
    public MacAddress? MacAddress { get; set; }
    public string? Master { get; set; }
    public string? Parent { get; set; }
    public bool Promiscuous { get; set; }
    public string? Alias { get; set; }
    public string? NetNamespace { get; set; }

    public int MasterIndex { get; set; }
    public int ParentIndex { get; set; }
    /// <summary>The netns id (as this namespace numbers it) where the IFLA_LINK device lives, if elsewhere.</summary>
    public int? LinkNetNsId { get; set; }
    public uint Flags { get; set; }
    public int TxQueueLength { get; set; }
    /// <summary>The kind of master this link is a port of (bridge, vrf, bond).</summary>
    public string? SlaveKind { get; set; }
    public ushort LinkType { get; set; }
    public bool LowerUp => (Flags & Iff.LOWER_UP) != 0;

    /// <summary>Reads this kind's IFLA_INFO_DATA. The base class has none.</summary>
    protected internal virtual void ReadInfoData(AttributeEnumerator data) { }

    /// <summary>Fills in the names of the master and parent from the indexes, once the whole dump is known.</summary>
    protected internal virtual void ResolveNames(IReadOnlyDictionary<int, string> names)
    {
        if (MasterIndex != 0 && names.TryGetValue(MasterIndex, out string? m)) Master = m;
        if (ParentIndex != 0 && ParentIndex != Index && LinkNetNsId == null && names.TryGetValue(ParentIndex, out string? p))
            Parent = p;
    }

    public override string ToString() => Name;
}

/// <summary>
/// Marks the class that models a link kind, so the parser can create it from IFLA_INFO_KIND. A class that
/// models several kinds with the same shape (the IP tunnels) carries one attribute per kind.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class LinkKindAttribute(string kind) : Attribute
{
    public string Kind { get; } = kind;

    /// <summary>The kernel module that provides the kind, when it is not named like it (vlan: 8021q).</summary>
    public string? KernelModule { get; init; }
}
