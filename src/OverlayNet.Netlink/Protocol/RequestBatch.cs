namespace OverlayNet.Netlink.Protocol;

/// <summary>
/// Collects many requests (one per pipeline input) and sends them in batches on a socket of their own, one
/// batch in flight while the caller encodes the next, so encoding (and PowerShell's parameter binding) overlaps
/// with the kernel's work. Each request carries a tag (the input it came from) that comes back with its result.
/// Not thread-safe: one caller thread encodes; only the send runs elsewhere.
/// </summary>
public sealed class RequestBatch<TTag> : IDisposable
{
    private readonly NetlinkSocket? _socket;
    private readonly Func<MessageWriter, NetlinkException?[]> _send;
    private readonly int _batchSize;
    private MessageWriter _writer = new(64 << 10);
    private List<TTag> _tags = [];
    private MessageWriter _spareWriter = new(64 << 10);
    private Task<List<(TTag Tag, NetlinkException? Error)>>? _inFlight;
    private int _messageStart = -1;

    public RequestBatch(NetlinkSocket socket, int batchSize = 1000)
    {
        _socket = socket;
        _send = socket.ExecuteBatch;
        _batchSize = batchSize;
    }

    /// <summary>A batch that hands each full buffer to <paramref name="send"/> (unit tests: no socket, no root).</summary>
    internal RequestBatch(Func<MessageWriter, NetlinkException?[]> send, int batchSize)
    {
        _send = send;
        _batchSize = batchSize;
    }

    /// <summary>
    /// Asked on the caller's thread before each send: an exception (a namespace deleted meanwhile) fails every
    /// request of that send with it instead of sending.
    /// </summary>
    public Func<NetlinkException?>? BeforeSend { get; set; }

    /// <summary>Requests encoded and not yet sent.</summary>
    public int Pending => _tags.Count;

    /// <summary>The writer to encode the next request into; call <see cref="Commit"/> or <see cref="Abandon"/> after.</summary>
    public MessageWriter Begin()
    {
        _messageStart = _writer.Length;
        return _writer;
    }

    /// <summary>Drops a request that failed while it was encoded.</summary>
    public void Abandon()
    {
        if (_messageStart >= 0) _writer.Rollback(_messageStart);
        _messageStart = -1;
    }

    /// <summary>
    /// Ties the request just encoded to <paramref name="tag"/>. When the batch is full it is sent; the results
    /// of the batch before it (done meanwhile) are returned, otherwise nothing.
    /// </summary>
    public IReadOnlyList<(TTag Tag, NetlinkException? Error)> Commit(TTag tag)
    {
        _messageStart = -1;
        _tags.Add(tag);
        if (_tags.Count < _batchSize) return [];
        List<(TTag, NetlinkException?)> done = Collect();
        Launch();
        return done;
    }

    /// <summary>Sends what is left and returns every result not returned yet.</summary>
    public IReadOnlyList<(TTag Tag, NetlinkException? Error)> Complete()
    {
        List<(TTag, NetlinkException?)> done = Collect();
        if (_tags.Count > 0)
        {
            Launch();
            done.AddRange(Collect());
        }
        return done;
    }

    private void Launch()
    {
        MessageWriter sending = _writer;
        List<TTag> tags = _tags;
        _writer = _spareWriter;
        _writer.Reset();
        _tags = [];
        if (BeforeSend?.Invoke() is NetlinkException refused)
        {
            var failed = new List<(TTag, NetlinkException?)>(tags.Count);
            foreach (TTag t in tags) failed.Add((t, refused));
            _inFlight = Task.FromResult(failed);
            _spareWriter = sending;
            return;
        }
        // The socket was opened inside its namespace; using it from a pool thread is fine (no setns here).
        _inFlight = Task.Run(() =>
        {
            NetlinkException?[] errors = _send(sending);
            var results = new List<(TTag, NetlinkException?)>(tags.Count);
            for (int i = 0; i < tags.Count; i++) results.Add((tags[i], errors[i]));
            return results;
        });
        _spareWriter = sending;
    }

    private List<(TTag, NetlinkException?)> Collect()
    {
        if (_inFlight == null) return [];
        try
        {
            return _inFlight.GetAwaiter().GetResult();
        }
        finally
        {
            _inFlight = null;
        }
    }

    public void Dispose()
    {
        try { _inFlight?.Wait(); } catch (AggregateException) { }
        _writer.Dispose();
        _spareWriter.Dispose();
        _socket?.Dispose();
    }
}
