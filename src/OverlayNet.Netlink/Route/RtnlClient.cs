using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

/// <summary>
/// Typed rtnetlink operations in one namespace: links, addresses, and (in the other partial files) routes,
/// rules, neighbours and FDB entries. Like vishvananda/netlink's Handle, it carries its namespace: the socket
/// is opened inside it, so every call here acts there, whatever thread calls.
/// Not thread-safe: one client per cmdlet invocation and namespace.
/// </summary>
public sealed partial class RtnlClient : IDisposable
{
    private readonly MessageWriter _request = new();

    private RtnlClient(NetlinkSocket socket, string? nsPath, string? nsName, CancellationToken cancellation)
    {
        Socket = socket;
        NamespacePath = nsPath;
        NamespaceName = nsName;
        Cancellation = cancellation;
    }

    /// <summary>Cancels this client's dumps (between datagrams) and its batches' adds.</summary>
    public CancellationToken Cancellation { get; }

    public NetlinkSocket Socket { get; }
    /// <summary>Path of the namespace file, or null for the namespace of the thread that opened this client.</summary>
    public string? NamespacePath { get; }
    /// <summary>How the user named the namespace; copied to every object read through this client.</summary>
    public string? NamespaceName { get; }

    /// <summary>Opens a client in the namespace at <paramref name="nsPath"/> (null: the calling thread's).</summary>
    public static RtnlClient Open(string? nsPath = null, string? nsName = null) => Open(nsPath, nsName, default);

    /// <summary>As <see cref="Open(string?, string?)"/>, with dumps that stop when <paramref name="cancellation"/> is cancelled.</summary>
    public static RtnlClient Open(string? nsPath, string? nsName, CancellationToken cancellation)
    {
        NetlinkSocket socket = NetNamespaceRunner.Run(nsPath, () => NetlinkSocket.Open(Nl.NETLINK_ROUTE));
        return new RtnlClient(socket, nsPath, nsName ?? nsPath, cancellation);
    }

    /// <summary>Dumps with this client's cancellation token.</summary>
    private List<T> Dump<T>(MessageWriter request, MessageParser<T> parse) => Socket.Dump(request, parse, Cancellation);

    /// <summary>
    /// A batch sender on a socket of its own in this client's namespace, so acks of a batch in flight never mix
    /// with this client's own requests.
    /// </summary>
    public RequestBatch<T> CreateBatch<T>(int batchSize = 1000) => new(OpenSocket(), batchSize);

    /// <summary>A second socket in this client's namespace.</summary>
    public NetlinkSocket OpenSocket() => NetNamespaceRunner.Run(NamespacePath, () => NetlinkSocket.Open(Nl.NETLINK_ROUTE));

    /// <summary>The shared request buffer, emptied. Each operation encodes into it and sends at once.</summary>
    private MessageWriter NewRequest()
    {
        _request.Reset();
        return _request;
    }

    public void Dispose()
    {
        Socket.Dispose();
        _request.Dispose();
    }
}
