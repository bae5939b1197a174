using System.Diagnostics;
using Etcdserverpb;
using Grpc.Core;
using OverlayNet.Agent.Schema;
using OverlayNet.Agent.Store;
using OverlayNet.Netlink.Events;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Agent.Agent;

/// <summary>
/// One host's agent. <see cref="Start"/> checks the device, takes a lease (moving this host's keys from an
/// older one), lists the schema's prefix at revision R and writes only the difference with the kernel;
/// <see cref="RunAsync"/> then watches from R+1, re-lists when the history was compacted, moves to another
/// member when its member fails or goes quiet, keeps the lease alive, and compares with the kernel every
/// <see cref="AgentOptions.DriftInterval"/> so an entry deleted by hand comes back.
/// </summary>
public sealed class OverlayAgent : IDisposable
{
    private readonly Action<AgentEvent> _emit;
    private readonly Action<string> _warn;
    private readonly EtcdStore _store;
    private readonly IAgentSchema _schema;
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _reportedMalformed = new(StringComparer.Ordinal);
    private RtnlClient? _rtnl;
    private KernelVtep? _kernel;
    private long _revision;
    private bool _storeDown;
    private NetlinkEventStream? _events;
    // Completed by a kernel event on the device (an entry deleted or changed by someone else): compare now.
    private TaskCompletionSource _kick = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentQueue<NetlinkEvent> _kernelChanges = new();
    private readonly Stopwatch _sinceFullCompare = Stopwatch.StartNew();
    // What the kernel holds on the device: the last dump plus every change written since (null: dump next time).
    // Anyone else's change to the device shows up as a kernel event, which dumps again (drift).
    private VtepTables? _known;

    public OverlayAgent(AgentOptions options, Action<AgentEvent> emit, Action<string> warn)
    {
        Options = options;
        RevokeOnStop = options.Schema == AgentSchemaKind.OverlayNet;
        _emit = emit;
        _warn = warn;
        if (options.LeaseTtl is < 2 or > 86400) throw new ArgumentException($"-LeaseTtl {options.LeaseTtl} is out of range 2-86400 seconds.");
        OverlayNetSchema.ValidateName(options.HostName, "host name");
        _store = new EtcdStore(options.EtcdEndpoints);
        if (options.Schema == AgentSchemaKind.Flannel)
        {
            if (!options.EtcdPrefix.StartsWith('/')) throw new ArgumentException($"-EtcdPrefix '{options.EtcdPrefix}' must start with '/'.");
            _schema = new FlannelAgentSchema(options, _store);
        }
        else
        {
            OverlayNetSchema.ValidateName(options.NetworkName, "network name");
            if (string.IsNullOrEmpty(options.VxlanInterface)) throw new ArgumentException("The OverlayNet schema needs -VxlanInterface (the network's VXLAN device).");
            _schema = new OverlayNetAgentSchema(options, new OverlayNetClient(_store));
        }
    }

    public AgentOptions Options { get; }
    public long Lease { get; private set; }
    public long Revision => _revision;
    public string CurrentEndpoint => _store.CurrentEndpoint;
    public int Applied { get; private set; }
    public int Removed { get; private set; }
    /// <summary>Kernel requests sent so far (a converged agent sends none).</summary>
    public int Writes { get; private set; }
    public string? Subnet => (_schema as FlannelAgentSchema)?.Subnet?.ToString();
    public string DeviceName => _schema is FlannelAgentSchema f ? f.DeviceName : Options.VxlanInterface!;

    /// <summary>Everything that can fail on bad input happens here, before the loop starts.</summary>
    public void Start()
    {
        string? path = Options.NetNamespace == null ? null : NetNamespaceStore.Resolve(Options.NetNamespace);
        _rtnl = RtnlClient.Open(path, Options.NetNamespace);
        int device = _schema.PrepareDevice(_rtnl);
        _kernel = new KernelVtep(_rtnl, device, manageRoutes: Options.Schema == AgentSchemaKind.Flannel);
        // Drift shows up as kernel events (an entry deleted by hand, a learned entry over ours): subscribe
        // before the first compare so nothing between the dump and the watch is missed. Only the device's: the
        // kernel drops the rest of the host's neighbour and FDB traffic before it reaches the agent.
        _events = NetlinkEventStream.Start(NetlinkEventTypes.Neighbor | NetlinkEventTypes.Fdb
            | (Options.Schema == AgentSchemaKind.Flannel ? NetlinkEventTypes.Route : NetlinkEventTypes.None), path, Options.NetNamespace,
            new KernelEventSink(OnDrift), interfaceIndex: device);
        Lease = GrantLease();
        _schema.Register(Lease, _emit);
        ListAndSync("start");
    }

