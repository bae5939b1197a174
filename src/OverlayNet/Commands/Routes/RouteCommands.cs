using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip route add PREFIX [via G] [dev D] [onlink] [table T | vrf V] [metric M] [src S] [TYPE]</c>.</summary>
[Cmdlet(VerbsCommon.Add, "IpRoute", SupportsShouldProcess = true)]
[OutputType(typeof(IpRoute))]
public sealed class AddIpRouteCommand : RouteCommandBase
{
    protected override RouteOperation Operation => RouteOperation.Add;
    protected override string Verb => "Add";

    // The route as requested, without a read-back per route: a pipeline of 50,000 routes stays one batch stream.
    protected override void Succeeded(RouteRequest item) =>
        WriteObject(item.Client!.Describe(item.Spec!, item.Spec!.InterfaceName));
}

/// <summary><c>ip route replace ...</c>: adds the route or replaces the one with the same key.</summary>
[Cmdlet(VerbsCommon.Set, "IpRoute", SupportsShouldProcess = true)]
[OutputType(typeof(IpRoute))]
public sealed class SetIpRouteCommand : RouteCommandBase
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override RouteOperation Operation => RouteOperation.Replace;
    protected override string Verb => "Set";

    protected override void Succeeded(RouteRequest item)
    {
        if (PassThru) WriteObject(item.Client!.Describe(item.Spec!, item.Spec!.InterfaceName));
    }
}

/// <summary><c>ip route del PREFIX [via G] [dev D] [table T]</c>; takes Get-IpRoute output from the pipeline.</summary>
[Cmdlet(VerbsCommon.Remove, "IpRoute", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveIpRouteCommand : RouteCommandBase
{
    protected override RouteOperation Operation => RouteOperation.Delete;
    protected override string Verb => "Remove";

    protected override void Succeeded(RouteRequest item) { }
}
