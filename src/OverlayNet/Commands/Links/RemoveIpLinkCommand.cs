using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary><c>ip link del dev NAME</c>. Removing one end of a veth removes both.</summary>
[Cmdlet(VerbsCommon.Remove, "IpLink", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveIpLinkCommand : LinkCommandBase
{
    protected override void ProcessRecord()
    {
        Try("RemoveIpLinkFailed", InterfaceName ?? (object)InterfaceIndex, $"Cannot remove link '{Target}'", () =>
        {
            int index = ResolveIndex();
            if (!ShouldProcess(Target, "Remove link")) return;
            Rtnl.DeleteLink(index);
        });
    }
}
