using OverlayNet.Netlink.Interop;

namespace OverlayNet.Netlink.Namespaces;

/// <summary>
/// An open file descriptor on a namespace, for requests that name a namespace by fd (IFLA_NET_NS_FD:
/// move a link, create a veth peer elsewhere). Keep it open until the request has been acknowledged.
/// </summary>
public sealed class NetNamespaceHandle : IDisposable
{
    private NetNamespaceHandle(int fd) { Fd = fd; }

    public int Fd { get; private set; }

    /// <summary>Opens the namespace a user named (name under /run/netns or a path).</summary>
    public static NetNamespaceHandle Open(string nameOrPath) =>
        new(Native.Open(NetNamespaceStore.Resolve(nameOrPath), Native.O_RDONLY));

    public void Dispose()
    {
        Native.Close(Fd);
        Fd = -1;
    }
}