    private long GrantLease() => _store.Call((c, d, ct) =>
        c.LeaseGrantAsync(new LeaseGrantRequest { TTL = Options.LeaseTtl }, deadline: d, cancellationToken: ct)).ID;

    private void ListAndSync(string why)
    {
        RangeResponse r = _store.Call((c, d, ct) => c.GetAsync(Kv.Range(_schema.WatchPrefix), deadline: d, cancellationToken: ct));
        _keys.Clear();
        foreach (var kv in r.Kvs) _keys[kv.Key.ToStringUtf8()] = kv.Value.ToStringUtf8();
        _revision = r.Header.Revision;
        int written = Sync();
        _emit(new AgentEvent { HostName = Options.HostName, Action = AgentAction.Resync, Detail = $"{why}: {r.Kvs.Count} key(s) at revision {_revision}, {written} change(s) written" });
    }

    /// <summary>
    /// Store state against the kernel's; writes the difference; returns how many changes went out. With
    /// <paramref name="dump"/> (start, resync, drift, every <see cref="AgentOptions.DriftInterval"/>) the kernel's
    /// tables are dumped; after a watch response they are taken from <see cref="_known"/>, so the kernel work
    /// is the changes alone, not a dump of every entry each time.
    /// </summary>
    private int Sync(bool dump = true)
    {
        VtepTables desired = _schema.Desired(_keys, ReportMalformed);
        AgentTrace.Step(Options.HostName, "desired", _revision, desired.Fdb.Count);
        if (dump || _known == null)
        {
            _sinceFullCompare.Restart();
            _known = _kernel!.Dump();
            AgentTrace.Step(Options.HostName, "dumped", _revision, _known.Fdb.Count);
        }
        KernelVtep.Plan plan = KernelVtep.Diff(desired, _known);
        AgentTrace.Step(Options.HostName, "diffed", _revision, plan.Count);
        if (plan.Count == 0) return 0;
        Writes += plan.Count;
        List<KernelVtep.Outcome> outcomes = _kernel!.Apply(plan);
        AgentTrace.Step(Options.HostName, "acked", _revision, plan.Count);
        // Written as planned: the kernel now holds the plan. Anything refused: what it holds is not sure, dump next time.
        if (outcomes.TrueForAll(o => o.Error == null)) KernelVtep.Record(_known, plan);
        else _known = null;
        foreach (KernelVtep.Outcome o in outcomes)
        {
            if (o.Error != null)
            {
                _warn($"{Options.HostName}: the kernel refused {(o.Removed ? "removing" : "writing")} {o.Text}: {o.Error.Message}");
                continue;
            }
            if (o.Removed) Removed++; else Applied++;
            _emit(new AgentEvent { HostName = Options.HostName, Action = o.Removed ? AgentAction.Removed : AgentAction.Applied, DetailSource = o.Text });
        }
        AgentTrace.Step(Options.HostName, "emitted", _revision, plan.Count);
        return plan.Count;
    }

    private void ReportMalformed(string key, string reason)
    {
        if (_keys.TryGetValue(key, out string? value) && _reportedMalformed.TryGetValue(key, out string? seen) && seen == value) return;
        _reportedMalformed[key] = value ?? "";
        _warn($"{Options.HostName}: skipped the malformed value at {key}: {reason}");
    }

