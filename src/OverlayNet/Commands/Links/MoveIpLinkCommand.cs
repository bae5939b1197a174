using System.Management.Automation;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip link set dev NAME netns NS</c>: moves a link into another namespace (name or path).</summary>
[Cmdlet(VerbsCommon.Move, "IpLink", SupportsShouldProcess = true)]
[OutputType(typeof(Link))]
public sealed class MoveIpLinkCommand : LinkCommandBase
{
    /// <summary>The namespace to move the link into: a name under /run/netns or a path such as /proc/PID/ns/net.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Alias("DestinationNetNamespace")]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public string Destination { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Try("MoveIpLinkFailed", InterfaceName ?? (object)InterfaceIndex, $"Cannot move link '{Target}' to namespace '{Destination}'", () =>
        {
            int index = ResolveIndex();
            string name = Rtnl.GetLink(index)?.Name ?? InterfaceName ?? "";
            using NetNamespaceHandle target = NetNamespaceHandle.Open(Destination);
            if (!ShouldProcess(Target, $"Move link to namespace '{Destination}'")) return;
            Rtnl.SetLink(index, new LinkChange { NetNamespaceFd = target.Fd });
            if (PassThru)
            {
                // Read it back where it now lives; its index may have changed there.
                Link? moved = GetRtnl(Destination).GetLink(name);
                if (moved != null) WriteObject(moved);
            }
        });
    }
}
