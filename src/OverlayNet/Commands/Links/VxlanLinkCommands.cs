using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// <c>ip link add NAME type vxlan id VNI dstport 4789 [local A] [remote A | group G] [dev D] [nolearning]
/// [proxy] [l2miss] [l3miss] [ttl N] [tos N] [srcport MIN MAX] [ageing S] [external]</c>. Unlike iproute2 the
/// destination port defaults to the IANA port 4789; every other default is iproute2's.
/// </summary>
[Cmdlet(VerbsCommon.New, "VxlanLink", SupportsShouldProcess = true)]
[OutputType(typeof(VxlanLink))]
public sealed class NewVxlanLinkCommand : NewLinkCommandBase
{
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "VxlanId")]
    public int? Vni { get; set; }

    /// <summary>UDP destination port (<c>dstport</c>); 0 leaves it to the kernel (8472).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DstPort", "DestinationPort")]
    public int Port { get; set; } = 4789;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IPAddress? Local { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IPAddress? Remote { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IPAddress? Group { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [Alias("Dev", "UnderlayDevice")]
    public string? Device { get; set; }

    /// <summary><c>learning</c> / <c>nolearning</c>; the default learns, as iproute2.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public bool Learning { get; set; } = true;

    [Parameter]
    public SwitchParameter Proxy { get; set; }

    [Parameter]
    public SwitchParameter L2Miss { get; set; }

    [Parameter]
    public SwitchParameter L3Miss { get; set; }

    [Parameter]
    public int? Ttl { get; set; }

    [Parameter]
    public int? Tos { get; set; }

    /// <summary><c>srcport MIN MAX</c>, given as two numbers.</summary>
    [Parameter]
    public int[]? SourcePortRange { get; set; }

    /// <summary>Seconds before a learned FDB entry ages out (<c>ageing</c>).</summary>
    [Parameter]
    public int? Ageing { get; set; }

    [Parameter]
    public SwitchParameter External { get; set; }

    protected override string KindDescription => "VXLAN link";

    protected override LinkSpec BuildSpec()
    {
        if (SourcePortRange != null && SourcePortRange.Length != 2)
            throw new ArgumentException("-SourcePortRange takes two numbers: the lowest and the highest source port.");
        var spec = new VxlanLinkSpec(Name)
        {
            Vni = Vni,
            Port = Port,
            Local = Local,
            Remote = Remote,
            Group = Group,
            Learning = Learning,
            Proxy = Proxy.IsPresent ? true : null,
            L2Miss = L2Miss.IsPresent ? true : null,
            L3Miss = L3Miss.IsPresent ? true : null,
            Ttl = Ttl,
            Tos = Tos,
            SourcePortMin = SourcePortRange?[0],
            SourcePortMax = SourcePortRange?[1],
            Ageing = Ageing,
            External = External.IsPresent,
        };
        // Validate what needs no kernel first, so bad input sends nothing (not even the device lookup).
        spec.DeviceIndex = Device != null ? 0 : null;
        spec.Validate();
        if (Device != null) spec.DeviceIndex = Rtnl.GetIndex(Device);
        return spec;
    }

    protected override void Complete(Link link)
    {
        if (link is VxlanLink v && Device != null) v.Device = Device;
    }
}

/// <summary><c>ip -d link show type vxlan</c>.</summary>
[Cmdlet(VerbsCommon.Get, "VxlanLink")]
[OutputType(typeof(VxlanLink))]
public sealed class GetVxlanLinkCommand : GetLinkCommandBase<VxlanLink>
{
    protected override string KindDescription => "VXLAN link";
}
