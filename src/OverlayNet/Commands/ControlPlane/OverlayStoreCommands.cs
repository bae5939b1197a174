using System.Management.Automation;
using OverlayNet.Agent.Store;

namespace OverlayNet.Commands;

/// <summary>Start-OverlayStore: local etcd members (1 or 3) on free loopback ports, for a lab or a test.</summary>
[Cmdlet(VerbsLifecycle.Start, "OverlayStore", SupportsShouldProcess = true)]
[OutputType(typeof(OverlayStore))]
public sealed class StartOverlayStoreCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "lab";

    [Parameter]
    [ValidateSet("1", "3")]
    public int Members { get; set; } = 1;

    /// <summary>Where the members keep their data; a fresh folder on tmpfs (/dev/shm) by default.</summary>
    [Parameter]
    public string? DataPath { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"{Members} etcd member(s) on loopback", $"Start store '{Name}'")) return;
        try
        {
            string? path = DataPath == null ? null : GetUnresolvedProviderPathFromPSPath(DataPath);
            WriteObject(LocalEtcd.Start(Name, Members, path));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or TimeoutException or FileNotFoundException or IOException)
        {
            ThrowTerminatingError(Errors.Record(e, "StartOverlayStoreFailed", Name, $"Cannot start store '{Name}'"));
        }
    }
}

/// <summary>Get-OverlayStore: the stores started in this session.</summary>
[Cmdlet(VerbsCommon.Get, "OverlayStore")]
[OutputType(typeof(OverlayStore))]
public sealed class GetOverlayStoreCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        var pattern = new WildcardPattern(Name ?? "*", WildcardOptions.IgnoreCase);
        foreach (OverlayStore s in LocalEtcd.List())
            if (pattern.IsMatch(s.Name)) WriteObject(s);
    }
}

/// <summary>Stop-OverlayStore: ends exactly the store's processes (SIGTERM, then SIGKILL) and removes its tmpfs data.</summary>
[Cmdlet(VerbsLifecycle.Stop, "OverlayStore", SupportsShouldProcess = true)]
[OutputType(typeof(OverlayStore))]
public sealed class StopOverlayStoreCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        OverlayStore? s = LocalEtcd.Find(Name);
        if (s == null)
        {
            WriteError(Errors.Record(new ArgumentException($"No store named '{Name}' was started in this session (Get-OverlayStore lists them)."),
                "OverlayStoreNotFound", Name, $"Cannot stop store '{Name}'"));
            return;
        }
        if (!ShouldProcess($"store '{Name}' (pids {string.Join(", ", s.ProcessIds)})", "Stop")) return;
        OverlayStore stopped = LocalEtcd.Stop(Name);
        if (PassThru) WriteObject(stopped);
    }
}
