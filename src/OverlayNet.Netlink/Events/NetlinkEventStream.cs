using System.Runtime.CompilerServices;
using System.Threading.Channels;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Events;

/// <summary>
/// The kernel's changes in one namespace as a stream of <see cref="NetlinkEvent"/>s: what <c>ip monitor</c>
/// shows, as typed objects. <see cref="Start"/> subscribes, then reads the current state (so nothing that
/// happens in between is missed, and <see cref="InitialState"/> is a snapshot taken after subscribing); a
/// thread of its own then reads notifications and writes events to <see cref="Events"/> (or to a channel the
/// caller shares between several streams). When the kernel drops notifications (ENOBUFS) the stream writes a
/// Resync event per table, reads the tables again and writes what differs, so a consumer that applies every
/// event ends with the kernel's state. <see cref="Completion"/> ends with an error when the namespace is
/// deleted while watched. <see cref="Dispose"/> stops the thread and closes the sockets before it returns.
/// </summary>
/// <example>
/// <code>
/// using var stream = NetlinkEventStream.Start(NetlinkEventTypes.Fdb | NetlinkEventTypes.Miss, "/run/netns/host1", "host1");
/// await foreach (NetlinkEvent e in stream.ReadAllAsync(token))
///     Console.WriteLine($"{e.Action} {e.Type} {e.Detail}");
/// </code>
/// </example>
public sealed class NetlinkEventStream : IDisposable
{
    // How often an idle stream checks that its namespace still exists (a stat of the namespace file).
    private const int NamespaceCheckMs = 200;
    // Datagrams read in one go before the stop flag and the namespace are looked at again.
    private const int ReadBatch = 256;

    private readonly EventSocket _socket;
    private readonly RtnlClient _dumper;
    private readonly ChannelWriter<NetlinkEvent> _out;
    private readonly bool _ownsChannel;
    private readonly string? _nsPath;
    private readonly ulong? _nsInode;
    private readonly Dictionary<int, Link> _links = [];
    private readonly Dictionary<NetlinkEventType, KernelTable> _tables = [];
    private readonly Dictionary<NetlinkEventType, IReadOnlyList<object>> _initial = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private readonly Thread _thread;
    private volatile bool _stopping;
    private bool _closed;

    /// <summary>Events in the order the kernel reported them (when the stream owns its channel).</summary>
    public ChannelReader<NetlinkEvent> Events { get; }
    /// <summary>What was subscribed to.</summary>
    public NetlinkEventTypes Types { get; }
    /// <summary>The namespace as the caller named it (copied to every event); null for the caller's own.</summary>
    public string? NetNamespace { get; }
    /// <summary>Ends when the stream stops: normally after <see cref="Dispose"/>, with an error when the namespace was deleted.</summary>
    public Task Completion => _completion.Task;
    /// <summary>The one interface whose addresses, neighbours, FDB entries and routes are watched; 0: all of them.</summary>
    public int InterfaceIndex { get; }
    /// <summary>How many Resync rounds (ENOBUFS) the stream went through.</summary>
    public int ResyncCount { get; private set; }

    private NetlinkEventStream(NetlinkEventTypes types, string? nsPath, string? nsName, ChannelWriter<NetlinkEvent>? output, int receiveBufferBytes, int interfaceIndex)
    {
        Types = types;
        InterfaceIndex = interfaceIndex;
        NetNamespace = nsName;
        _nsPath = nsPath;
        if (output == null)
        {
            var channel = Channel.CreateUnbounded<NetlinkEvent>(new UnboundedChannelOptions { SingleWriter = true });
            Events = channel.Reader;
            _out = channel.Writer;
            _ownsChannel = true;
        }
        else
        {
            Events = Channel.CreateBounded<NetlinkEvent>(1).Reader; // unused: events go to the caller's channel
            _out = output;
        }
        _nsInode = nsPath == null ? null : NetNamespaceStore.TryGetInode(nsPath)
            ?? throw new NetNamespaceException($"'{nsPath}' is not a mounted network namespace.", 2);
        _socket = EventSocket.Open(nsPath, RtnlGroups.For(types), receiveBufferBytes, interfaceIndex);
        try
        {
            _dumper = RtnlClient.Open(nsPath, nsName);
            LoadTables();
        }
        catch
        {
            _socket.Dispose();
            _dumper?.Dispose();
            throw;
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "netlink events " + (nsName ?? "(own namespace)") };
    }

