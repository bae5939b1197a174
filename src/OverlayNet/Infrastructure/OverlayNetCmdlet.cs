using System.Management.Automation;
using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// Base of every cmdlet that reads or changes kernel state. It owns <c>-NetNamespace</c> (bound by property
/// name, so a pipeline stays in the namespace it started in), the one cache of namespace scopes (each
/// namespace resolved once, its rtnetlink / nf_tables / ICMP channels opened once, for the life of the
/// cmdlet), the cancellation Ctrl+C triggers, and the mapping from failures to error records.
/// </summary>
public abstract class OverlayNetCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private NetNamespaceScopes? _scopes;

    /// <summary>A name under /run/netns or a path to a namespace file; omitted means the caller's namespace.</summary>
    /// <remarks>
    /// No [ValidateNotNullOrEmpty]: objects read from the caller's namespace carry NetNamespace = null, and
    /// piping them on (<c>Get-VethLink | Remove-IpLink</c>) binds that null; it means the caller's namespace,
    /// and so does an empty string (an empty CSV column).
    /// </remarks>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public virtual string? NetNamespace
    {
        get => _netNamespace;
        set => _netNamespace = string.IsNullOrEmpty(value) ? null : value;
    }

    private string? _netNamespace;

    /// <summary>Cancelled when the user stops the pipeline (Ctrl+C): dumps and bulk writers give up.</summary>
    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>Every namespace this invocation has touched, each opened once.</summary>
    protected NetNamespaceScopes Scopes => _scopes ??= new NetNamespaceScopes(_stopping.Token);

    /// <summary>The scope of the current <see cref="NetNamespace"/>.</summary>
    protected NetNamespaceScope Scope => Scopes.Get(NetNamespace);

    /// <summary>The rtnetlink client for the current <see cref="NetNamespace"/>.</summary>
    protected RtnlClient Rtnl => Scope.Rtnl;

    protected RtnlClient GetRtnl(string? netNamespace) => Scopes.Get(netNamespace).Rtnl;

    /// <summary>The namespace file behind <see cref="NetNamespace"/>, or null for the caller's namespace.</summary>
    protected string? NamespacePath => Scope.Path;

    /// <summary>
    /// Runs the work for one input. A failure becomes a non-terminating error that names the input, so
    /// the rest of a pipeline goes on. Returns false when it failed.
    /// </summary>
    protected bool Try(string errorId, object? target, string activity, Action work)
    {
        try
        {
            work();
            return true;
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            WriteFailure(e, errorId, target, activity);
            return false;
        }
        catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    protected void WriteFailure(Exception e, string errorId, object? target, string activity)
    {
        WriteError(Errors.Record(e, errorId, target, activity));
    }

    /// <summary>Failures that belong to one input (bad value, kernel refusal), as opposed to bugs.</summary>
    protected static bool IsUserFacing(Exception e) =>
        e is ArgumentException or FormatException or ErrnoException or NetlinkProtocolException
            or TimeoutException or InvalidOperationException or IOException or UnauthorizedAccessException;

    /// <summary>The index a listing filters on: 0 (every interface) when no name was given.</summary>
    protected int IndexOrAll(string? name) => string.IsNullOrEmpty(name) ? 0 : Rtnl.GetIndex(name!);

    /// <summary>Resolves -InterfaceName / -InterfaceIndex to an index in the given client's namespace.</summary>
    protected static int ResolveInterface(RtnlClient client, string? name, int index)
    {
        if (!string.IsNullOrEmpty(name))
        {
            InterfaceNames.Validate(name);
            return client.GetIndex(name);
        }
        if (index > 0)
        {
            if (client.GetLink(index) == null)
                throw new LinkNotFoundException($"#{index}", client.NamespaceName);
            return index;
        }
        throw new ArgumentException("Name an interface with -InterfaceName or -InterfaceIndex.");
    }

    /// <summary>Where a target is described to a user: "veth0" or "veth0 in namespace ns1".</summary>
    protected string Describe(string what) => NetNamespace == null ? what : $"{what} (namespace {NetNamespace})";

    /// <summary>
    /// Runs on PowerShell's stop thread while ProcessRecord may still be running: it only signals. The
    /// pipeline thread sees the token (or PowerShell's PipelineStoppedException) and unwinds, and Dispose,
    /// on the pipeline thread, closes what is open.
    /// </summary>
    protected override void StopProcessing()
    {
        _stopping.Cancel();
        base.StopProcessing();
    }

    public virtual void Dispose()
    {
        _scopes?.Dispose();
        _scopes = null;
        GC.SuppressFinalize(this);
    }

    protected override void EndProcessing()
    {
        base.EndProcessing();
        Dispose();
    }
}
