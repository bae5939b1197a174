using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip addr del ADDRESS/LEN dev NAME</c>. Takes Get-IpAddress output from the pipeline.</summary>
[Cmdlet(VerbsCommon.Remove, "IpAddress", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveIpAddressCommand : AddressCommandBase
{
    protected override void ProcessRecord()
    {
        Try("RemoveIpAddressFailed", AddressText, $"Cannot remove address {AddressText} from '{Target}'", () =>
        {
            int index = ResolveIndex();
            AddressSpec spec = BuildSpec(index);
            if (!ShouldProcess(Target, $"Remove address {spec.Address}/{spec.PrefixLength}")) return;
            Rtnl.DeleteAddress(spec);
        });
    }
}

/// <summary><c>ip addr flush dev NAME</c>.</summary>
[Cmdlet(VerbsCommon.Clear, "IpAddress", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class ClearIpAddressCommand : LinkCommandBase
{
    [Parameter]
    public IpAddressFamily? AddressFamily { get; set; }

    protected override void ProcessRecord()
    {
        Try("ClearIpAddressFailed", InterfaceName ?? (object)InterfaceIndex, $"Cannot flush addresses of '{Target}'", () =>
        {
            int index = ResolveIndex();
            if (!ShouldProcess(Target, "Remove every address")) return;
            int removed = Rtnl.FlushAddresses(index, AddressFamily);
            WriteVerbose($"Removed {removed} address(es) from {Target}.");
        });
    }
}