    /// <summary>
    /// Subscribes to <paramref name="types"/> in the namespace at <paramref name="nsPath"/> (null: the caller's),
    /// reads the current state and starts streaming: <see cref="Open"/> and <see cref="Start()"/> in one.
    /// </summary>
    public static NetlinkEventStream Start(NetlinkEventTypes types, string? nsPath = null, string? nsName = null,
        ChannelWriter<NetlinkEvent>? output = null, int interfaceIndex = 0)
    {
        NetlinkEventStream stream = Open(types, nsPath, nsName, output, 0, interfaceIndex);
        stream.Start();
        return stream;
    }

    /// <summary>
    /// Subscribes and reads the current state, but does not read notifications yet: they queue in the socket
    /// until <see cref="Start()"/> (for a caller that must do something between the two). Throws (with nothing
    /// left open) when the namespace does not exist. Events go to <see cref="Events"/>, or to
    /// <paramref name="output"/> when given (several streams can share one; the stream never completes it:
    /// watch <see cref="Completion"/> instead). <paramref name="receiveBufferBytes"/> (0: 32 MiB) is how many
    /// unread notifications the kernel keeps before it drops them and the stream resyncs. With
    /// <paramref name="interfaceIndex"/>, only that interface's addresses, neighbours, FDB entries and routes are
    /// read and reported (links and rules all): the first three are filtered in the kernel, so a stream for one
    /// device costs nothing when the rest of the host is busy.
    /// </summary>
    public static NetlinkEventStream Open(NetlinkEventTypes types, string? nsPath = null, string? nsName = null,
        ChannelWriter<NetlinkEvent>? output = null, int receiveBufferBytes = 0, int interfaceIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(interfaceIndex);
        if (types == NetlinkEventTypes.None || (types & ~NetlinkEventTypes.All) != 0)
            throw new ArgumentException($"'{types}' names no event type to watch.", nameof(types));
        ArgumentOutOfRangeException.ThrowIfNegative(receiveBufferBytes);
        return new NetlinkEventStream(types, nsPath, nsName ?? nsPath, output, receiveBufferBytes, interfaceIndex);
    }

