using System.Net;
using Etcdserverpb;
using OverlayNet.Agent.Schema;
using OverlayNet.Agent.Store;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Agent.Agent;

/// <summary>
/// flanneld's VXLAN backend, done by an OverlayNet agent: it creates flannel.&lt;VNI&gt; (nolearning, local =
/// the host's address), takes a subnet lease in flannel's format, puts the subnet's .0 address on the device,
/// and for every other host's lease programs, as seed 001 shows, a neighbour (the subnet's .0 address → the
/// remote VtepMAC), an FDB entry (VtepMAC → PublicIP) and a route (subnet via .0 onlink).
/// </summary>
public sealed class FlannelAgentSchema(AgentOptions options, EtcdStore store) : IAgentSchema
{
    private FlannelSchema.Config? _config;
    private RtnlClient? _rtnl;
    private int _device;
    private MacAddress _vtepMac;
    // Called after every watch response with the whole key set: unchanged leases are not parsed again.
    private readonly ParsedValueCache<FlannelSchema.SubnetLease> _leases = new((key, value) =>
        FlannelSchema.ParseLease(FlannelSchema.ParseSubnetKey(key[FlannelSchema.SubnetsPrefix(options.EtcdPrefix).Length..]), value));

    public string WatchPrefix => FlannelSchema.SubnetsPrefix(options.EtcdPrefix);

    /// <summary>The subnet this host holds (after <see cref="Register"/>).</summary>
    public IpPrefix? Subnet { get; private set; }

    public string DeviceName => $"flannel.{_config?.Vni ?? 1}";

    public int PrepareDevice(RtnlClient rtnl)
    {
        _rtnl = rtnl;
        string key = FlannelSchema.ConfigKey(options.EtcdPrefix);
        RangeResponse r = store.Call((c, d, ct) => c.GetAsync(key, deadline: d, cancellationToken: ct));
        if (r.Kvs.Count == 0)
            throw new ArgumentException($"flannel's config is missing: no {key} in the store (put e.g. {{\"Network\":\"10.5.0.0/16\",\"Backend\":{{\"Type\":\"vxlan\"}}}} there).");
        try { _config = FlannelSchema.ParseConfig(r.Kvs[0].Value.ToStringUtf8()); }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new ArgumentException($"flannel's config at {key} is malformed: {e.Message}", e);
        }
        if (_config.BackendType != "vxlan") throw new ArgumentException($"flannel's config at {key} asks for backend '{_config.BackendType}'; this agent does vxlan only.");

