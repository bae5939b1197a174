using System.Net;
using Etcdserverpb;
using OverlayNet.Agent.Store;

namespace OverlayNet.Agent.Schema;

/// <summary>
/// Reads and writes networks and endpoints of the OverlayNet schema. Every call has the store's deadline and
/// fails over to another member. Bulk writes go in transactions of at most 64 endpoints (2 puts each: the
/// endpoint and its MAC index, within etcd's 128 operations per transaction).
/// </summary>
public sealed class OverlayNetClient(EtcdStore store)
{
    public const int EndpointsPerTxn = Kv.MaxTxnOps / 2;

    public EtcdStore Store { get; } = store;

    public OverlayNetwork CreateNetwork(string name, int vni, string subnet, int port)
    {
        OverlayNetSchema.ValidateName(name, "network name");
        if (vni is < 1 or > 0xFFFFFF) throw new ArgumentException($"VNI {vni} is out of range 1-16777215.");
        if (port is < 1 or > 65535) throw new ArgumentException($"Port {port} is out of range 1-65535.");
        if (!IpPrefix.TryParse(subnet, out IpPrefix prefix, out string? err)) throw new ArgumentException($"'{subnet}' is not a subnet: {err}");
        string canonical = prefix.Network().ToString();
        OverlayNetwork? sameVni = GetNetworks(null).FirstOrDefault(n => n.Vni == vni);
        if (sameVni != null) throw new InvalidOperationException($"VNI {vni} is already used by network '{sameVni.Name}'.");
        string key = OverlayNetSchema.ConfigKey(name);
        var txn = new TxnRequest();
        txn.Compare.Add(Kv.Absent(key));
        txn.Success.Add(Kv.Put(key, OverlayNetSchema.Encode(new OverlayNetSchema.ConfigValue(vni, port, canonical))));
        TxnResponse r = Store.Transaction(txn);
        if (!r.Succeeded) throw new InvalidOperationException($"Network '{name}' already exists.");
        return new OverlayNetwork { Name = name, Vni = vni, Port = port, Subnet = canonical };
    }

    /// <summary>Every network (or one), read from the config keys. A malformed config is skipped and reported.</summary>
    public List<OverlayNetwork> GetNetworks(string? name, List<string>? malformed = null)
    {
        RangeResponse r = Store.Call((c, d, ct) => c.GetAsync(Kv.Range(OverlayNetSchema.Root), deadline: d, cancellationToken: ct));
        var result = new List<OverlayNetwork>();
        foreach (var kv in r.Kvs)
        {
            string key = kv.Key.ToStringUtf8();
            string[] parts = key.Substring(OverlayNetSchema.Root.Length).Split('/');
            if (parts.Length != 2 || parts[1] != "config") continue;
            if (name != null && parts[0] != name) continue;
            try { result.Add(OverlayNetSchema.ParseConfig(parts[0], kv.Value.ToStringUtf8())); }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { malformed?.Add($"{key}: {e.Message}"); }
        }
        return result;
    }

    public OverlayNetwork GetNetwork(string name) =>
        GetNetworks(name).FirstOrDefault() ?? throw new ArgumentException($"Network '{name}' does not exist (no {OverlayNetSchema.ConfigKey(name)} in the store).");

    /// <summary>Deletes the network's config, hosts and endpoints; returns how many keys went.</summary>
    public long RemoveNetwork(string name)
    {
        OverlayNetSchema.ValidateName(name, "network name");
        GetNetwork(name);
        RangeRequest range = Kv.Range(OverlayNetSchema.Prefix(name));
        var del = new DeleteRangeRequest { Key = range.Key, RangeEnd = range.RangeEnd };
        return Store.Call((c, d, ct) => c.DeleteAsync(del, deadline: d, cancellationToken: ct)).Deleted;
    }

    /// <summary>The lease a host's keys live on (its agent's), or throws when the host has no agent in this network.</summary>
    public long GetHostLease(string network, string host)
    {
        string key = OverlayNetSchema.HostKey(network, host);
        RangeResponse r = Store.Call((c, d, ct) => c.GetAsync(key, deadline: d, cancellationToken: ct));
        if (r.Kvs.Count == 0)
            throw new InvalidOperationException($"Host '{host}' has no agent in network '{network}' ({key} is absent): start its agent first (Start-OverlayAgent).");
        return r.Kvs[0].Lease;
    }

