using OverlayNet.Netlink.Route;

namespace OverlayNet.Agent.Agent;

/// <summary>What differs between the OverlayNet and the flannel schema, seen from the agent's loop.</summary>
public interface IAgentSchema
{
    /// <summary>The prefix the agent lists and watches.</summary>
    string WatchPrefix { get; }

    /// <summary>Checks (or, for flannel, creates) the VXLAN device; returns its index. Throws before anything changes.</summary>
    int PrepareDevice(RtnlClient rtnl);

    /// <summary>Puts this host's keys on <paramref name="lease"/>, moving any it held on an older lease (revoked after).</summary>
    void Register(long lease, Action<AgentEvent> emit);

    /// <summary>The remote entries the store asks for; a malformed value is reported by key and skipped.</summary>
    VtepTables Desired(IReadOnlyDictionary<string, string> keys, Action<string, string> malformed);
}
