namespace OverlayNet
{
    /// <summary>An overlay network in the store: /overlaynet/&lt;Name&gt;/config.</summary>
    public sealed class OverlayNetwork
    {
        public string Name { get; init; } = "";
        public int Vni { get; init; }
        public int Port { get; init; } = 4789;
        public string Subnet { get; init; } = "";
        public override string ToString() => Name;
    }

    /// <summary>An endpoint (a container's interface) in the store: /overlaynet/&lt;NetworkName&gt;/endpoints/&lt;IPAddress&gt;.</summary>
    public sealed class OverlayEndpoint
    {
        public string NetworkName { get; init; } = "";
        public System.Net.IPAddress IPAddress { get; init; } = System.Net.IPAddress.None;
        public MacAddress MacAddress { get; init; }
        public string HostName { get; init; } = "";
        public override string ToString() => $"{IPAddress} ({NetworkName})";
    }

    /// <summary>What an agent did or saw, one object per event (Start-OverlayAgent's output).</summary>
    public sealed class AgentEvent
    {
        public DateTime Time { get; init; } = DateTime.Now;
        public string HostName { get; init; } = "";
        public AgentAction Action { get; init; }
        private string? _detail;
        private object? _detailSource;
        public string Detail { get => _detail ??= _detailSource?.ToString() ?? ""; init => _detail = value; }
        /// <summary>
        /// What <see cref="Detail"/> says, made into text only when someone reads it: an agent reports every
        /// entry it writes, thousands a round, which a job nobody reads would otherwise format in vain.
        /// </summary>
        internal object? DetailSource { init => _detailSource = value; }
        /// <summary>Lease events of the flannel schema: the subnet this host holds.</summary>
        public string? Subnet { get; init; }
        public override string ToString() => $"{HostName} {Action} {Detail}";
    }

    public enum AgentAction { Applied, Removed, Resync, StoreUnavailable, Lease }
}
