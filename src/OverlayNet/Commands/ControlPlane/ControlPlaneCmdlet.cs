using System.Management.Automation;
using OverlayNet.Agent.Schema;
using OverlayNet.Agent.Store;

namespace OverlayNet.Commands;

/// <summary>
/// Base of the cmdlets that talk to the etcd store: <c>-EtcdEndpoint</c> (bound by property name too, so a
/// store from Start-OverlayStore can be piped in by its Endpoints) and one client for the cmdlet's life.
/// </summary>
public abstract class ControlPlaneCmdlet : PSCmdlet, IDisposable
{
    private EtcdStore? _store;

    /// <summary>etcd client URLs (http://127.0.0.1:2379); every call tries them in turn with a 500 ms deadline.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Endpoints")]
    [ValidateNotNullOrEmpty]
    public string[] EtcdEndpoint { get; set; } = [];

    protected EtcdStore Store => _store ??= new EtcdStore(EtcdEndpoint);

    protected OverlayNetClient Client => new(Store);

    /// <summary>Failures that belong to one input or to the store, as opposed to bugs.</summary>
    protected static bool IsUserFacing(Exception e) =>
        e is ArgumentException or FormatException or InvalidOperationException or StoreUnavailableException
            or Grpc.Core.RpcException or TimeoutException or IOException;

    protected void Fail(Exception e, string errorId, object? target, string activity) =>
        WriteError(Errors.Record(e, errorId, target, activity));

    protected override void EndProcessing()
    {
        base.EndProcessing();
        Dispose();
    }

    public void Dispose()
    {
        _store?.Dispose();
        _store = null;
        GC.SuppressFinalize(this);
    }
}
