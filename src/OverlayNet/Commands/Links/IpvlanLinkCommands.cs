using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip link add NAME link PARENT type ipvlan [mode l2|l3|l3s]</c>.</summary>
[Cmdlet(VerbsCommon.New, "IpvlanLink", SupportsShouldProcess = true)]
[OutputType(typeof(IpvlanLink))]
public sealed class NewIpvlanLinkCommand : ParentLinkCommandBase
{
    /// <summary>Omitted: the kernel's default (L3), as iproute2 leaves it.</summary>
    [Parameter]
    public IpvlanMode? Mode { get; set; }

    protected override string KindDescription => "ipvlan";

    protected override LinkSpec BuildSpec() => new IpvlanLinkSpec(Name, ParentIndex()) { Mode = Mode };
}

/// <summary><c>ip link show type ipvlan</c>.</summary>
[Cmdlet(VerbsCommon.Get, "IpvlanLink")]
[OutputType(typeof(IpvlanLink))]
public sealed class GetIpvlanLinkCommand : GetLinkCommandBase<IpvlanLink>
{
    protected override string KindDescription => "ipvlan";
}
