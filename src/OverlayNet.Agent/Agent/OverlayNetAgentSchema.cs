using System.Net;
using Etcdserverpb;
using OverlayNet.Agent.Schema;
using OverlayNet.Agent.Store;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Agent.Agent;

/// <summary>
/// The Docker-overlay style schema seen by one host's agent: it registers hosts/&lt;host&gt; (its VTEP address)
/// on its lease and programs, for every endpoint on another host, an FDB entry (MAC → that host's VTEP) and a
/// neighbour (IP → MAC) on the network's VXLAN device. Endpoints on this host need nothing from it.
/// </summary>
public sealed class OverlayNetAgentSchema(AgentOptions options, OverlayNetClient client) : IAgentSchema
{
    private readonly string _network = options.NetworkName!;
    // Called after every watch response with the whole key set: unchanged values are not parsed again.
    private readonly ParsedValueCache<IPAddress> _hosts = new((_, value) => OverlayNetSchema.ParseHost(value));
    private readonly ParsedValueCache<OverlayEndpoint> _endpoints = new((key, value) =>
        OverlayNetSchema.ParseEndpoint(options.NetworkName!, key[OverlayNetSchema.EndpointsPrefix(options.NetworkName!).Length..], value));

    public string WatchPrefix => OverlayNetSchema.Prefix(_network);

    public int PrepareDevice(RtnlClient rtnl)
    {
        OverlayNetwork net = client.GetNetwork(_network);
        string name = options.VxlanInterface!;
        Link link = rtnl.GetLink(name) ?? throw new ArgumentException(
            $"The VXLAN device '{name}' does not exist in namespace {options.NetNamespace ?? "(current)"}: create it first (New-VxlanLink -Name {name} -Vni {net.Vni} -Port {net.Port} -Learning:$false).");
        if (link is not VxlanLink vx) throw new ArgumentException($"'{name}' is a {link.Kind} link, not a VXLAN device.");
        var differences = new List<string>();
        if (vx.Vni != net.Vni) differences.Add($"VNI {vx.Vni} (network '{_network}' has {net.Vni})");
        if (vx.Port != net.Port) differences.Add($"port {vx.Port} (network '{_network}' has {net.Port})");
        if (vx.Learning) differences.Add("learning is on (the agent keeps the FDB itself: create it with -Learning:$false)");
        if (differences.Count > 0)
            throw new ArgumentException($"The VXLAN device '{name}' does not match network '{_network}': {string.Join("; ", differences)}.");
        return vx.Index;
    }

    public void Register(long lease, Action<AgentEvent> emit)
    {
        EtcdStore store = client.Store;
        string hostKey = OverlayNetSchema.HostKey(_network, options.HostName);
        RangeResponse old = store.Call((c, d, ct) => c.GetAsync(hostKey, deadline: d, cancellationToken: ct));
        long oldLease = old.Kvs.Count > 0 ? old.Kvs[0].Lease : 0;
        List<OverlayEndpoint> mine = client.GetEndpoints(_network).Where(e => e.HostName == options.HostName).ToList();

        var first = new TxnRequest();
        first.Success.Add(Kv.Put(hostKey, OverlayNetSchema.Encode(new OverlayNetSchema.HostValue(options.LocalAddress.ToString())), lease));
        store.Transaction(first);
        // This host's endpoints move to the new lease, then the old lease goes: nothing of this host is lost,
        // and nothing stays behind on a lease nobody keeps alive.
        foreach (OverlayEndpoint[] chunk in mine.Chunk(OverlayNetClient.EndpointsPerTxn))
        {
            var txn = new TxnRequest();
            foreach (OverlayEndpoint e in chunk)
            {
                txn.Success.Add(Kv.Put(OverlayNetSchema.EndpointKey(_network, e.IPAddress),
                    OverlayNetSchema.Encode(new OverlayNetSchema.EndpointValue(e.MacAddress.ToString(), e.HostName)), lease));
                txn.Success.Add(Kv.Put(OverlayNetSchema.MacKey(_network, e.MacAddress), e.IPAddress.ToString(), lease));
            }
            store.Transaction(txn);
        }
        if (oldLease != 0 && oldLease != lease) RevokeQuietly(store, oldLease);
        emit(new AgentEvent
        {
            HostName = options.HostName, Action = AgentAction.Lease,
            Detail = $"lease {lease:x} ttl {options.LeaseTtl}s" + (oldLease != 0 && oldLease != lease ? $", {mine.Count} endpoint(s) moved from lease {oldLease:x}" : ""),
        });
    }

    internal static void RevokeQuietly(EtcdStore store, long lease)
    {
        try { store.Call((c, d, ct) => c.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, deadline: d, cancellationToken: ct)); }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound) { } // expired already
    }

    // How many remote endpoints the last desired table held: the next one is sized for as many.
    private int _lastCount;

    public VtepTables Desired(IReadOnlyDictionary<string, string> keys, Action<string, string> malformed)
    {
        string hosts = OverlayNetSchema.HostsPrefix(_network);
        string endpoints = OverlayNetSchema.EndpointsPrefix(_network);
        var vteps = new Dictionary<string, IPAddress>(StringComparer.Ordinal);
        var eps = new List<OverlayEndpoint>(keys.Count);
        _hosts.BeginPass();
        _endpoints.BeginPass();
        foreach (var (key, value) in keys)
        {
            try
            {
                if (key.StartsWith(hosts, StringComparison.Ordinal)) vteps[key[hosts.Length..]] = _hosts.Get(key, value);
                else if (key.StartsWith(endpoints, StringComparison.Ordinal)) eps.Add(_endpoints.Get(key, value));
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException) { malformed(key, e.Message); }
        }
        _hosts.EndPass();
        _endpoints.EndPass();
        var t = new VtepTables(_lastCount);
        foreach (OverlayEndpoint e in eps)
        {
            if (e.HostName == options.HostName) continue;
            if (!vteps.TryGetValue(e.HostName, out IPAddress? vtep)) continue; // its host left: its lease took the endpoint too
            t.Fdb[e.MacAddress] = vtep;
            t.Neighbors[e.IPAddress] = e.MacAddress;
        }
        _lastCount = t.Fdb.Count;
        return t;
    }
}
