using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// What Add-, Set- and Remove-IpRoute share: the parameters of <c>ip route add</c>, all read from the
/// properties of piped objects (so Get-IpRoute output and CSV rows can be piped in; piped strings are
/// prefixes), and the batch path: each input is validated and
/// encoded in ProcessRecord, requests go to the kernel about a thousand at a time on a socket of their own
/// while binding goes on, and failures come back as errors naming the prefix that failed.
/// </summary>
public abstract class RouteCommandBase : BatchingCmdlet<RouteRequest>
{

    [Parameter(Position = 0)]
    [PipelineProperty(ByValue = true, Required = true)]
    [Alias("Destination", "To")]
    public string[] DestinationPrefix { get; set; } = [];

    /// <summary>Gateway (<c>via</c>).</summary>
    [Parameter(Position = 1)]
    [PipelineProperty]
    [Alias("Via", "Gateway")]
    public IPAddress? NextHop { get; set; }

    [Parameter]
    [PipelineProperty(FromLink = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    [Parameter]
    [PipelineProperty(FromLink = true)]
    [Alias("ifIndex")]
    public int InterfaceIndex { get; set; }

    /// <summary>Treat the gateway as directly reachable on the device even without a matching prefix (<c>onlink</c>).</summary>
    [Parameter]
    [PipelineProperty]
    public SwitchParameter OnLink { get; set; }

    [Parameter]
    [PipelineProperty]
    public Scope? Scope { get; set; }

    /// <summary>Table number, or main, local, default.</summary>
    [Parameter]
    [PipelineProperty]
    public string? Table { get; set; }

    /// <summary>A VRF device whose table to use (<c>vrf NAME</c>).</summary>
    [Parameter]
    [PipelineProperty]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? Vrf { get; set; }

    [Parameter]
    [PipelineProperty]
    [Alias("Metric", "Priority")]
    public uint? RouteMetric { get; set; }

    /// <summary>Preferred source address (<c>src</c>).</summary>
    [Parameter]
    [PipelineProperty]
    [Alias("PreferredSource")]
    public IPAddress? Source { get; set; }

    [Parameter]
    [PipelineProperty]
    public RouteType? Type { get; set; }

    /// <summary>Paths of a multipath route: objects (or hashtables) with NextHop, InterfaceName, Weight, OnLink.</summary>
    [Parameter]
    [PipelineProperty]
    public RouteNextHop[]? NextHops { get; set; }

    /// <summary>Family of "default" (IPv4 unless a next hop says otherwise).</summary>
    [Parameter]
    [PipelineProperty]
    public IpAddressFamily? AddressFamily { get; set; }

    [Parameter]
    [PipelineProperty]
    public RouteProtocol? Protocol { get; set; }

    protected abstract RouteOperation Operation { get; }
    protected abstract string Verb { get; }

    private readonly Dictionary<(RtnlClient, string), uint> _vrfTables = [];

    private string? _action;

    // An array of prefixes (-DestinationPrefix $list) is one input too: one binding for all of them.
    protected override void ProcessInput()
    {
        foreach (string prefix in DestinationPrefix) Queue(new RouteRequest(prefix, InterfaceName, NetNamespace));
    }

    protected override IReadOnlyList<(RouteRequest Tag, NetlinkException? Error)>? Enqueue(RtnlBatch<RouteRequest> batch, RouteRequest request)
    {
        RtnlClient client = request.Client = Rtnl;
        RouteSpec spec = request.Spec = BuildSpec(client, request.Prefix);
        return ConfirmEntry(() => batch.Prepare(spec, Operation), request.Prefix, _action ??= $"{Verb} route") ? batch.Add(spec, Operation, request) : null;
    }

    protected override string InputNoun => "a route";

    protected override string FailureId => Verb + "IpRouteFailed";

    protected override string Activity(RouteRequest item, string? netNamespace) =>
        $"Cannot {Verb.ToLowerInvariant()} route {item.Prefix}{(netNamespace is string ns ? $" (namespace {ns})" : "")}";

    protected override void OnApplied(RouteRequest item, string? netNamespace) => Succeeded(item);

    protected override object ErrorTarget(RouteRequest item, string? netNamespace) => item.Prefix;

    /// <summary>What to write once the kernel accepted one request.</summary>
    protected abstract void Succeeded(RouteRequest item);

    /// <summary>
    /// The one place the bound parameters become the library's request: the batch checks it, resolves the
    /// interface names and encodes it. Throws ArgumentException for what cannot even be put into a spec.
    /// </summary>
    private RouteSpec BuildSpec(RtnlClient client, string prefix)
    {
        var spec = new RouteSpec
        {
            Gateway = NextHop,
            InterfaceName = InterfaceName,
            InterfaceIndex = InterfaceIndex,
            OnLink = OnLink.IsPresent,
            Scope = Scope,
            Metric = RouteMetric,
            Source = Source,
            Type = Type ?? RouteType.Unicast,
            Protocol = Protocol,
            Table = ResolveTable(client),
        };
        foreach (RouteNextHop nh in NextHops ?? [])
        {
            spec.NextHops.Add(new NextHopSpec
            {
                Gateway = nh.NextHop,
                InterfaceIndex = nh.InterfaceIndex,
                InterfaceName = nh.InterfaceName,
                Weight = nh.Weight,
                OnLink = nh.OnLink,
            });
        }
        spec.SetDestination(prefix, AddressFamily); // after the gateways: "default" takes their family
        return spec;
    }

    private uint ResolveTable(RtnlClient client)
    {
        uint? table = Table == null ? null : RouteTables.Parse(Table);
        if (string.IsNullOrEmpty(Vrf)) return table ?? RouteTables.Main;
        if (!_vrfTables.TryGetValue((client, Vrf), out uint vrfTable))
            _vrfTables[(client, Vrf)] = vrfTable = client.GetVrfTable(Vrf);
        if (table is uint t && t != vrfTable)
            throw new ArgumentException($"-Table {Table} and -Vrf {Vrf} (table {vrfTable}) disagree; give one of them.");
        return vrfTable;
    }
}

/// <summary>What each queued route request came from, to report it when its ack arrives.</summary>
public sealed class RouteRequest(string prefix, string? interfaceName, string? netNamespace)
{
    public string Prefix { get; } = prefix;
    public string? InterfaceName { get; } = interfaceName;
    public string? NetNamespace { get; } = netNamespace;

    /// <summary>Set once the input is validated, before the request is queued; every applied request has them.</summary>
    public RouteSpec? Spec { get; set; }
    public RtnlClient? Client { get; set; }
}
