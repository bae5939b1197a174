using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Route.Tunnels;

namespace OverlayNet.Commands;

/// <summary>
/// <c>ip tunnel change NAME ...</c>: reads the tunnel, changes what was named and sends the whole set back
/// (the kernel rebuilds a tunnel's parameters from the request alone). The mode cannot change.
/// </summary>
[Cmdlet(VerbsCommon.Set, "IpTunnel", SupportsShouldProcess = true)]
[OutputType(typeof(IpTunnel))]
public sealed class SetIpTunnelCommand : OverlayNetCmdlet
{
    // Not a LinkCommandBase: its -InterfaceName has the alias Device, which here names the underlying device.
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("InterfaceName")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter]
    public IPAddress? Local { get; set; }

    [Parameter]
    public IPAddress? Remote { get; set; }

    /// <summary>Binds the tunnel to another device; an empty string unbinds it.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? Device { get; set; }

    [Parameter]
    [Alias("HopLimit")]
    public byte? Ttl { get; set; }

    [Parameter]
    [Alias("TrafficClass")]
    public byte? Tos { get; set; }

    [Parameter]
    public string? Key { get; set; }

    [Parameter]
    public string? InputKey { get; set; }

    [Parameter]
    public string? OutputKey { get; set; }

    /// <summary>Drops both keys (<c>nokey</c>).</summary>
    [Parameter]
    public SwitchParameter NoKey { get; set; }

    [Parameter] public bool? Checksum { get; set; }
    [Parameter] public bool? InputChecksum { get; set; }
    [Parameter] public bool? OutputChecksum { get; set; }
    [Parameter] public bool? Sequence { get; set; }
    [Parameter] public bool? InputSequence { get; set; }
    [Parameter] public bool? OutputSequence { get; set; }
    [Parameter] public bool? PMtuDiscovery { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Try("SetIpTunnelFailed", Name, $"Cannot change tunnel '{Describe(Name)}'", () =>
        {
            int index = ResolveInterface(Rtnl, Name, 0);
            if (Rtnl.GetLink(index) is not IpTunnel current)
                throw new ArgumentException($"'{Describe(Name)}' is not an IP tunnel.");
            IpTunnelLinkSpec spec = Merge(current);
            spec.Validate();
            if (!ShouldProcess(Describe(current.Name), $"Change {current.Mode} tunnel")) return;
            Rtnl.ChangeLink(spec);
            if (PassThru) WriteObject(Rtnl.GetLink(index));
        });
    }

    /// <summary>The tunnel as it is, with the named parameters applied on top.</summary>
    private IpTunnelLinkSpec Merge(IpTunnel t)
    {
        if (NoKey && (Key ?? InputKey ?? OutputKey) != null)
            throw new ArgumentException("-NoKey cannot be combined with a key.");
        (uint? ikey, uint? okey) = TunnelKeys.Parse(Key, InputKey, OutputKey);
        IpTunnelLinkSpec spec = IpTunnelLinkSpec.From(t);
        if (Local != null) spec.Local = Local;
        if (Remote != null) spec.Remote = Remote;
        if (Device != null) spec.DeviceIndex = Device.Length == 0 ? 0 : Rtnl.GetIndex(Device);
        if (Ttl != null) spec.Ttl = Ttl;
        if (Tos != null) spec.Tos = Tos;
        if (NoKey) { spec.InputKey = null; spec.OutputKey = null; }
        if (ikey != null) spec.InputKey = ikey;
        if (okey != null) spec.OutputKey = okey;
        spec.InputChecksum = InputChecksum ?? Checksum ?? spec.InputChecksum;
        spec.OutputChecksum = OutputChecksum ?? Checksum ?? spec.OutputChecksum;
        spec.InputSequence = InputSequence ?? Sequence ?? spec.InputSequence;
        spec.OutputSequence = OutputSequence ?? Sequence ?? spec.OutputSequence;
        if (PMtuDiscovery != null) spec.PMtuDiscovery = PMtuDiscovery;
        return spec;
    }
}
