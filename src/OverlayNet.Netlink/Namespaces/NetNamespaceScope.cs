using System.Net.Sockets;
using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Diagnostics;
using OverlayNet.Netlink.Netfilter;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Sysctl;

namespace OverlayNet.Netlink.Namespaces;

/// <summary>
/// Everything that acts in one network namespace, like vishvananda/netlink's <c>Handle</c>: the name is
/// resolved to its file once, and the rtnetlink, nf_tables and ICMP channels are opened on first use and
/// kept, so a pipeline of thousands of inputs for the same namespace resolves and opens once. Sysctls are
/// read and written through it too. It carries a <see cref="CancellationToken"/> that its bulk writers and
/// dumps honour. Not thread-safe: one scope per caller thread (a cmdlet invocation, an agent loop).
/// </summary>
public sealed class NetNamespaceScope : IDisposable
{
    private RtnlClient? _rtnl;
    private NftClient? _nft;
    private IcmpEcho? _icmp4, _icmp6;
    private bool _disposed;
    private readonly ulong? _inode;
    private NetlinkException? _deleted;

    private NetNamespaceScope(string? name, string? path, CancellationToken cancellation)
    {
        Name = name;
        Path = path;
        Cancellation = cancellation;
        _inode = path == null ? null : NetNamespaceStore.TryGetInode(path);
    }

    /// <summary>
    /// The scope of <paramref name="nameOrPath"/> (a name under /run/netns or a namespace file; null or empty:
    /// the caller's namespace). Throws when the namespace does not exist.
    /// </summary>
    public static NetNamespaceScope Open(string? nameOrPath, CancellationToken cancellation = default)
    {
        if (string.IsNullOrEmpty(nameOrPath)) return new NetNamespaceScope(null, null, cancellation);
        return new NetNamespaceScope(nameOrPath, NetNamespaceStore.Resolve(nameOrPath), cancellation);
    }

    /// <summary>How the user named the namespace (copied to the objects read here); null: the caller's.</summary>
    public string? Name { get; }

    /// <summary>The namespace file, or null for the caller's namespace.</summary>
    public string? Path { get; }

    public CancellationToken Cancellation { get; }

    /// <summary>The rtnetlink client (links, addresses, routes, rules, neighbours, FDB), opened on first use.</summary>
    public RtnlClient Rtnl
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _rtnl ??= RtnlClient.Open(Path, Name, Cancellation);
        }
    }

    /// <summary>The nf_tables client for OverlayNet's table, opened on first use.</summary>
    public NftClient Nft
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _nft ??= NftClient.Open(Path);
        }
    }

    /// <summary>An ICMP echo socket of <paramref name="family"/>, opened on first use.</summary>
    public IcmpEcho Icmp(AddressFamily family)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return family == AddressFamily.InterNetworkV6
            ? _icmp6 ??= new IcmpEcho(Path, family)
            : _icmp4 ??= new IcmpEcho(Path, AddressFamily.InterNetwork);
    }

    /// <summary>
    /// A bulk writer on a socket of its own, cancelled with this scope's token; its sends stop once the
    /// namespace is deleted (<see cref="CheckStillThere"/>).
    /// </summary>
    public RtnlBatch<TTag> CreateBatch<TTag>(int batchSize = 1000) => new(Rtnl, CheckStillThere, batchSize, Cancellation);

    /// <summary>
    /// Null while the namespace file is still the one this scope opened; otherwise (deleted, or deleted and
    /// made anew under the same name) one error, the same instance every time, so callers can tell the
    /// requests it stopped from the kernel's own refusals. Sockets opened earlier keep a deleted namespace
    /// alive, so without this check a long pipeline would go on writing into a namespace nobody can see.
    /// </summary>
    public NetlinkException? CheckStillThere()
    {
        if (Path == null) return null;
        if (_deleted != null) return _deleted;
        ulong? now = NetNamespaceStore.TryGetInode(Path);
        if (now != null && now == _inode) return null;
        return _deleted = new NetlinkException(Errno.ENOENT, $"Network namespace '{Name}' was deleted while this ran");
    }

    /// <summary>One sysctl under /proc/sys/net (<c>sysctl NAME</c>); throws when the key does not exist.</summary>
    public global::OverlayNet.Sysctl GetSysctl(string name) => NetSysctl.Get(Path, name, Name);

    /// <summary>Every sysctl under /proc/sys/net that <paramref name="match"/> accepts.</summary>
    public List<global::OverlayNet.Sysctl> ReadSysctls(Func<string, bool> match) => NetSysctl.Read(Path, match, Name);

    /// <summary><c>sysctl -w NAME=VALUE</c> in this namespace.</summary>
    public void SetSysctl(string name, string value) => NetSysctl.Set(Path, name, value);

    /// <summary>"veth0" or "veth0 (namespace ns1)": how messages place a target.</summary>
    public string Describe(string what) => Name == null ? what : $"{what} (namespace {Name})";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _rtnl?.Dispose();
        _nft?.Dispose();
        _icmp4?.Dispose();
        _icmp6?.Dispose();
    }
}

/// <summary>
/// The one cache of namespace scopes a caller keeps (every cmdlet invocation has one): the first use of a
/// name opens its scope, later uses get the same one. Disposing closes them all.
/// </summary>
public sealed class NetNamespaceScopes(CancellationToken cancellation = default) : IDisposable
{
    private readonly Dictionary<string, NetNamespaceScope> _scopes = new(StringComparer.Ordinal);
    private NetNamespaceScope? _last;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>The scope for <paramref name="nameOrPath"/> (null or empty: the caller's namespace).</summary>
    public NetNamespaceScope Get(string? nameOrPath)
    {
        string key = nameOrPath ?? "";
        // Bulk input names the same namespace over and over: skip the lookup when it is the last one's.
        if (_last != null && string.Equals(_last.Name ?? "", key, StringComparison.Ordinal)) return _last;
        if (!_scopes.TryGetValue(key, out NetNamespaceScope? scope))
        {
            scope = NetNamespaceScope.Open(nameOrPath, Cancellation);
            _scopes[key] = scope;
        }
        return _last = scope;
    }

    /// <summary>Closes the scope of one namespace (a deleted namespace), so a later use opens it afresh.</summary>
    public void Forget(string? nameOrPath)
    {
        if (_scopes.Remove(nameOrPath ?? "", out NetNamespaceScope? scope))
        {
            if (ReferenceEquals(scope, _last)) _last = null;
            scope.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (NetNamespaceScope s in _scopes.Values) s.Dispose();
        _scopes.Clear();
        _last = null;
    }
}
