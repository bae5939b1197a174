namespace OverlayNet
{
    /// <summary>Local etcd members started for a lab or a test (Start-OverlayStore).</summary>
    public sealed class OverlayStore
    {
        public string Name { get; init; } = "";
        /// <summary>Client URLs, one per member, as -EtcdEndpoint takes them.</summary>
        public string[] Endpoints { get; init; } = [];
        public int[] ProcessIds { get; init; } = [];
        /// <summary>The folder holding one data directory (and log file) per member.</summary>
        public string DataPath { get; init; } = "";
        /// <summary>Peer URLs, one per member (members talk to each other there).</summary>
        public string[] PeerUrls { get; init; } = [];

        public override string ToString() => $"{Name} ({string.Join(",", Endpoints)})";
    }
}
