using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>Shared body of Enable-IpLink and Disable-IpLink: <c>ip link set dev NAME up|down</c>.</summary>
public abstract class SetLinkStateCommandBase : LinkCommandBase
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected abstract bool Up { get; }

    protected override void ProcessRecord()
    {
        string verb = Up ? "up" : "down";
        Try(Up ? "EnableIpLinkFailed" : "DisableIpLinkFailed", InterfaceName ?? (object)InterfaceIndex,
            $"Cannot bring link '{Target}' {verb}", () =>
        {
            int index = ResolveIndex();
            if (!ShouldProcess(Target, $"Set link {verb}")) return;
            Rtnl.SetLink(index, new LinkChange { Up = Up });
            if (PassThru) WriteObject(Rtnl.GetLink(index));
        });
    }
}

/// <summary><c>ip link set dev NAME up</c>.</summary>
[Cmdlet(VerbsLifecycle.Enable, "IpLink", SupportsShouldProcess = true)]
[OutputType(typeof(Link))]
public sealed class EnableIpLinkCommand : SetLinkStateCommandBase
{
    protected override bool Up => true;
}

/// <summary><c>ip link set dev NAME down</c>.</summary>
[Cmdlet(VerbsLifecycle.Disable, "IpLink", SupportsShouldProcess = true)]
[OutputType(typeof(Link))]
public sealed class DisableIpLinkCommand : SetLinkStateCommandBase
{
    protected override bool Up => false;
}
