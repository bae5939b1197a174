using System.Threading.Channels;
using OverlayNet.Netlink.Events;
using OverlayNet.Netlink.Namespaces;

namespace OverlayNet.Commands;

/// <summary>
/// The cmdlet side of event streams: one <see cref="NetlinkEventStream"/> per namespace, all writing into one
/// channel, read on the pipeline thread by <see cref="Next"/>, which also notices a stream that ended (its
/// namespace was deleted) so the caller can report it while the others go on. Disposing stops every stream
/// and returns once their threads and sockets are gone.
/// </summary>
internal sealed class EventPump : IDisposable
{
    private readonly Channel<NetlinkEvent> _channel = Channel.CreateUnbounded<NetlinkEvent>();
    private readonly List<NetlinkEventStream> _streams = [];
    private readonly List<NetlinkEventStream> _active = [];

    /// <summary>Resolves every namespace first (a bad name subscribes nothing), then starts a stream in each.</summary>
    public EventPump(NetlinkEventTypes types, IReadOnlyList<string?> namespaces)
    {
        var paths = namespaces.Select(n => (Name: n, Path: n == null ? null : NetNamespaceStore.Resolve(n))).ToList();
        try
        {
            foreach (var (name, path) in paths)
                _streams.Add(NetlinkEventStream.Start(types, path, name, _channel.Writer));
        }
        catch
        {
            Dispose();
            throw;
        }
        _active.AddRange(_streams);
    }

    public IReadOnlyList<NetlinkEventStream> Streams => _streams;

    /// <summary>
    /// The next event; null when <paramref name="cancellation"/> fires or every stream has ended. A stream
    /// that ended with an error is handed to <paramref name="onStreamFailed"/> once, before its absence matters.
    /// </summary>
    public NetlinkEvent? Next(CancellationToken cancellation, Action<NetlinkEventStream, Exception> onStreamFailed)
    {
        while (true)
        {
            if (cancellation.IsCancellationRequested) return null;
            if (_channel.Reader.TryRead(out NetlinkEvent? e)) return e;
            for (int i = _active.Count - 1; i >= 0; i--)
            {
                NetlinkEventStream s = _active[i];
                if (!s.Completion.IsCompleted) continue;
                _active.RemoveAt(i);
                if (s.Completion.Exception?.InnerException is Exception failure) onStreamFailed(s, failure);
            }
            if (_active.Count == 0) return _channel.Reader.TryRead(out e) ? e : null;
            var waits = new Task[_active.Count + 1];
            waits[0] = _channel.Reader.WaitToReadAsync(cancellation).AsTask();
            for (int i = 0; i < _active.Count; i++) waits[i + 1] = _active[i].Completion;
            try
            {
                Task.WaitAny(waits, cancellation);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    public void Dispose()
    {
        foreach (NetlinkEventStream s in _streams) s.Dispose();
        _channel.Writer.TryComplete();
    }
}
