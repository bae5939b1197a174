using System.Net;

namespace OverlayNet.Agent.Agent;

public enum AgentSchemaKind { OverlayNet, Flannel }

/// <summary>Everything Start-OverlayAgent passes to an agent.</summary>
public sealed class AgentOptions
{
    public required string HostName { get; init; }
    /// <summary>The namespace the agent programs (a name under /run/netns), or null for the caller's.</summary>
    public string? NetNamespace { get; init; }
    public required IPAddress LocalAddress { get; init; }
    public required string[] EtcdEndpoints { get; init; }
    public AgentSchemaKind Schema { get; init; } = AgentSchemaKind.OverlayNet;
    /// <summary>OverlayNet schema: the network to follow and its VXLAN device.</summary>
    public string? NetworkName { get; init; }
    public string? VxlanInterface { get; init; }
    /// <summary>Flannel schema: where flannel keeps its config and subnets.</summary>
    public string EtcdPrefix { get; init; } = "/coreos.com/network";
    /// <summary>Lifetime of the host's lease: a host that dies takes its entries with it after this long.</summary>
    public int LeaseTtl { get; init; } = 10;
    /// <summary>How often the kernel tables are dumped and compared even without store changes (drift repair).</summary>
    public TimeSpan DriftInterval { get; init; } = TimeSpan.FromSeconds(1);
}