    /// <summary>
    /// Writes endpoints in transactions of up to <see cref="EndpointsPerTxn"/>; each transaction refuses all of its
    /// endpoints when one IP or MAC is taken, and then each is retried alone so the failure names its holder.
    /// Returns one result per input, in order: null when written, the reason otherwise.
    /// </summary>
    public Exception?[] AddEndpoints(IReadOnlyList<OverlayEndpoint> endpoints, Action<int>? progress = null)
    {
        var results = new Exception?[endpoints.Count];
        var leases = new Dictionary<(string, string), long>();
        var subnets = new Dictionary<string, IpPrefix>();
        var seenIp = new Dictionary<(string, IPAddress), int>();
        var seenMac = new Dictionary<(string, MacAddress), int>();
        var ready = new List<int>();
        for (int i = 0; i < endpoints.Count; i++)
        {
            OverlayEndpoint e = endpoints[i];
            try
            {
                OverlayNetSchema.ValidateName(e.NetworkName, "network name");
                OverlayNetSchema.ValidateName(e.HostName, "host name");
                if (e.MacAddress == default || e.MacAddress.IsMulticast) throw new ArgumentException($"{e.MacAddress} is not a unicast MAC address.");
                if (!subnets.TryGetValue(e.NetworkName, out IpPrefix subnet))
                    subnets[e.NetworkName] = subnet = IpPrefix.Parse(GetNetwork(e.NetworkName).Subnet);
                if (!Contains(subnet, e.IPAddress)) throw new ArgumentException($"{e.IPAddress} is outside network '{e.NetworkName}''s subnet {subnet}.");
                if (seenIp.TryGetValue((e.NetworkName, e.IPAddress), out int other))
                    throw new InvalidOperationException($"IP address {e.IPAddress} is given twice in this input (also item {other + 1}).");
                if (seenMac.TryGetValue((e.NetworkName, e.MacAddress), out other))
                    throw new InvalidOperationException($"MAC address {e.MacAddress} is given twice in this input (also item {other + 1}).");
                if (!leases.ContainsKey((e.NetworkName, e.HostName))) leases[(e.NetworkName, e.HostName)] = GetHostLease(e.NetworkName, e.HostName);
                seenIp[(e.NetworkName, e.IPAddress)] = i;
                seenMac[(e.NetworkName, e.MacAddress)] = i;
                ready.Add(i);
            }
            catch (Exception x) when (x is ArgumentException or InvalidOperationException or FormatException) { results[i] = x; }
        }
        // The chunks hold disjoint keys (an IP or MAC given twice was refused above), so their transactions can be
        // in flight together.
        int[][] chunks = ready.Chunk(EndpointsPerTxn).ToArray();
        int done = 0;
        TxnResponse[] answers = Store.Transactions(
            chunks.Select(chunk => BuildAdd(chunk.Select(i => endpoints[i]), leases)).ToArray(),
            index => progress?.Invoke(done += chunks[index].Length));
        for (int k = 0; k < chunks.Length; k++)
        {
            if (answers[k].Succeeded) continue;
            // A transaction whose answer missed its deadline but which committed fails when tried again (its keys
            // now exist): one check of the whole chunk accepts that case. Otherwise one of them is taken (or a
            // host's agent restarted meanwhile): retry each alone to name the culprit.
            if (IsStoredAsAsked(chunks[k].Select(i => endpoints[i]), leases)) continue;
            foreach (int i in chunks[k]) results[i] = AddOne(endpoints[i], leases);
        }
        return results;
    }

    private static bool Contains(IpPrefix subnet, IPAddress ip)
    {
        if (ip.AddressFamily != subnet.Address.AddressFamily) return false;
        return new IpPrefix(ip, subnet.Length).Network().Equals(subnet.Network());
    }

    private static TxnRequest BuildAdd(IEnumerable<OverlayEndpoint> items, Dictionary<(string, string), long> leases)
    {
        var txn = new TxnRequest();
        foreach (OverlayEndpoint e in items)
        {
            long lease = leases[(e.NetworkName, e.HostName)];
            string ipKey = OverlayNetSchema.EndpointKey(e.NetworkName, e.IPAddress);
            string macKey = OverlayNetSchema.MacKey(e.NetworkName, e.MacAddress);
            txn.Compare.Add(Kv.Absent(ipKey));
            txn.Compare.Add(Kv.Absent(macKey));
            txn.Success.Add(Kv.Put(ipKey, OverlayNetSchema.Encode(new OverlayNetSchema.EndpointValue(e.MacAddress.ToString(), e.HostName)), lease));
            txn.Success.Add(Kv.Put(macKey, e.IPAddress.ToString(), lease));
        }
        return txn;
    }

    /// <summary>Every endpoint is in the store exactly as asked: its value, on its host's lease (two compares each, within etcd's 128).</summary>
    private bool IsStoredAsAsked(IEnumerable<OverlayEndpoint> items, Dictionary<(string, string), long> leases)
    {
        var txn = new TxnRequest();
        foreach (OverlayEndpoint e in items)
        {
            string ipKey = OverlayNetSchema.EndpointKey(e.NetworkName, e.IPAddress);
            txn.Compare.Add(Kv.HasValue(ipKey, OverlayNetSchema.Encode(new OverlayNetSchema.EndpointValue(e.MacAddress.ToString(), e.HostName))));
            txn.Compare.Add(Kv.OnLease(ipKey, leases[(e.NetworkName, e.HostName)]));
        }
        return Store.Transaction(txn).Succeeded;
    }

