using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip addr add ADDRESS/LEN dev NAME [peer P] [broadcast B|+] [scope S] [label L]</c>.</summary>
[Cmdlet(VerbsCommon.Add, "IpAddress", SupportsShouldProcess = true)]
[OutputType(typeof(IpAddress))]
public sealed class AddIpAddressCommand : AddressCommandBase
{
    /// <summary>A broadcast address, or "+" to set the host bits of the address (as iproute2's <c>brd +</c>).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Broadcast { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Scope? Scope { get; set; }

    /// <summary>An IPv4 label; like iproute2 we require it to be the interface name or start with "NAME:" (<c>eth0:1</c>).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Label { get; set; }

    /// <summary>Replace an existing address instead of failing (<c>ip addr replace</c>).</summary>
    [Parameter]
    public SwitchParameter Replace { get; set; }

    protected override void ProcessRecord()
    {
        Try("AddIpAddressFailed", AddressText, $"Cannot add address {AddressText} to '{Target}'", () =>
        {
            int index = ResolveIndex();
            AddressSpec spec = BuildSpec(index);
            if (Label != null)
            {
                // iproute2 refuses other labels even though the kernel would take them; keep parity.
                string dev = Rtnl.GetLink(index)?.Name ?? "";
                if (Label != dev && !Label.StartsWith(dev + ":", StringComparison.Ordinal))
                    throw new ArgumentException($"Label '{Label}' must be '{dev}' or start with '{dev}:' (as iproute2 requires).");
            }
            spec.Scope = Scope;
            spec.Label = Label;
            spec.Broadcast = Broadcast == null ? null
                : Broadcast == "+" ? BroadcastOf(spec.Address, spec.PrefixLength)
                : System.Net.IPAddress.Parse(Broadcast);
            spec.Validate();
            if (!ShouldProcess(Target, $"Add address {spec.Address}/{spec.PrefixLength}")) return;
            Rtnl.AddAddress(spec, Replace);
            IpAddress? added = Rtnl.GetAddresses((IpAddressFamily)spec.Family, index)
                .FirstOrDefault(a => a.IPAddress.Equals(spec.Address) && a.PrefixLength == spec.PrefixLength);
            if (added != null) WriteObject(added);
        });
    }

    private static IPAddress BroadcastOf(IPAddress address, int prefixLength)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException("IPv6 has no broadcast addresses.");
        byte[] b = address.GetAddressBytes();
        for (int i = 0; i < 4; i++)
        {
            int hostBits = Math.Clamp(32 - prefixLength - (3 - i) * 8, 0, 8);
            b[i] |= (byte)((1 << hostBits) - 1);
        }
        return new IPAddress(b);
    }
}
