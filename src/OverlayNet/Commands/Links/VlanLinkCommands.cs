using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip link add NAME link PARENT type vlan id N [protocol 802.1Q|802.1ad]</c>.</summary>
[Cmdlet(VerbsCommon.New, "VlanLink", SupportsShouldProcess = true)]
[OutputType(typeof(VlanLink))]
public sealed class NewVlanLinkCommand : ParentLinkCommandBase
{
    [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateRange(0, 4094)]
    public int VlanId { get; set; }

    /// <summary>Omitted: 802.1Q, as iproute2 leaves it.</summary>
    [Parameter]
    [ValidateSet("802.1Q", "802.1ad")]
    public string? Protocol { get; set; }

    protected override string KindDescription => "vlan";

    protected override LinkSpec BuildSpec() => new VlanLinkSpec(Name, ParentIndex(), VlanId) { Protocol = Protocol };
}

/// <summary><c>ip link show type vlan</c>.</summary>
[Cmdlet(VerbsCommon.Get, "VlanLink")]
[OutputType(typeof(VlanLink))]
public sealed class GetVlanLinkCommand : GetLinkCommandBase<VlanLink>
{
    protected override string KindDescription => "vlan";
}