    private Exception? AddOne(OverlayEndpoint e, Dictionary<(string, string), long> leases)
    {
        string ipKey = OverlayNetSchema.EndpointKey(e.NetworkName, e.IPAddress);
        string macKey = OverlayNetSchema.MacKey(e.NetworkName, e.MacAddress);
        string hostKey = OverlayNetSchema.HostKey(e.NetworkName, e.HostName);
        TxnRequest txn = BuildAdd([e], leases);
        txn.Compare.Add(Kv.OnLease(hostKey, leases[(e.NetworkName, e.HostName)]));
        txn.Failure.Add(Kv.Get(ipKey));
        txn.Failure.Add(Kv.Get(macKey));
        txn.Failure.Add(Kv.Get(hostKey));
        TxnResponse r = Store.Transaction(txn);
        if (r.Succeeded) return null;
        var ip = r.Responses[0].ResponseRange.Kvs;
        var mac = r.Responses[1].ResponseRange.Kvs;
        var host = r.Responses[2].ResponseRange.Kvs;
        // Exactly this endpoint, on this host's lease, with its MAC index: already written. That is what a batch
        // transaction whose answer missed its deadline but which committed looks like when it is tried again.
        if (ip.Count > 0 && mac.Count > 0 && ip[0].Lease == leases[(e.NetworkName, e.HostName)]
            && mac[0].Value.ToStringUtf8() == e.IPAddress.ToString()
            && ip[0].Value.ToStringUtf8() == OverlayNetSchema.Encode(new OverlayNetSchema.EndpointValue(e.MacAddress.ToString(), e.HostName)))
            return null;
        if (ip.Count > 0)
        {
            string holder = TryHolder(e.NetworkName, e.IPAddress.ToString(), ip[0].Value.ToStringUtf8());
            return new InvalidOperationException($"IP address {e.IPAddress} is already held in network '{e.NetworkName}' by {holder}.");
        }
        if (mac.Count > 0)
        {
            string ipText = mac[0].Value.ToStringUtf8();
            RangeResponse held = Store.Call((c, d, ct) => c.GetAsync(OverlayNetSchema.EndpointsPrefix(e.NetworkName) + ipText, deadline: d, cancellationToken: ct));
            string holder = held.Kvs.Count > 0 ? TryHolder(e.NetworkName, ipText, held.Kvs[0].Value.ToStringUtf8()) : $"endpoint {ipText}";
            return new InvalidOperationException($"MAC address {e.MacAddress} is already held in network '{e.NetworkName}' by {holder}.");
        }
        if (host.Count == 0)
            return new InvalidOperationException($"Host '{e.HostName}' has no agent in network '{e.NetworkName}' any more ({hostKey} is gone).");
        // The host's agent moved its keys to a new lease meanwhile: write on that one.
        leases[(e.NetworkName, e.HostName)] = host[0].Lease;
        return AddOne(e, leases);
    }

    private static string TryHolder(string network, string ip, string json)
    {
        try
        {
            OverlayEndpoint h = OverlayNetSchema.ParseEndpoint(network, ip, json);
            return $"endpoint {h.IPAddress} (MAC {h.MacAddress}) on host '{h.HostName}'";
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { return $"endpoint {ip}"; }
    }

    /// <summary>Every endpoint of one network (or of all). Malformed values are skipped and reported.</summary>
    public List<OverlayEndpoint> GetEndpoints(string? network, List<string>? malformed = null)
    {
        string prefix = network == null ? OverlayNetSchema.Root : OverlayNetSchema.Prefix(network);
        RangeResponse r = Store.Call((c, d, ct) => c.GetAsync(Kv.Range(prefix), deadline: d, cancellationToken: ct));
        var result = new List<OverlayEndpoint>();
        foreach (var kv in r.Kvs)
        {
            string[] parts = kv.Key.ToStringUtf8().Substring(OverlayNetSchema.Root.Length).Split('/');
            if (parts.Length != 3 || parts[1] != "endpoints") continue;
            try { result.Add(OverlayNetSchema.ParseEndpoint(parts[0], parts[2], kv.Value.ToStringUtf8())); }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { malformed?.Add($"{kv.Key.ToStringUtf8()}: {e.Message}"); }
        }
        return result;
    }

    /// <summary>Deletes endpoints (with their MAC index keys) in transactions; null per item when removed.</summary>
    public Exception?[] RemoveEndpoints(string network, IReadOnlyList<IPAddress> ips)
    {
        var results = new Exception?[ips.Count];
        Dictionary<IPAddress, OverlayEndpoint> current = GetEndpoints(network).ToDictionary(e => e.IPAddress);
        var ready = new List<int>();
        for (int i = 0; i < ips.Count; i++)
        {
            if (current.ContainsKey(ips[i])) ready.Add(i);
            else results[i] = new ArgumentException($"Network '{network}' has no endpoint {ips[i]}.");
        }
        var txns = new List<TxnRequest>();
        foreach (int[] chunk in ready.DistinctBy(i => ips[i]).Chunk(EndpointsPerTxn))
        {
            var txn = new TxnRequest();
            foreach (int i in chunk)
            {
                OverlayEndpoint e = current[ips[i]];
                txn.Success.Add(Kv.Delete(OverlayNetSchema.EndpointKey(network, e.IPAddress)));
                txn.Success.Add(Kv.Delete(OverlayNetSchema.MacKey(network, e.MacAddress)));
            }
            txns.Add(txn);
        }
        Store.Transactions(txns);
        return results;
    }
}
