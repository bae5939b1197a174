using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Route.Tunnels;

namespace OverlayNet.Commands;

/// <summary>
/// <c>ip tunnel add NAME mode MODE [local A] [remote B] [dev D] [ttl N] [tos N] [[i|o]key K] [[i|o]csum]
/// [[i|o]seq] [[no]pmtudisc]</c>, sent over rtnetlink as <c>ip link add NAME type KIND ...</c> would.
/// </summary>
[Cmdlet(VerbsCommon.New, "IpTunnel", SupportsShouldProcess = true)]
[OutputType(typeof(IpTunnel))]
public sealed class NewIpTunnelCommand : NewLinkCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public IpTunnelMode Mode { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IPAddress? Local { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IPAddress? Remote { get; set; }

    /// <summary>Bind the tunnel to this underlying device (<c>dev X</c>).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? Device { get; set; }

    /// <summary>Outer TTL / hop limit; 0 inherits. Defaults as iproute2: 0 for IPv4 modes, 64 for IPv6 modes.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("HopLimit")]
    public byte? Ttl { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("TrafficClass")]
    public byte? Tos { get; set; }

    /// <summary>GRE/VTI key for both directions: 0x111111, 1118481 or 0.17.17.17.</summary>
    [Parameter]
    public string? Key { get; set; }

    [Parameter]
    public string? InputKey { get; set; }

    [Parameter]
    public string? OutputKey { get; set; }

    [Parameter]
    public SwitchParameter Checksum { get; set; }

    [Parameter]
    public SwitchParameter InputChecksum { get; set; }

    [Parameter]
    public SwitchParameter OutputChecksum { get; set; }

    [Parameter]
    public SwitchParameter Sequence { get; set; }

    [Parameter]
    public SwitchParameter InputSequence { get; set; }

    [Parameter]
    public SwitchParameter OutputSequence { get; set; }

    /// <summary>Path MTU discovery; on unless $false (<c>nopmtudisc</c>).</summary>
    [Parameter]
    public bool? PMtuDiscovery { get; set; }

    protected override string KindDescription => $"{Mode} tunnel";

    protected override LinkSpec BuildSpec()
    {
        (uint? ikey, uint? okey) = TunnelKeys.Parse(Key, InputKey, OutputKey);
        TunnelKeys.Either(Checksum, InputChecksum, OutputChecksum, out bool icsum, out bool ocsum);
        TunnelKeys.Either(Sequence, InputSequence, OutputSequence, out bool iseq, out bool oseq);
        var spec = new IpTunnelLinkSpec(Name, Mode)
        {
            Local = Local,
            Remote = Remote,
            Ttl = Ttl,
            Tos = Tos,
            InputKey = ikey,
            OutputKey = okey,
            InputChecksum = icsum,
            OutputChecksum = ocsum,
            InputSequence = iseq,
            OutputSequence = oseq,
            PMtuDiscovery = PMtuDiscovery,
        };
        spec.Validate(); // before the device lookup, so bad input never costs a request
        if (Device != null) spec.DeviceIndex = Rtnl.GetIndex(Device);
        return spec;
    }
}

/// <summary><c>ip tunnel show</c>: every IP tunnel, of any mode.</summary>
[Cmdlet(VerbsCommon.Get, "IpTunnel")]
[OutputType(typeof(IpTunnel))]
public sealed class GetIpTunnelCommand : GetLinkCommandBase<IpTunnel>
{
    /// <summary>Only tunnels of these modes.</summary>
    [Parameter]
    public IpTunnelMode[]? Mode { get; set; }

    protected override bool Include(IpTunnel link) => Mode == null || Mode.Contains(link.Mode);

    protected override string KindDescription => "IP tunnel";
}