        int underlay = rtnl.GetAddresses(IpAddressFamily.IPv4).FirstOrDefault(a => a.IPAddress.Equals(options.LocalAddress))?.InterfaceIndex
            ?? throw new ArgumentException($"The local address {options.LocalAddress} is on no interface in namespace {options.NetNamespace ?? "(current)"}.");
        string name = DeviceName;
        Link? link = rtnl.GetLink(name);
        if (link == null)
        {
            // As flanneld does: VNI from the config, local = the public IP, on the interface holding it, no learning.
            rtnl.CreateLink(new VxlanLinkSpec(name)
            {
                Vni = _config.Vni, Local = options.LocalAddress, DeviceIndex = underlay, Learning = false,
                Port = _config.Port == 0 ? null : _config.Port, Up = true,
            });
            link = rtnl.GetLink(name) ?? throw new InvalidOperationException($"{name} vanished right after it was created.");
        }
        else
        {
            if (link is not VxlanLink vx) throw new ArgumentException($"'{name}' exists and is a {link.Kind} link, not a VXLAN device.");
            var differences = new List<string>();
            if (vx.Vni != _config.Vni) differences.Add($"VNI {vx.Vni} (flannel's config has {_config.Vni})");
            if (vx.Learning) differences.Add("learning is on");
            if (_config.Port != 0 && vx.Port != _config.Port) differences.Add($"port {vx.Port} (flannel's config has {_config.Port})");
            if (differences.Count > 0) throw new ArgumentException($"The existing '{name}' does not match flannel's config: {string.Join("; ", differences)}.");
            if (link.AdminState != AdminState.Up) rtnl.SetLink(link.Index, new LinkChange { Up = true });
        }
        _device = link.Index;
        _vtepMac = link.MacAddress ?? throw new InvalidOperationException($"{name} has no MAC address.");
        return _device;
    }

    public void Register(long lease, Action<AgentEvent> emit)
    {
        FlannelSchema.Config config = _config ?? throw new InvalidOperationException("PrepareDevice first.");
        string value = FlannelSchema.FormatLease(options.LocalAddress, config.Vni, _vtepMac);
        RangeResponse all = store.Call((c, d, ct) => c.GetAsync(Kv.Range(WatchPrefix), deadline: d, cancellationToken: ct));
        var taken = new HashSet<IpPrefix>();
        (IpPrefix Subnet, long Lease, long ModRevision)? mine = null;
        foreach (var kv in all.Kvs)
        {
            try
            {
                IpPrefix s = FlannelSchema.ParseSubnetKey(kv.Key.ToStringUtf8()[WatchPrefix.Length..]);
                taken.Add(s);
                // flanneld takes back the lease that carries its own public IP (a restart keeps its subnet).
                if (FlannelSchema.ParseLease(s, kv.Value.ToStringUtf8()).PublicIP.Equals(options.LocalAddress))
                    mine = (s, kv.Lease, kv.ModRevision);
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { }
        }
        long oldLease = 0;
        if (mine is { } m)
        {
            var txn = new TxnRequest();
            txn.Compare.Add(Kv.ModRevision(FlannelSchema.SubnetKey(options.EtcdPrefix, m.Subnet), m.ModRevision));
            txn.Success.Add(Kv.Put(FlannelSchema.SubnetKey(options.EtcdPrefix, m.Subnet), value, lease));
            if (store.Transaction(txn).Succeeded)
            {
                Subnet = m.Subnet;
                oldLease = m.Lease;
            }
        }
        if (Subnet == null)
        {
            foreach (IpPrefix candidate in FlannelSchema.Candidates(config).Where(s => !taken.Contains(s)))
            {
                var txn = new TxnRequest();
                string key = FlannelSchema.SubnetKey(options.EtcdPrefix, candidate);
                txn.Compare.Add(Kv.Absent(key));
                txn.Success.Add(Kv.Put(key, value, lease));
                if (store.Transaction(txn).Succeeded)
                {
                    Subnet = candidate;
                    break;
                }
            }
        }
        if (Subnet is not IpPrefix subnet) throw new InvalidOperationException($"flannel's network {config.Network} has no free /{config.SubnetLen} subnet left.");
        // flanneld puts the subnet's network address on flannel.<VNI> as a /32.
        _rtnl!.AddAddress(new AddressSpec { InterfaceIndex = _device, Address = subnet.Address, PrefixLength = 32 }, replace: true);
        if (oldLease != 0 && oldLease != lease) OverlayNetAgentSchema.RevokeQuietly(store, oldLease);
        emit(new AgentEvent
        {
            HostName = options.HostName, Action = AgentAction.Lease, Subnet = subnet.ToString(),
            Detail = $"subnet {subnet} on lease {lease:x} ttl {options.LeaseTtl}s, {DeviceName} {_vtepMac}",
        });
    }

    public VtepTables Desired(IReadOnlyDictionary<string, string> keys, Action<string, string> malformed)
    {
        var t = new VtepTables();
        _leases.BeginPass();
        foreach (var (key, value) in keys)
        {
            if (!key.StartsWith(WatchPrefix, StringComparison.Ordinal)) continue;
            FlannelSchema.SubnetLease l;
            try { l = _leases.Get(key, value); }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
            {
                malformed(key, e.Message);
                continue;
            }
            if (l.PublicIP.Equals(options.LocalAddress) || l.BackendType != "vxlan" || l.VtepMac is not MacAddress mac) continue;
            IpPrefix subnet = l.Subnet.Network();
            t.Neighbors[subnet.Address] = mac;
            t.Fdb[mac] = l.PublicIP;
            t.Routes[subnet] = subnet.Address;
        }
        _leases.EndPass();
        return t;
    }
}
