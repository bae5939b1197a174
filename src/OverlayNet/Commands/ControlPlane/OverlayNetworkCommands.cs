using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary>New-OverlayNetwork: /overlaynet/&lt;Name&gt;/config = {Vni, Port, Subnet} (refused when it exists or its VNI is taken).</summary>
[Cmdlet(VerbsCommon.New, "OverlayNetwork", SupportsShouldProcess = true)]
[OutputType(typeof(OverlayNetwork))]
public sealed class NewOverlayNetworkCommand : ControlPlaneCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateRange(1, 0xFFFFFF)]
    public int Vni { get; set; }

    [Parameter(Mandatory = true)]
    public string Subnet { get; set; } = "";

    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 4789;

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"network '{Name}' (VNI {Vni}, {Subnet}, port {Port}) in etcd", "Create")) return;
        try { WriteObject(Client.CreateNetwork(Name, Vni, Subnet, Port)); }
        catch (Exception e) when (IsUserFacing(e)) { Fail(e, "NewOverlayNetworkFailed", Name, $"Cannot create network '{Name}'"); }
    }
}

/// <summary>Get-OverlayNetwork: the networks in the store.</summary>
[Cmdlet(VerbsCommon.Get, "OverlayNetwork")]
[OutputType(typeof(OverlayNetwork))]
public sealed class GetOverlayNetworkCommand : ControlPlaneCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var malformed = new List<string>();
            var pattern = new WildcardPattern(Name ?? "*", WildcardOptions.IgnoreCase);
            foreach (OverlayNetwork n in Client.GetNetworks(null, malformed).Where(n => pattern.IsMatch(n.Name)).OrderBy(n => n.Name))
                WriteObject(n);
            foreach (string m in malformed) WriteWarning($"Skipped a malformed config: {m}");
        }
        catch (Exception e) when (IsUserFacing(e)) { Fail(e, "GetOverlayNetworkFailed", Name, "Cannot read networks"); }
    }
}

/// <summary>Remove-OverlayNetwork: deletes the network's config, hosts and endpoints.</summary>
[Cmdlet(VerbsCommon.Remove, "OverlayNetwork", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveOverlayNetworkCommand : ControlPlaneCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"network '{Name}' with its hosts and endpoints", "Remove")) return;
        try { Client.RemoveNetwork(Name); }
        catch (Exception e) when (IsUserFacing(e)) { Fail(e, "RemoveOverlayNetworkFailed", Name, $"Cannot remove network '{Name}'"); }
    }
}
