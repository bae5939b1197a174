using System.Collections.Concurrent;
using System.Management.Automation;
using System.Net;
using OverlayNet.Agent.Agent;

namespace OverlayNet.Commands;

/// <summary>
/// Start-OverlayAgent: keeps one host's VXLAN FDB, neighbour (and, for flannel, route) tables in sync with
/// the store until Ctrl+C, Stop-OverlayAgent or (with -AsJob) Stop-Job. Bad input (store unreachable, no
/// config, device absent or unlike the network) is refused before the kernel is touched.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "OverlayAgent", SupportsShouldProcess = true)]
[OutputType(typeof(AgentEvent))]
[OutputType(typeof(Job))]
public sealed class StartOverlayAgentCommand : PSCmdlet
{
    private CancellationTokenSource? _cts;

    [Parameter(Mandatory = true)]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public string NetNamespace { get; set; } = "";

    /// <summary>This host's underlay (VTEP) address.</summary>
    [Parameter(Mandatory = true)]
    public IPAddress LocalAddress { get; set; } = IPAddress.None;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] EtcdEndpoint { get; set; } = [];

    [Parameter]
    public string? HostName { get; set; }

    [Parameter]
    public string? NetworkName { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? VxlanInterface { get; set; }

    [Parameter]
    public AgentSchemaKind Schema { get; set; } = AgentSchemaKind.OverlayNet;

    [Parameter]
    public string EtcdPrefix { get; set; } = "/coreos.com/network";

    [Parameter]
    [ValidateRange(2, 86400)]
    public int LeaseTtl { get; set; } = 10;

    [Parameter]
    public SwitchParameter AsJob { get; set; }

    protected override void ProcessRecord()
    {
        string host = string.IsNullOrEmpty(HostName) ? NetNamespace : HostName!;
        string? misfit = Schema switch
        {
            AgentSchemaKind.OverlayNet when string.IsNullOrEmpty(NetworkName) || string.IsNullOrEmpty(VxlanInterface) =>
                "The OverlayNet schema needs -NetworkName and -VxlanInterface (the network and its VXLAN device).",
            AgentSchemaKind.OverlayNet when MyInvocation.BoundParameters.ContainsKey(nameof(EtcdPrefix)) => "-EtcdPrefix goes with -Schema Flannel.",
            AgentSchemaKind.Flannel when NetworkName != null || VxlanInterface != null =>
                "-Schema Flannel reads its network from flannel's config and creates flannel.<VNI> itself: drop -NetworkName and -VxlanInterface.",
            _ => null,
        };
        if (misfit != null)
            ThrowTerminatingError(Errors.Record(new ArgumentException(misfit), "OverlayAgentBadParameters", host, "Cannot start the agent"));
        if (!ShouldProcess($"namespace {NetNamespace} (host '{host}')", "Start an overlay agent")) return;

        var queue = new BlockingCollection<object>();
        OverlayAgent agent;
        AgentRegistry.Handle handle;
        var options = new AgentOptions
        {
            HostName = host, NetNamespace = NetNamespace, LocalAddress = LocalAddress, EtcdEndpoints = EtcdEndpoint,
            Schema = Schema, NetworkName = NetworkName, VxlanInterface = VxlanInterface, EtcdPrefix = EtcdPrefix, LeaseTtl = LeaseTtl,
        };
        AgentJob? job = null;
        try
        {
            // In a job, events go straight to the job's streams; in the foreground, through a queue to this thread.
            agent = new OverlayAgent(options,
                ev => { if (job != null) job.AddEvent(ev); else queue.Add(ev); },
                w => { if (job != null) job.Warning.Add(new WarningRecord(w)); else queue.Add(new WarningRecord(w)); });
            handle = new AgentRegistry.Handle(agent, _cts = new CancellationTokenSource());
            if (!AgentRegistry.TryAdd(handle))
            {
                agent.Dispose();
                throw new InvalidOperationException($"An agent for host '{host}' and {(Schema == AgentSchemaKind.Flannel ? EtcdPrefix : $"network '{NetworkName}'")} already runs in this session (Stop-OverlayAgent -HostName {host}).");
            }
            if (AsJob) job = new AgentJob(MyInvocation.Line, handle) { };
            // The first resync of a large network (thousands of endpoints) takes a moment: say what is going on.
            var progress = new ProgressRecord(1, $"Start-OverlayAgent {host}", "Taking a lease, listing the store, writing the difference with the kernel");
            WriteProgress(progress);
            try
            {
                agent.Start();
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
            catch
            {
                AgentRegistry.Remove(handle);
                agent.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Agent.Store.StoreUnavailableException
            or Netlink.Interop.ErrnoException or Grpc.Core.RpcException or IOException)
        {
            ThrowTerminatingError(Errors.Record(e, "OverlayAgentStartFailed", host, $"Cannot start the agent for host '{host}'"));
            return;
        }

        handle.Loop = Task.Run(() => agent.RunAsync(handle.Cancel.Token));
        if (job != null)
        {
            // Events of the start (lease, first resync) went to the queue before the job existed as a sink.
            foreach (object o in queue) { if (o is AgentEvent ev) job.AddEvent(ev); }
            handle.Job = job;
            job.Run(handle.Loop);
            JobRepository.Add(job);
            WriteObject(job);
            return;
        }
        handle.Loop.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
        try
        {
            foreach (object o in queue.GetConsumingEnumerable())
            {
                if (o is AgentEvent ev) WriteObject(ev);
                else if (o is WarningRecord w) WriteWarning(w.Message);
            }
            if (handle.Loop.IsFaulted)
                ThrowTerminatingError(new ErrorRecord(handle.Loop.Exception!.GetBaseException(), "OverlayAgentFailed", ErrorCategory.NotSpecified, host));
        }
        finally
        {
            AgentRegistry.Stop(handle);
            agent.Dispose();
        }
    }

    /// <summary>Ctrl+C: the loop ends, the queue completes, ProcessRecord returns.</summary>
    protected override void StopProcessing() => _cts?.Cancel();
}

/// <summary>Get-OverlayAgent: the agents running in this session.</summary>
[Cmdlet(VerbsCommon.Get, "OverlayAgent")]
[OutputType(typeof(OverlayAgentInfo))]
public sealed class GetOverlayAgentCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    public string? HostName { get; set; }

    protected override void ProcessRecord()
    {
        var pattern = new WildcardPattern(HostName ?? "*", WildcardOptions.IgnoreCase);
        foreach (var h in AgentRegistry.List())
            if (pattern.IsMatch(h.Agent.Options.HostName)) WriteObject(h.Describe());
    }
}

/// <summary>
/// Stop-OverlayAgent: ends agents (all, or those named). An OverlayNet-schema agent revokes its host's lease,
/// so the host's keys, and its entries on every other host, go at once; -KeepLease leaves the lease to expire
/// instead, for a restart within its TTL that keeps the host's endpoints. A flannel agent keeps its subnet
/// lease (as flanneld does) either way.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "OverlayAgent", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopOverlayAgentCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[]? HostName { get; set; }

    /// <summary>Only the host's agent for this network (or, flannel, this subnet); a host may run one per network.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Network")]
    public string? NetworkName { get; set; }

    /// <summary>Leave the host's lease to expire (its keys stay for one TTL) rather than revoking it.</summary>
    [Parameter]
    public SwitchParameter KeepLease { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string name in HostName ?? ["*"])
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matched = AgentRegistry.List().Where(h => pattern.IsMatch(h.Agent.Options.HostName)
                && (string.IsNullOrEmpty(NetworkName) || NetworkName == (h.Agent.Options.Schema == AgentSchemaKind.Flannel ? h.Agent.Subnet : h.Agent.Options.NetworkName))).ToList();
            if (matched.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(Errors.Record(new ArgumentException($"No agent for host '{name}' runs in this session (Get-OverlayAgent lists them)."),
                    "OverlayAgentNotFound", name, $"Cannot stop the agent of '{name}'"));
                continue;
            }
            foreach (var h in matched)
            {
                if (!ShouldProcess($"agent of host '{h.Agent.Options.HostName}'", KeepLease || !h.Agent.RevokeOnStop ? "Stop" : "Stop and revoke its lease")) continue;
                if (KeepLease) h.Agent.RevokeOnStop = false;
                AgentRegistry.Stop(h);
            }
        }
    }
}