    /// <summary>The watch loop, until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        Task keepAlive = KeepAliveAsync(ct);
        Task kernelEvents = ReadKernelEventsAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            WatchEnd end;
            try
            {
                end = await WatchAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever went wrong (a kernel dump refused, a stream in a bad state), the agent keeps going:
                // it says so, then lists and compares everything again.
                _warn($"{Options.HostName}: {e.GetType().Name}: {e.Message}; resynchronising.");
                try { await Task.Delay(500, ct).ConfigureAwait(false); } catch (OperationCanceledException) { break; }
                Resync("after an error");
                continue;
            }
            if (end == WatchEnd.Compacted)
            {
                Resync($"history compacted past revision {_revision + 1}");
                continue;
            }
            // The member failed or went quiet: the next attempt goes to another one.
            _store.SkipCurrent();
            if (end == WatchEnd.Failed && !_storeDown)
            {
                // Check whether any member answers at all before telling the user the store is gone.
                TryStore(() => _store.Call((c, d, t) => c.GetAsync(Kv.Range(_schema.WatchPrefix, 0), deadline: d, cancellationToken: t)));
            }
            if (_storeDown)
            {
                try { await Task.Delay(500, ct).ConfigureAwait(false); } catch (OperationCanceledException) { break; }
            }
        }
        try { await keepAlive.ConfigureAwait(false); } catch (OperationCanceledException) { }
        try { await kernelEvents.ConfigureAwait(false); } catch (OperationCanceledException) { }
        if (ct.IsCancellationRequested && RevokeOnStop) Leave();
    }

    /// <summary>
    /// Whether a clean stop (Stop-OverlayAgent, Ctrl+C, Stop-Job) revokes the host's lease, so its keys, and
    /// with them its entries on every other host, go at once, as a Docker host leaving the cluster takes its
    /// endpoints along. Defaults to true for the OverlayNet schema; false for flannel, whose subnet lease
    /// outlives a restart as flanneld's does. A killed agent revokes nothing: its lease expires after its TTL.
    /// </summary>
    public bool RevokeOnStop { get; set; }

    private void Leave()
    {
        try
        {
            OverlayNetAgentSchema.RevokeQuietly(_store, Lease);
            _emit(new AgentEvent { HostName = Options.HostName, Action = AgentAction.Lease, Detail = $"lease {Lease:x} revoked: this host's keys left the store" });
        }
        catch (Exception e) when (e is StoreUnavailableException or RpcException)
        {
            _warn($"{Options.HostName}: could not revoke lease {Lease:x} ({e.Message}); it expires after {Options.LeaseTtl} s.");
        }
    }

    /// <summary>
    /// Hands the watch loop an event that may be drift (see <see cref="KernelEventSink"/>, on the stream's
    /// thread): it tells the agent's own writes from someone else's (<see cref="KernelVtep.IsDrift"/>) and
    /// compares with a dump only for those.
    /// </summary>
    private void OnDrift(NetlinkEvent e)
    {
        // Queued before the kick is read: the loop replaces the kick before it drains the queue, so no event is missed.
        _kernelChanges.Enqueue(e);
        Volatile.Read(ref _kick).TrySetResult();
    }

    /// <summary>Ends when the event stream does: at <paramref name="ct"/>, or with its error (the namespace deleted).</summary>
    private async Task ReadKernelEventsAsync(CancellationToken ct)
    {
        if (_events == null) return;
        await _events.Completion.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Lists and compares everything again; a failure is reported and left for the next round.</summary>
    private void Resync(string why)
    {
        try { TryStore(() => ListAndSync(why)); }
        catch (Exception e) when (e is not OperationCanceledException) { _warn($"{Options.HostName}: resync failed: {e.Message}"); }
    }

    private void TryStore(Action work)
    {
        try
        {
            work();
            if (_storeDown)
            {
                _storeDown = false;
                _emit(new AgentEvent { HostName = Options.HostName, Action = AgentAction.Resync, Detail = $"store reachable again at {_store.CurrentEndpoint}" });
            }
        }
        catch (Exception e) when (e is StoreUnavailableException or RpcException)
        {
            if (!_storeDown) _emit(new AgentEvent { HostName = Options.HostName, Action = AgentAction.StoreUnavailable, Detail = e.Message });
            _storeDown = true;
        }
    }

    private enum WatchEnd { Compacted, Failed, Quiet }

    /// <summary>How often the watch loop looks up: a silent member is asked for progress after one tick and left after two.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>At most this many watch responses already received are written to the kernel in one Sync.</summary>
    private const int MaxCoalesced = 64;

    private async Task<WatchEnd> WatchAsync(CancellationToken ct)
    {
        (string endpoint, CallInvoker invoker) = _store.CurrentInvoker();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            if (AgentTrace.Sink != null) AgentTrace.Step(Options.HostName, "watching " + endpoint, _revision);
            var client = new Watch.WatchClient(invoker);
            using AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call = client.Watch(cancellationToken: cts.Token);
            RangeRequest range = Kv.Range(_schema.WatchPrefix);
            await call.RequestStream.WriteAsync(new WatchRequest
            {
                CreateRequest = new WatchCreateRequest { Key = range.Key, RangeEnd = range.RangeEnd, StartRevision = _revision + 1 },
            }, cts.Token).ConfigureAwait(false);
            var lastHeard = Stopwatch.StartNew();
            bool progressAsked = false;
            // Responses applied to _keys but not yet written to the kernel (see below), and how many.
            int unsynced = 0;
            Task<bool> next = call.ResponseStream.MoveNext(cts.Token);
            while (true)
            {
                Task kick = _kick.Task;
                Task done = await Task.WhenAny(next, kick, Task.Delay(Tick, cts.Token)).ConfigureAwait(false);
                if (done == kick)
                {
                    ct.ThrowIfCancellationRequested();
                    Volatile.Write(ref _kick, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                    bool drift = false;
                    while (_kernelChanges.TryDequeue(out NetlinkEvent? e)) drift |= KernelVtep.IsDrift(_known, e);
                    if (drift) Sync(); // drift: an entry deleted or changed by hand comes back
                    continue;
                }
                if (done != next)
                {
                    ct.ThrowIfCancellationRequested();
                    // A full compare now and then as well, in case an event was lost with the kernel's buffer.
                    if (_sinceFullCompare.Elapsed >= Options.DriftInterval) Sync();
                    if (lastHeard.Elapsed > Tick)
                    {
                        // A hung (SIGSTOPped) member keeps the stream open and says nothing: ask it for progress,
                        // and leave it when it does not answer within another interval.
                        if (progressAsked && lastHeard.Elapsed > Tick * 2) return WatchEnd.Quiet;
                        if (!progressAsked)
                        {
                            progressAsked = true;
                            await call.RequestStream.WriteAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() }, cts.Token).ConfigureAwait(false);
                        }
                    }
                    continue;
                }
                // The stream ends or fails: what was already applied to _keys goes to the kernel first.
                if (unsynced > 0 && !(next.IsCompletedSuccessfully && next.Result)) { unsynced = 0; Sync(dump: false); }
                if (!await next.ConfigureAwait(false)) return WatchEnd.Failed;
                lastHeard.Restart();
                progressAsked = false;
                if (_storeDown) TryStore(() => { });
                WatchResponse r = call.ResponseStream.Current;
                AgentTrace.Step(Options.HostName, "watch", r.Header?.Revision ?? 0, r.Events.Count);
                if (r.CompactRevision > 0) return WatchEnd.Compacted;
                if (r.Canceled)
                {
                    if (unsynced > 0) Sync(dump: false);
                    return WatchEnd.Failed;
                }
                foreach (Mvccpb.Event e in r.Events)
                {
                    string key = e.Kv.Key.ToStringUtf8();
                    if (e.Type == Mvccpb.Event.Types.EventType.Delete) _keys.Remove(key);
                    else _keys[key] = e.Kv.Value.ToStringUtf8();
                }
                if (r.Header != null && r.Header.Revision > _revision && (r.Events.Count > 0 || !r.Created)) _revision = r.Header.Revision;
                if (r.Events.Count > 0) unsynced++;
                next = call.ResponseStream.MoveNext(cts.Token);
                // A burst (one response per transaction) queues up in the stream while a Sync runs, and each
                // Sync compares every key: syncing after each response made the last one wait behind all the
                // earlier compares (110-220 ms on a loaded machine, seen as a late watch delivery). Responses
                // already received are applied to _keys first and written in one Sync once the stream has
                // nothing more at hand (bounded, so a steady stream still reaches the kernel).
                if (unsynced > 0 && (!next.IsCompleted || unsynced >= MaxCoalesced)) { unsynced = 0; Sync(dump: false); }
            }
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            _ = e;
            return WatchEnd.Failed;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return WatchEnd.Failed;
        }
        finally
        {
            cts.Cancel();
            _ = endpoint;
        }
    }

    private async Task KeepAliveAsync(CancellationToken ct)
    {
        TimeSpan every = TimeSpan.FromSeconds(Math.Max(0.5, Options.LeaseTtl / 3.0));
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(every, ct).ConfigureAwait(false);
            try
            {
                long ttl = await _store.CallRawAsync(async (inv, d, t) =>
                {
                    var lc = new Etcdserverpb.Lease.LeaseClient(inv);
                    using var call = lc.LeaseKeepAlive(deadline: d, cancellationToken: t);
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = Lease }, t).ConfigureAwait(false);
                    await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                    if (!await call.ResponseStream.MoveNext(t).ConfigureAwait(false)) throw new RpcException(new Status(StatusCode.Unavailable, "no keep-alive answer"));
                    return call.ResponseStream.Current.TTL;
                }, ct).ConfigureAwait(false);
                if (ttl <= 0)
                {
                    // The lease expired (this host was cut off longer than its TTL): its keys are gone; register again.
                    _warn($"{Options.HostName}: lease {Lease:x} expired; registering on a new one.");
                    lock (_schema) { Lease = GrantLease(); _schema.Register(Lease, _emit); }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
            catch (Exception e)
            {
                // A missed keep-alive is retried at the next tick, well within the TTL; anything else is said.
                if (e is not (StoreUnavailableException or RpcException)) _warn($"{Options.HostName}: lease keep-alive: {e.Message}");
            }
        }
    }

    public void Dispose()
    {
        _events?.Dispose();
        _kernel?.Dispose();
        _rtnl?.Dispose();
        _store.Dispose();
    }
}
