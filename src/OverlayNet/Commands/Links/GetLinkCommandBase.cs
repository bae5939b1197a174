using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// Shared listing logic of Get-IpLink and the typed Get-*Link cmdlets: one dump per namespace, filtered
/// by wildcard names and by the link class <typeparamref name="T"/>.
/// </summary>
public abstract class GetLinkCommandBase<T> : OverlayNetCmdlet where T : Link
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("InterfaceName", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Only links enslaved to this bridge or VRF (<c>ip link show master X</c>).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? Master { get; set; }

    protected override void ProcessRecord()
    {
        List<Link> links = new();
        if (!Try("GetLinkFailed", NetNamespace, "Cannot list links" + (NetNamespace != null ? $" in namespace '{NetNamespace}'" : ""),
                () => links = Rtnl.GetLinks()))
            return;

        WildcardPattern[]? patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        var matchedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (Link link in links)
        {
            if (link is not T typed || !Include(typed)) continue;
            if (Master != null && !string.Equals(link.Master, Master, StringComparison.Ordinal)) continue;
            if (patterns != null)
            {
                WildcardPattern? hit = patterns.FirstOrDefault(p => p.IsMatch(link.Name));
                if (hit == null) continue;
                matchedNames.Add(link.Name);
            }
            Complete(typed);
            WriteObject(typed);
        }

        // A name without wildcards that matched nothing is an error, as Get-Item does it.
        foreach (string n in Name ?? [])
        {
            if (!WildcardPattern.ContainsWildcardCharacters(n) && !links.Any(l => l is T t && Include(t) && l.Name == n))
            {
                WriteError(Errors.Record(
                    new Netlink.Route.LinkNotFoundException(n, NetNamespace), "LinkNotFound", n,
                    $"Cannot get {KindDescription} '{n}'"));
            }
        }
    }

    /// <summary>Further filtering by the derived cmdlet (Get-IpLink's -Kind).</summary>
    protected virtual bool Include(T link) => true;

    /// <summary>
    /// Fills in what the dump alone does not tell: a veth's peer in another namespace. Done here, not in
    /// Get-VethLink, so that Get-IpLink's veths carry their peer too.
    /// </summary>
    protected virtual void Complete(T link)
    {
        if (link is VethLink veth) VethPeers.Complete(veth, Rtnl);
    }

    protected virtual string KindDescription => "link";
}
