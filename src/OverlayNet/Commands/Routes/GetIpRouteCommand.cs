using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip route show [table T | vrf V] [PREFIX]</c>, both families unless -AddressFamily says one.</summary>
[Cmdlet(VerbsCommon.Get, "IpRoute")]
[OutputType(typeof(IpRoute))]
public sealed class GetIpRouteCommand : OverlayNetCmdlet
{
    /// <summary>Only this prefix ("default" for the default routes).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Destination", "To")]
    public string? DestinationPrefix { get; set; }

    /// <summary>Table number, main (the default), local, default, or all.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Table { get; set; }

    /// <summary>The table of this VRF device.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? Vrf { get; set; }

    [Parameter]
    public IpAddressFamily? AddressFamily { get; set; }

    /// <summary>Only routes through this interface (<c>dev D</c>).</summary>
    [Parameter]
    [Alias("Device", "Dev")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    [Parameter]
    public RouteType? Type { get; set; }

    protected override void ProcessRecord()
    {
        Try("GetIpRouteFailed", DestinationPrefix ?? NetNamespace, "Cannot list routes", () =>
        {
            if (Table != null && !string.IsNullOrEmpty(Vrf)) throw new ArgumentException("Give -Table or -Vrf, not both.");
            uint table = !string.IsNullOrEmpty(Vrf) ? Rtnl.GetVrfTable(Vrf) : Table == null ? RouteTables.Main : RouteTables.Parse(Table);
            IpPrefix? only = DestinationPrefix == null ? null : IpPrefix.Parse(DestinationPrefix).Network();
            bool onlyDefault = only is IpPrefix d && d.Length == 0;
            if (InterfaceName != null) Rtnl.GetIndex(InterfaceName); // a missing device is an error, not an empty list
            foreach (IpRoute r in Rtnl.GetRoutes(AddressFamily, table))
            {
                if (only is IpPrefix p && !(onlyDefault ? r.Prefix.Length == 0 : r.Prefix.Equals(p))) continue;
                if (InterfaceName != null && r.InterfaceName != InterfaceName && !r.NextHops.Any(h => h.InterfaceName == InterfaceName)) continue;
                if (Type is RouteType t && r.Type != t) continue;
                WriteObject(r);
            }
        });
    }
}
