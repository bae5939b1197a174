using OverlayNet.Netlink.Interop;
using System.Management.Automation;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip addr del ADDRESS/LEN dev NAME</c>. Takes Get-IpAddress output from the pipeline.</summary>
[Cmdlet(VerbsCommon.Remove, "IpAddress", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveIpAddressCommand : AddressCommandBase
{

    // IPv4 addresses this invocation removed, per namespace: deleting a primary takes the secondaries of
    // its subnet with it, so `Get-IpAddress | Remove-IpAddress` later finds them gone and must not fail.
    private readonly List<(string? Ns, int Index, IpPrefix Prefix)> _removed = new();

    protected override void ProcessRecord()
    {
        Try("RemoveIpAddressFailed", AddressText, $"Cannot remove address {AddressText} from '{Target}'", () =>
        {
            int index = ResolveIndex();
            AddressSpec spec = BuildSpec(index);
            // As iproute2: an IPv4 address given without a length is removed whatever its length.
            spec.AnyPrefixLength = !PrefixLengthGiven;
            if (!ShouldProcess(Target, $"Remove address {spec.Address}/{spec.PrefixLength}")) return;
            try
            {
                Rtnl.DeleteAddress(spec);
            }
            catch (NetlinkException e) when (e.Errno == Errno.EADDRNOTAVAIL && WentWithItsPrimary(index, spec))
            {
                WriteVerbose($"{spec.Address}/{spec.PrefixLength} on {Target} went away with the primary address of its subnet.");
                return;
            }
            if (spec.Family == AddressFamilies.Inet)
                _removed.Add((NetNamespace, index, new IpPrefix(spec.Address, spec.PrefixLength).Network()));
        });
    }

    private bool WentWithItsPrimary(int index, AddressSpec spec) =>
        _removed.Any(r => r.Ns == NetNamespace && r.Index == index && r.Prefix.Length == spec.PrefixLength
            && r.Prefix.Equals(new IpPrefix(spec.Address, spec.PrefixLength).Network()));
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