    /// <summary>Starts reading notifications (once; later calls do nothing).</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (!HasStarted) _thread.Start();
        }
    }

    /// <summary>Every event until the stream ends or <paramref name="cancellationToken"/> fires; rethrows a stream failure.</summary>
    public async IAsyncEnumerable<NetlinkEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!_ownsChannel) throw new InvalidOperationException("This stream writes to a channel the caller gave it.");
        await foreach (NetlinkEvent e in Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return e;
    }

    /// <summary>
    /// The objects of one table as they were right after subscribing (empty for a type not subscribed to). A
    /// wait checks its condition here first, then in the events that follow: nothing falls in between.
    /// </summary>
    public IReadOnlyList<object> InitialState(NetlinkEventType type) =>
        _initial.TryGetValue(type, out IReadOnlyList<object>? list) ? list : [];

    private bool Wants(NetlinkEventType t) => (Types & t.ToFlag()) != 0;

    /// <summary>The tables this stream keeps: links always (they name everything), the others as subscribed.</summary>
    private IEnumerable<NetlinkEventType> TrackedTables()
    {
        yield return NetlinkEventType.Link;
        foreach (NetlinkEventType t in new[] { NetlinkEventType.Address, NetlinkEventType.Route, NetlinkEventType.Neighbor, NetlinkEventType.Fdb, NetlinkEventType.Rule })
            if (Wants(t)) yield return t;
    }

    private List<object> DumpTable(NetlinkEventType type)
    {
        int i = InterfaceIndex;
        List<object> all = type switch
        {
            NetlinkEventType.Link => [.. _dumper.GetLinks()],
            NetlinkEventType.Address => [.. _dumper.GetAddresses(null, i)],
            NetlinkEventType.Route => [.. _dumper.GetRoutes(null, RouteTables.Unspec)],
            NetlinkEventType.Neighbor => [.. _dumper.GetNeighbors(false, null, i), .. _dumper.GetNeighbors(true, null, i)],
            NetlinkEventType.Fdb => [.. _dumper.GetFdbEntries(i)],
            NetlinkEventType.Rule => [.. _dumper.GetRules()],
            _ => [],
        };
        if (i > 0 && type == NetlinkEventType.Route) all.RemoveAll(o => !OnInterface(o));
        return all;
    }

    /// <summary>Whether an object is one the stream reports: every one, or (with an interface) that interface's, links and rules.</summary>
    private bool OnInterface(object obj) =>
        InterfaceIndex == 0 || obj is Link or IpRule || EventKeys.InterfaceIndex(obj) == InterfaceIndex;

    private void LoadTables()
    {
        foreach (NetlinkEventType t in TrackedTables())
        {
            List<object> objects = DumpTable(t);
            var table = new KernelTable(t);
            table.Load(objects);
            _tables[t] = table;
            if (t == NetlinkEventType.Link)
                foreach (Link l in objects.Cast<Link>()) _links[l.Index] = l;
            if (Wants(t)) _initial[t] = objects;
        }
    }

    private void Run()
    {
        Exception? failure = null;
        try
        {
            long nextCheck = Environment.TickCount64 + NamespaceCheckMs;
            while (!_stopping)
            {
                bool data = _socket.Wait(NamespaceCheckMs, out bool woken);
                if (woken || _stopping) break;
                if (data) ReadQueued();
                if (Environment.TickCount64 >= nextCheck)
                {
                    CheckNamespace();
                    nextCheck = Environment.TickCount64 + NamespaceCheckMs;
                }
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            // Close here, not only in Dispose: a deleted namespace lives on as long as a socket in it is open.
            lock (_gate)
            {
                _closed = true;
                _socket.Dispose();
                _dumper.Dispose();
            }
            if (_ownsChannel) _out.TryComplete(failure);
            if (failure == null) _completion.TrySetResult();
            else _completion.TrySetException(failure);
        }
    }

    private void CheckNamespace()
    {
        if (_nsPath == null || NetNamespaceStore.TryGetInode(_nsPath) == _nsInode) return;
        throw new NetNamespaceException($"Network namespace '{NetNamespace}' was deleted while it was watched.", 2);
    }

    private void ReadQueued()
    {
        for (int i = 0; i < ReadBatch && !_stopping; i++)
        {
            try
            {
                ReadOnlySpan<byte> datagram = _socket.Receive();
                if (datagram.IsEmpty) return;
                foreach (NetlinkMessage m in new MessageEnumerator(datagram)) Handle(m);
            }
            catch (Exception e) when (e is OverrunException or NetlinkProtocolException)
            {
                Resync(e.Message);
            }
        }
    }

    private void Handle(NetlinkMessage m)
    {
        if (EventDecoder.Decode(m, _links) is not EventDecoder.Decoded d) return;
        if (!OnInterface(d.Obj)) return; // a route through another interface (the kernel filter passes routes)
        LearnLinks(d.Obj);
        EventDecoder.Name(d.Obj, _links, NetNamespace);
        if (d.Type is NetlinkEventType.L2Miss or NetlinkEventType.L3Miss)
        {
            if (Wants(d.Type)) Emit(NetlinkEventAction.Miss, d.Type, d.Obj);
            return;
        }
        if (!_tables.TryGetValue(d.Type, out KernelTable? table)) return; // a group shared with an unwanted type
        NetlinkEventAction? action;
        if (d.Deleted)
        {
            action = table.Remove(d.Obj) ? NetlinkEventAction.Deleted : null;
        }
        else
        {
            action = table.Put(d.Obj);
        }
        if (d.Obj is Link link) TrackLink(link, d.Deleted);
        if (action is NetlinkEventAction a && Wants(d.Type)) Emit(a, d.Type, d.Obj);
    }

    /// <summary>
    /// Looks up devices an object names that the stream has not heard of yet: the kernel reports some entries
    /// of a new device (a bridge's own FDB entry) before the device itself.
    /// </summary>
    private void LearnLinks(object obj)
    {
        if (obj is Link) return;
        Learn(EventKeys.InterfaceIndex(obj));
        if (obj is BridgeFdbEntry f)
        {
            Learn(f.BridgeIndex);
            Learn(f.ViaIndex);
        }

        void Learn(int index)
        {
            if (index <= 0 || _links.ContainsKey(index)) return;
            if (_dumper.GetLink(index) is Link l) _links[index] = l;
        }
    }

    private void TrackLink(Link link, bool deleted)
    {
        if (!deleted)
        {
            _links[link.Index] = link;
            return;
        }
        _links.Remove(link.Index);
        // Entries of a deleted device go with it, and the kernel does not report each one (IPv4 routes, FDB).
        foreach (KernelTable t in _tables.Values)
            if (t.Type != NetlinkEventType.Link) t.RemoveInterface(link.Index);
    }

    /// <summary>
    /// Notifications were lost. Drop what is queued (older than the dump about to be taken), read every tracked
    /// table again and report the differences. Notifications that arrive meanwhile queue up and are applied
    /// after: they are newer than the drained ones, so the final state is the kernel's.
    /// </summary>
    private void Resync(string why)
    {
        ResyncCount++;
        _socket.Drain();
        List<NetlinkEventType> tables = TrackedTables().ToList();
        // Every Resync marker first, so a consumer knows at once which tables are being read again.
        foreach (NetlinkEventType t in tables)
            if (Wants(t)) Emit(NetlinkEventAction.Resync, t, null, why);
        var pending = new List<(NetlinkEventType Type, List<(NetlinkEventAction Action, object Obj)> Changes)>();
        foreach (NetlinkEventType t in tables)
        {
            List<object> objects = DumpTable(t);
            List<(NetlinkEventAction Action, object Obj)> changes = _tables[t].Resync(objects);
            if (t == NetlinkEventType.Link)
            {
                _links.Clear();
                foreach (Link l in objects.Cast<Link>()) _links[l.Index] = l;
            }
            if (Wants(t)) pending.Add((t, changes));
        }
        // Link changes last: a consumer that uses a link change as a marker ("everything before it is in") has
        // then seen every other table's differences, as it would have without the lost notifications.
        foreach (var (t, changes) in pending.OrderBy(p => p.Type == NetlinkEventType.Link ? 1 : 0))
            foreach (var (action, obj) in changes) Emit(action, t, obj);
    }

    private void Emit(NetlinkEventAction action, NetlinkEventType type, object? obj, string? message = null)
    {
        int index = EventKeys.InterfaceIndex(obj);
        string? name = obj switch
        {
            Link l => l.Name,
            _ when index != 0 => _links.TryGetValue(index, out Link? l) ? l.Name : null,
            _ => null,
        };
        _out.TryWrite(new NetlinkEvent
        {
            Action = action,
            Type = type,
            Object = obj,
            Time = DateTime.Now,
            NetNamespace = NetNamespace,
            InterfaceName = name,
            InterfaceIndex = index,
            Message = message,
        });
    }

    // ThreadState is a set of flags: a background thread that has not started is Unstarted | Background.
    private bool HasStarted => (_thread.ThreadState & ThreadState.Unstarted) == 0;

    /// <summary>Stops the reader thread and closes both sockets; returns once they are gone.</summary>
    public void Dispose()
    {
        bool started;
        lock (_gate)
        {
            _stopping = true;
            started = HasStarted;
            if (!started && !_closed)
            {
                // Never started: nothing reads, so close here and end the stream as the thread would.
                _closed = true;
                _socket.Dispose();
                _dumper.Dispose();
                if (_ownsChannel) _out.TryComplete();
                _completion.TrySetResult();
            }
            else if (!_closed)
            {
                _socket.Wake();
            }
        }
        if (started && Thread.CurrentThread != _thread) _thread.Join();
    }
}
