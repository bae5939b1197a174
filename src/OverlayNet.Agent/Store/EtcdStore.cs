using dotnet_etcd;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;

namespace OverlayNet.Agent.Store;

/// <summary>
/// The etcd client the control plane uses: one gRPC channel per member, every call with a short deadline
/// (500 ms by default) and, when a member does not answer in time, the same call on the next member.
/// With dotnet-etcd's defaults (one balanced channel, no deadline) the first write after a leader kill took
/// 8.3 s; a hung (SIGSTOPped) member would block a call forever.
/// </summary>
public sealed class EtcdStore : IDisposable
{
    private readonly Member[] _members;
    private int _current;

    public EtcdStore(IReadOnlyList<string> endpoints, TimeSpan? callTimeout = null)
    {
        if (endpoints == null || endpoints.Count == 0)
            throw new ArgumentException("Name at least one etcd endpoint (-EtcdEndpoint http://127.0.0.1:2379).");
        Endpoints = endpoints.Select(NormalizeEndpoint).ToArray();
        CallTimeout = callTimeout ?? TimeSpan.FromMilliseconds(500);
        _members = Endpoints.Select(e => new Member(e)).ToArray();
        // Spread clients over the members rather than piling every agent onto the first one.
        _current = Random.Shared.Next(_members.Length);
    }

    public string[] Endpoints { get; }
    public TimeSpan CallTimeout { get; }

    /// <summary>The member the next call goes to first.</summary>
    public string CurrentEndpoint => _members[Volatile.Read(ref _current) % _members.Length].Endpoint;

    /// <summary>Checks one endpoint's text: an http URL with host and port (TLS is not supported here).</summary>
    public static string NormalizeEndpoint(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("An etcd endpoint is empty.");
        string t = text.Trim();
        if (!t.Contains("://", StringComparison.Ordinal)) t = "http://" + t;
        if (!Uri.TryCreate(t, UriKind.Absolute, out Uri? uri) || uri.Scheme != "http" || uri.IsDefaultPort || uri.AbsolutePath != "/")
            throw new ArgumentException($"'{text}' is not an etcd endpoint: expected http://host:port, as in http://127.0.0.1:2379.");
        return $"http://{uri.Host}:{uri.Port}";
    }

    /// <summary>
    /// Runs <paramref name="call"/> against one member after another until one answers within the deadline.
    /// Errors that a different member cannot fix (a bad request) are thrown at once.
    /// </summary>
    public Task<T> CallAsync<T>(Func<EtcdClient, DateTime, CancellationToken, Task<T>> call, CancellationToken ct = default) =>
        CallMemberAsync((m, d, t) => call(m.Client, d, t), ct);

    /// <summary>As <see cref="CallAsync"/>, for calls on the raw gRPC stubs (a lease keep-alive stream).</summary>
    public Task<T> CallRawAsync<T>(Func<CallInvoker, DateTime, CancellationToken, Task<T>> call, CancellationToken ct = default) =>
        CallMemberAsync((m, d, t) => call(m.Invoker, d, t), ct);

