using System.Management.Automation;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.TunTap;

namespace OverlayNet.Commands;

/// <summary><c>ip tuntap add dev NAME mode tun|tap [user U] [group G] [multi_queue]</c>.</summary>
[Cmdlet(VerbsCommon.New, "TunTapLink", SupportsShouldProcess = true)]
[OutputType(typeof(TunTapLink))]
public sealed class NewTunTapLinkCommand : NewLinkCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public TunTapMode Mode { get; set; }

    /// <summary>User name or uid allowed to attach to the device (<c>user U</c>).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("User")]
    public string? Owner { get; set; }

    /// <summary>Group name or gid allowed to attach to the device (<c>group G</c>).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Group { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SwitchParameter MultiQueue { get; set; }

    protected override string KindDescription => Mode == TunTapMode.Tap ? "TAP device" : "TUN device";

    protected override LinkSpec BuildSpec() => new TunTapSpec(Name, Mode)
    {
        Owner = Owner == null ? null : UnixAccounts.ResolveUser(Owner),
        Group = Group == null ? null : UnixAccounts.ResolveGroup(Group),
        MultiQueue = MultiQueue.IsPresent,
    };

    protected override void CreateLink(LinkSpec spec) => TunTapDevices.Create(Rtnl, (TunTapSpec)spec);
}

/// <summary><c>ip tuntap show</c> / <c>ip link show type tun</c>.</summary>
[Cmdlet(VerbsCommon.Get, "TunTapLink")]
[OutputType(typeof(TunTapLink))]
public sealed class GetTunTapLinkCommand : GetLinkCommandBase<TunTapLink>
{
    /// <summary>Only TUN or only TAP devices.</summary>
    [Parameter]
    public TunTapMode? Mode { get; set; }

    protected override bool Include(TunTapLink link) => Mode == null || link.Mode == Mode;

    protected override string KindDescription => "TUN/TAP device";
}
