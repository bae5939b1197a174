using System.Management.Automation;
using System.Text.RegularExpressions;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Sysctl;

namespace OverlayNet.Commands;

/// <summary>
/// Everything <c>ip -d link; ip addr; ip route show table all; ip rule; ip neigh; bridge fdb</c> and the
/// overlay's sysctls would print for a namespace, as one object (for bug reports and failed tests).
/// </summary>
[Cmdlet(VerbsCommon.Get, "OverlayNetDiagnostic")]
[OutputType(typeof(OverlayNetDiagnostic))]
public sealed partial class GetOverlayNetDiagnosticCommand : OverlayNetCmdlet
{
    /// <summary>As every cmdlet's, and also the first positional value, piped names and Get-NetNamespace output (Name).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public override string? NetNamespace
    {
        get => base.NetNamespace;
        set => base.NetNamespace = value;
    }

    // Forwarding, proxy ARP/NDP and reverse-path filtering decide whether overlay traffic passes; the bridge
    // netfilter hooks whether bridged frames meet the firewall. Per interface as well as all/default.
    [GeneratedRegex(@"^net\.(ipv4\.ip_forward|ipv4\.conf\.[^.]+\.(forwarding|proxy_arp|proxy_arp_pvlan|rp_filter|accept_local|arp_ignore)|ipv6\.conf\.[^.]+\.(forwarding|proxy_ndp|disable_ipv6)|bridge\.bridge-nf-call-[a-z0-9]+)$")]
    private static partial Regex OverlaySysctl();

    protected override void ProcessRecord()
    {
        Try("GetOverlayNetDiagnosticFailed", NetNamespace, $"Cannot read the network state of {Describe("this namespace")}", () =>
        {
            RtnlClient rtnl = Rtnl; // opening it fails at once for a namespace that does not exist
            var errors = new List<string>();
            var d = new OverlayNetDiagnostic
            {
                NetNamespace = NetNamespace,
                Time = DateTime.UtcNow,
                Kernel = ReadKernelRelease(),
                ModuleVersion = MyInvocation.MyCommand.Module?.Version?.ToString() ?? "",
            };
            // Each table on its own: one that cannot be read is named in Errors, the others still report.
            d.Links = Read("links", errors, () => rtnl.GetLinks().Select(DiagnosticLink.Of));
            d.Addresses = Read("addresses", errors, () => rtnl.GetAddresses().Select(DiagnosticAddress.Of));
            d.Routes = Read("routes", errors, () => rtnl.GetRoutes(null, RouteTables.Unspec).Select(DiagnosticRoute.Of));
            d.Rules = Read("rules", errors, () => rtnl.GetRules().Select(DiagnosticRule.Of));
            d.Neighbors = Read("neighbours", errors, () => rtnl.GetNeighbors().Concat(rtnl.GetNeighbors(proxy: true)).Select(DiagnosticNeighbor.Of));
            d.Fdb = Read("FDB", errors, () => rtnl.GetFdbEntries().Select(DiagnosticFdbEntry.Of));
            try
            {
                foreach (Sysctl s in NetSysctl.Read(NamespacePath, n => OverlaySysctl().IsMatch(n), NetNamespace)) d.Sysctls[s.Name] = s.Value;
            }
            catch (Exception e) when (IsUserFacing(e)) { errors.Add($"sysctls: {e.Message}"); }
            d.Errors = errors.ToArray();
            WriteObject(d);
        });
    }

    private static T[] Read<T>(string table, List<string> errors, Func<IEnumerable<T>> read)
    {
        try { return read().ToArray(); }
        catch (Exception e) when (IsUserFacing(e))
        {
            errors.Add($"{table}: {e.Message}");
            return [];
        }
    }

    private static string ReadKernelRelease()
    {
        try { return File.ReadAllText("/proc/sys/kernel/osrelease").Trim(); }
        catch (IOException) { return ""; }
    }
}
