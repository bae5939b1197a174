using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// <c>ip link add NAME link PARENT type macvlan mode bridge</c>. The default mode is Bridge on purpose
/// (iproute2 leaves it to the kernel's vepa, which needs a reflective switch); -Mode Vepa gives iproute2's.
/// </summary>
[Cmdlet(VerbsCommon.New, "MacvlanLink", SupportsShouldProcess = true)]
[OutputType(typeof(MacvlanLink))]
public sealed class NewMacvlanLinkCommand : ParentLinkCommandBase
{
    [Parameter]
    public MacvlanMode Mode { get; set; } = MacvlanMode.Bridge;

    protected override string KindDescription => "macvlan";

    protected override LinkSpec BuildSpec() => new MacvlanLinkSpec(Name, ParentIndex()) { Mode = Mode };
}

/// <summary><c>ip link show type macvlan</c>.</summary>
[Cmdlet(VerbsCommon.Get, "MacvlanLink")]
[OutputType(typeof(MacvlanLink))]
public sealed class GetMacvlanLinkCommand : GetLinkCommandBase<MacvlanLink>
{
    protected override string KindDescription => "macvlan";
}
