using System.Management.Automation;
using System.Net;

namespace OverlayNet.Commands;

/// <summary>
/// Add-OverlayEndpoint: endpoints from the pipeline, written in transactions of up to 64 (128 operations),
/// each on its host's lease. A duplicate IP or MAC is refused and its holder named; the rest are written.
/// </summary>
[Cmdlet(VerbsCommon.Add, "OverlayEndpoint", SupportsShouldProcess = true)]
[OutputType(typeof(OverlayEndpoint))]
public sealed class AddOverlayEndpointCommand : ControlPlaneCmdlet
{
    private readonly List<OverlayEndpoint> _pending = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string NetworkName { get; set; } = "";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IP", "Address")]
    public IPAddress IPAddress { get; set; } = IPAddress.None;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Mac", "lladdr")]
    public MacAddress MacAddress { get; set; }

    /// <summary>The host the endpoint lives on: its agent's lease carries the endpoint.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Host")]
    public string HostName { get; set; } = "";

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"endpoint {IPAddress} ({MacAddress}) on host '{HostName}' in network '{NetworkName}'", "Add")) return;
        _pending.Add(new OverlayEndpoint { NetworkName = NetworkName, IPAddress = IPAddress, MacAddress = MacAddress, HostName = HostName });
    }

    protected override void EndProcessing()
    {
        try
        {
            if (_pending.Count == 0) return;
            var progress = new ProgressRecord(1, "Add-OverlayEndpoint", $"Writing {_pending.Count} endpoints");
            bool showProgress = _pending.Count > 500;
            Exception?[] results;
            try
            {
                results = Client.AddEndpoints(_pending, done =>
                {
                    if (!showProgress) return;
                    progress.PercentComplete = done * 100 / _pending.Count;
                    WriteProgress(progress);
                });
            }
            catch (Exception e) when (IsUserFacing(e))
            {
                Fail(e, "AddOverlayEndpointFailed", _pending[0], $"Cannot add {_pending.Count} endpoint(s)");
                return;
            }
            for (int i = 0; i < _pending.Count; i++)
            {
                OverlayEndpoint ep = _pending[i];
                if (results[i] is Exception e) Fail(e, "AddOverlayEndpointFailed", ep, $"Cannot add endpoint {ep.IPAddress} to network '{ep.NetworkName}'");
                else WriteObject(ep);
            }
            if (showProgress) { progress.RecordType = ProgressRecordType.Completed; WriteProgress(progress); }
        }
        finally
        {
            base.EndProcessing();
        }
    }
}

/// <summary>Get-OverlayEndpoint: the endpoints of one network (or of all).</summary>
[Cmdlet(VerbsCommon.Get, "OverlayEndpoint")]
[OutputType(typeof(OverlayEndpoint))]
public sealed class GetOverlayEndpointCommand : ControlPlaneCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? NetworkName { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var malformed = new List<string>();
            foreach (OverlayEndpoint e in Client.GetEndpoints(string.IsNullOrEmpty(NetworkName) ? null : NetworkName, malformed)) WriteObject(e);
            foreach (string m in malformed) WriteWarning($"Skipped a malformed endpoint: {m}");
        }
        catch (Exception e) when (IsUserFacing(e)) { Fail(e, "GetOverlayEndpointFailed", NetworkName, "Cannot read endpoints"); }
    }
}

/// <summary>Remove-OverlayEndpoint: endpoints from the pipeline, deleted in transactions.</summary>
[Cmdlet(VerbsCommon.Remove, "OverlayEndpoint", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveOverlayEndpointCommand : ControlPlaneCmdlet
{
    private readonly List<(string Network, IPAddress Ip)> _pending = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string NetworkName { get; set; } = "";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IP", "Address")]
    public IPAddress IPAddress { get; set; } = IPAddress.None;

    protected override void ProcessRecord()
    {
        if (ShouldProcess($"endpoint {IPAddress} in network '{NetworkName}'", "Remove")) _pending.Add((NetworkName, IPAddress));
    }

    protected override void EndProcessing()
    {
        try
        {
            foreach (var group in _pending.GroupBy(p => p.Network))
            {
                List<IPAddress> ips = group.Select(p => p.Ip).ToList();
                Exception?[] results;
                try { results = Client.RemoveEndpoints(group.Key, ips); }
                catch (Exception e) when (IsUserFacing(e)) { Fail(e, "RemoveOverlayEndpointFailed", group.Key, $"Cannot remove endpoints of network '{group.Key}'"); continue; }
                for (int i = 0; i < ips.Count; i++)
                    if (results[i] is Exception e) Fail(e, "RemoveOverlayEndpointFailed", ips[i], $"Cannot remove endpoint {ips[i]} from network '{group.Key}'");
            }
        }
        finally
        {
            base.EndProcessing();
        }
    }
}
