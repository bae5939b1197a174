namespace OverlayNet.Netlink.Protocol;

/// <summary>
/// Many requests sent in batches while the caller keeps encoding the next ones. The caller encodes a request
/// into <see cref="Writer"/> and calls <see cref="Added"/> with the input that produced it; every
/// <c>batchSize</c> requests the batch goes to the socket on a worker thread (one batch in flight at a time),
/// so sending and collecting acks overlap with whatever produces the next requests (PowerShell's parameter
/// binding, in a pipeline). Results come back in order through <see cref="TakeCompleted"/>, each input paired
/// with null (done) or the kernel's refusal. Owns its socket; the socket must not be used by anyone else.
/// </summary>
public sealed class PipelinedBatch<T> : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly int _batchSize;
    private MessageWriter _filling = new(64 << 10);
    private MessageWriter _spare = new(64 << 10);
    private List<T> _inputs = new();
    private Task<(List<T> Inputs, NetlinkException?[] Errors, MessageWriter Writer)>? _inFlight;
    private readonly List<(T Input, NetlinkException? Error)> _completed = new();

    public PipelinedBatch(NetlinkSocket socket, int batchSize = 1000)
    {
        _socket = socket;
        _batchSize = batchSize;
    }

    /// <summary>Where the next request is encoded.</summary>
    public MessageWriter Writer => _filling;

    /// <summary>Requests encoded but not yet acknowledged.</summary>
    public int Pending => _inputs.Count + (_inFlight == null ? 0 : 1);

    /// <summary>Records the input of the request just encoded; sends the batch once it is full.</summary>
    public void Added(T input)
    {
        _inputs.Add(input);
        if (_inputs.Count >= _batchSize) SendFilling(wait: false);
    }

    /// <summary>Sends what is left and waits for every ack.</summary>
    public void Complete()
    {
        if (_inputs.Count > 0) SendFilling(wait: true);
        else WaitInFlight();
    }

    /// <summary>Inputs whose requests were acknowledged since the last call, with their errors (null = success).</summary>
    public List<(T Input, NetlinkException? Error)> TakeCompleted()
    {
        var done = new List<(T, NetlinkException?)>(_completed);
        _completed.Clear();
        return done;
    }

    private void SendFilling(bool wait)
    {
        WaitInFlight();
        MessageWriter w = _filling;
        List<T> inputs = _inputs;
        _filling = _spare;
        _filling.Reset();
        _inputs = new List<T>(_batchSize);
        if (wait)
        {
            Collect(inputs, _socket.ExecuteBatch(w));
            _spare = w;
            return;
        }
        _inFlight = Task.Run(() => (inputs, _socket.ExecuteBatch(w), w));
    }

    private void WaitInFlight()
    {
        if (_inFlight == null) return;
        var (inputs, errors, writer) = _inFlight.GetAwaiter().GetResult();
        _inFlight = null;
        _spare = writer;
        Collect(inputs, errors);
    }

    private void Collect(List<T> inputs, NetlinkException?[] errors)
    {
        for (int i = 0; i < inputs.Count; i++) _completed.Add((inputs[i], errors[i]));
    }

    public void Dispose()
    {
        try { _inFlight?.Wait(); } catch (AggregateException) { }
        _filling.Dispose();
        _spare.Dispose();
        _socket.Dispose();
    }
}