    private async Task<T> CallMemberAsync<T>(Func<Member, DateTime, CancellationToken, Task<T>> call, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var failures = new SortedDictionary<int, string>();
            bool anyAlive = false;
            int start = Volatile.Read(ref _current);
            for (int i = 0; i < _members.Length; i++)
            {
                int index = (start + i) % _members.Length;
                Member m = _members[index];
                try
                {
                    T result = await call(m, DateTime.UtcNow + CallTimeout, ct).ConfigureAwait(false);
                    Volatile.Write(ref _current, index);
                    return result;
                }
                catch (RpcException e) when (IsMemberFailure(e) && !ct.IsCancellationRequested)
                {
                    failures[index] = $"{m.Endpoint}: {Describe(e)}";
                    // A member that is there but slow (no leader during an election, overloaded) may answer
                    // soon; one that refuses connections will not.
                    if (e.StatusCode != StatusCode.Unavailable) anyAlive = true;
                }
            }
            ct.ThrowIfCancellationRequested();
            if (!anyAlive || DateTime.UtcNow - started > RetryBudget)
                throw new StoreUnavailableException("No etcd member answered within " + (int)CallTimeout.TotalMilliseconds + " ms: " + string.Join("; ", failures.Values));
            // Members are up but none answered in time (a leader election, ~1 s): go round again.
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>How long a call keeps going round the members while some are up but none answers (an election).</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(3);

    public T Call<T>(Func<EtcdClient, DateTime, CancellationToken, Task<T>> call, CancellationToken ct = default) =>
        CallAsync(call, ct).GetAwaiter().GetResult();

    /// <summary>One transaction, with the deadline and fail-over of <see cref="Call"/> (for callers without a delegate of their own).</summary>
    public TxnResponse Transaction(TxnRequest txn, CancellationToken ct = default) =>
        TransactionAsync(txn, ct).GetAwaiter().GetResult();

    /// <summary>As <see cref="Transaction"/>, without waiting for the answer.</summary>
    public Task<TxnResponse> TransactionAsync(TxnRequest txn, CancellationToken ct = default) =>
        CallAsync((c, d, t) => c.TransactionAsync(txn, deadline: d, cancellationToken: t), ct);

    /// <summary>How many transactions <see cref="Transactions"/> keeps in flight at once.</summary>
    public const int TransactionsInFlight = 8;

    /// <summary>
    /// Several transactions on disjoint keys, each with the deadline and fail-over of <see cref="Call"/>, with up
    /// to <see cref="TransactionsInFlight"/> in flight on the member's HTTP/2 connection rather than one round
    /// trip after another, so the watchers get a bulk write as one burst. Answers come back in the order of the requests; <paramref name="answered"/>
    /// is told each one's index as it is read. When a call fails, the others still in flight are waited for
    /// (they may have committed), then the first failure is thrown.
    /// </summary>
    public TxnResponse[] Transactions(IReadOnlyList<TxnRequest> txns, Action<int>? answered = null, CancellationToken ct = default)
    {
        var answers = new TxnResponse[txns.Count];
        var inFlight = new Queue<(int Index, Task<TxnResponse> Answer)>();
        Exception? failure = null;
        int next = 0;
        while (next < txns.Count || inFlight.Count > 0)
        {
            while (failure == null && next < txns.Count && inFlight.Count < TransactionsInFlight)
            {
                inFlight.Enqueue((next, TransactionAsync(txns[next], ct)));
                next++;
            }
            if (inFlight.Count == 0) break;
            (int index, Task<TxnResponse> answer) = inFlight.Dequeue();
            try
            {
                answers[index] = answer.GetAwaiter().GetResult();
                answered?.Invoke(index);
            }
            catch (Exception e) { failure ??= e; }
        }
        if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        return answers;
    }

    /// <summary>Moves the next call to another member (a watch that went quiet on this one).</summary>
    public void SkipCurrent() => Interlocked.Increment(ref _current);

    /// <summary>The raw gRPC invoker of the current member, for streams (watch, lease keep-alive).</summary>
    public (string Endpoint, CallInvoker Invoker) CurrentInvoker()
    {
        Member m = _members[Volatile.Read(ref _current) % _members.Length];
        return (m.Endpoint, m.Invoker);
    }

    /// <summary>Unavailable, deadline, a member without a leader, a connection reset: another member may do.</summary>
    internal static bool IsMemberFailure(RpcException e) => e.StatusCode is StatusCode.Unavailable
        or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled
        or StatusCode.ResourceExhausted;

    internal static string Describe(RpcException e) => e.StatusCode == StatusCode.DeadlineExceeded
        ? "no answer in time" : $"{e.StatusCode} ({e.Status.Detail})";

    public void Dispose()
    {
        foreach (Member m in _members) m.Dispose();
    }

    private sealed class Member : IDisposable
    {
        private readonly GrpcChannel _channel;

        public Member(string endpoint)
        {
            Endpoint = endpoint;
            _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    // A member that is gone refuses at once; one that hangs must not hold a connect for long.
                    ConnectTimeout = TimeSpan.FromMilliseconds(500),
                    KeepAlivePingDelay = TimeSpan.FromSeconds(1),
                    KeepAlivePingTimeout = TimeSpan.FromSeconds(1),
                    EnableMultipleHttp2Connections = true,
                    // A watch receives bursts (a transaction of 64 endpoints is about 20 KB of events): with
                    // HTTP/2's 64 KiB starting window the member stops after a few responses until this side's
                    // WINDOW_UPDATE comes back, and on a busy machine the agent fell 50-100 ms behind the store.
                    InitialHttp2StreamWindowSize = 4 << 20,
                },
                MaxReceiveMessageSize = 64 << 20,
            });
            Invoker = _channel.CreateCallInvoker();
            Client = new EtcdClient(Invoker);
        }

        public string Endpoint { get; }
        public CallInvoker Invoker { get; }
        public EtcdClient Client { get; }

        public void Dispose()
        {
            Client.Dispose();
            _channel.Dispose();
        }
    }
}
