using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary><c>ip link show</c>: every link, as the typed object for its kind.</summary>
[Cmdlet(VerbsCommon.Get, "IpLink")]
[OutputType(typeof(Link))]
public sealed class GetIpLinkCommand : GetLinkCommandBase<Link>
{
    /// <summary>Only links of this kind (<c>ip link show type veth</c>).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(LinkKindCompleter))]
    public string? Kind { get; set; }

    protected override bool Include(Link link) =>
        Kind == null || string.Equals(link.Kind, Kind, StringComparison.OrdinalIgnoreCase);
}
