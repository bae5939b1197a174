using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary><c>ip addr show [dev NAME]</c>.</summary>
[Cmdlet(VerbsCommon.Get, "IpAddress")]
[OutputType(typeof(IpAddress))]
public sealed class GetIpAddressCommand : OverlayNetCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [SupportsWildcards]
    public string? InterfaceName { get; set; }

    [Parameter]
    public IpAddressFamily? AddressFamily { get; set; }

    /// <summary>Only this address (with or without /LEN).</summary>
    [Parameter]
    public string? IPAddress { get; set; }

    protected override void ProcessRecord()
    {
        Try("GetIpAddressFailed", InterfaceName ?? NetNamespace, "Cannot list addresses", () =>
        {
            var pattern = InterfaceName == null ? null : new WildcardPattern(InterfaceName, WildcardOptions.IgnoreCase);
            IpPrefix? only = IPAddress == null ? null : IpPrefix.Parse(IPAddress);
            bool any = false;
            foreach (IpAddress a in Rtnl.GetAddresses(AddressFamily))
            {
                if (pattern != null && !pattern.IsMatch(a.InterfaceName)) continue;
                if (only is IpPrefix p && (!p.Address.Equals(a.IPAddress) || (IPAddress!.Contains('/') && p.Length != a.PrefixLength))) continue;
                any = true;
                WriteObject(a);
            }
            if (!any && InterfaceName != null && !WildcardPattern.ContainsWildcardCharacters(InterfaceName))
                Rtnl.GetIndex(InterfaceName); // a missing interface is an error; an interface with no address is not
        });
    }
}
