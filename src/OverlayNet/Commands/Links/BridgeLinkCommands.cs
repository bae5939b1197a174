using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip link add NAME type bridge [stp_state 1] [vlan_filtering 1]</c>.</summary>
[Cmdlet(VerbsCommon.New, "BridgeLink", SupportsShouldProcess = true)]
[OutputType(typeof(BridgeLink))]
public sealed class NewBridgeLinkCommand : NewLinkCommandBase
{
    [Parameter]
    public SwitchParameter StpEnabled { get; set; }

    [Parameter]
    public SwitchParameter VlanFiltering { get; set; }

    /// <summary>How long learned MAC addresses live (<c>ageing_time</c>); the kernel's default is 300 s.</summary>
    [Parameter]
    public TimeSpan? AgeingTime { get; set; }

    [Parameter]
    public TimeSpan? ForwardDelay { get; set; }

    protected override string KindDescription => "bridge";

    protected override LinkSpec BuildSpec() => new BridgeLinkSpec(Name)
    {
        // Only what the user asked for goes on the wire, so the kernel's defaults equal iproute2's.
        StpEnabled = StpEnabled.IsPresent ? true : null,
        VlanFiltering = VlanFiltering.IsPresent ? true : null,
        AgeingTime = AgeingTime,
        ForwardDelay = ForwardDelay,
    };
}

/// <summary><c>ip link show type bridge</c>.</summary>
[Cmdlet(VerbsCommon.Get, "BridgeLink")]
[OutputType(typeof(BridgeLink))]
public sealed class GetBridgeLinkCommand : GetLinkCommandBase<BridgeLink>
{
    protected override string KindDescription => "bridge";
}
