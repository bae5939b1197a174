using System.Management.Automation;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip link add NAME type veth peer name PEER [netns NS]</c>.</summary>
[Cmdlet(VerbsCommon.New, "VethLink", SupportsShouldProcess = true)]
[OutputType(typeof(VethLink))]
public sealed class NewVethLinkCommand : NewLinkCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string PeerName { get; set; } = "";

    /// <summary>Create the peer straight into this namespace (name or path); it never appears in -NetNamespace.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public string? PeerNetNamespace { get; set; }

    [Parameter]
    public MacAddress? PeerMacAddress { get; set; }

    private NetNamespaceHandle? _peerNs;

    protected override string KindDescription => "veth link";

    protected override LinkSpec BuildSpec()
    {
        var spec = new VethLinkSpec(Name, PeerName) { PeerMacAddress = PeerMacAddress };
        if (PeerNetNamespace != null)
        {
            _peerNs = NetNamespaceHandle.Open(PeerNetNamespace);
            spec.PeerNetNamespaceFd = _peerNs.Fd;
        }
        return spec;
    }

    protected override void AfterCreate()
    {
        _peerNs?.Dispose();
        _peerNs = null;
    }

    protected override (string Name, string? NetNamespace)? FindTakenName()
    {
        string? peerNs = PeerNetNamespace ?? NetNamespace;
        return base.FindTakenName() ?? (GetRtnl(peerNs).GetLink(PeerName) != null ? (PeerName, peerNs) : null);
    }

    protected override void Complete(Link link)
    {
        if (link is VethLink veth) VethPeers.Complete(veth, Rtnl, PeerNetNamespace);
    }
}

/// <summary><c>ip link show type veth</c>, with each peer's name and namespace.</summary>
[Cmdlet(VerbsCommon.Get, "VethLink")]
[OutputType(typeof(VethLink))]
public sealed class GetVethLinkCommand : GetLinkCommandBase<VethLink>
{
    protected override string KindDescription => "veth link";
}
