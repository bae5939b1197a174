using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// -IPAddress / -PrefixLength / -Peer shared by Add- and Remove-IpAddress. The address may be written as
/// iproute2 users write it (<c>10.0.0.2/24</c>) or split over -IPAddress and -PrefixLength.
/// </summary>
public abstract class AddressCommandBase : LinkCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Address", "Local")]
    public string IPAddress { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 128)]
    public int? PrefixLength { get; set; }

    /// <summary>The far end of a point-to-point address (<c>peer</c>).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IPAddress? Peer { get; set; }

    /// <summary>Reads -IPAddress and -PrefixLength into a spec for the link at <paramref name="index"/>.</summary>
    protected AddressSpec BuildSpec(int index)
    {
        IpPrefix prefix = IpPrefix.Parse(IPAddress);
        bool hadLength = IPAddress.Contains('/');
        if (hadLength && PrefixLength != null && PrefixLength != prefix.Length)
            throw new ArgumentException($"'{IPAddress}' says /{prefix.Length} but -PrefixLength says {PrefixLength}.");
        int length = PrefixLength ?? prefix.Length;
        if (length > prefix.MaxLength)
            throw new ArgumentException($"Prefix length {length} is out of range for {prefix.Address} (0..{prefix.MaxLength}).");
        var spec = new AddressSpec { InterfaceIndex = index, Address = prefix.Address, PrefixLength = length, Peer = Peer };
        spec.Validate();
        return spec;
    }

    /// <summary>Whether the user gave a prefix length at all (in the text or with -PrefixLength).</summary>
    protected bool PrefixLengthGiven => IPAddress.Contains('/') || PrefixLength != null;

    protected string AddressText => IPAddress.Contains('/') || PrefixLength == null ? IPAddress : $"{IPAddress}/{PrefixLength}";
}
