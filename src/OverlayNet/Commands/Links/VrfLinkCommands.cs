using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip link add NAME type vrf table T</c>.</summary>
[Cmdlet(VerbsCommon.New, "VrfLink", SupportsShouldProcess = true)]
[OutputType(typeof(VrfLink))]
public sealed class NewVrfLinkCommand : NewLinkCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, uint.MaxValue)]
    public uint Table { get; set; }

    protected override string KindDescription => "vrf";

    protected override LinkSpec BuildSpec() => new VrfLinkSpec(Name, Table);
}

/// <summary><c>ip link show type vrf</c>.</summary>
[Cmdlet(VerbsCommon.Get, "VrfLink")]
[OutputType(typeof(VrfLink))]
public sealed class GetVrfLinkCommand : GetLinkCommandBase<VrfLink>
{
    protected override string KindDescription => "vrf";
}
