using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip link set dev NAME [mtu N] [address MAC] [master X | nomaster] [name NEW] [promisc on|off] [alias TEXT] [txqueuelen N]</c>.</summary>
[Cmdlet(VerbsCommon.Set, "IpLink", SupportsShouldProcess = true, DefaultParameterSetName = "Master")]
[OutputType(typeof(Link))]
public sealed class SetIpLinkCommand : LinkCommandBase
{
    [Parameter]
    [ValidateRange(68, 65535)]
    public int? Mtu { get; set; }

    [Parameter]
    public MacAddress? MacAddress { get; set; }

    /// <summary>Enslave to this bridge or VRF.</summary>
    [Parameter(ParameterSetName = "Master")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? Master { get; set; }

    /// <summary>Release from its bridge or VRF (<c>nomaster</c>).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "NoMaster")]
    public SwitchParameter NoMaster { get; set; }

    [Parameter]
    public string? NewName { get; set; }

    [Parameter]
    public bool? Promiscuous { get; set; }

    [Parameter]
    public string? Alias { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? TxQueueLength { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Try("SetIpLinkFailed", InterfaceName ?? (object)InterfaceIndex, $"Cannot change link '{Target}'", () =>
        {
            if (NewName != null) InterfaceNames.Validate(NewName);
            int index = ResolveIndex();
            var change = new LinkChange
            {
                Mtu = Mtu,
                MacAddress = MacAddress,
                NewName = NewName,
                Promiscuous = Promiscuous,
                Alias = Alias,
                TxQueueLength = TxQueueLength,
                MasterIndex = NoMaster ? 0 : Master != null ? Rtnl.GetIndex(Master) : null,
            };
            if (!ShouldProcess(Target, "Change link")) return;
            Rtnl.SetLink(index, change);
            if (PassThru) WriteObject(Rtnl.GetLink(index));
        });
    }
}
