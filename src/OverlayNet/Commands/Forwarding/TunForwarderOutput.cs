using System.Net;
using OverlayNet.Forwarding;
using Engine = OverlayNet.Forwarding.TunForwarder;

namespace OverlayNet
{
    /// <summary>A running (or just stopped) TUN ↔ UDP forwarder of this session, as Get-TunForwarder shows it.</summary>
    public sealed class TunForwarder
    {
        internal TunForwarder(Engine engine, string? netNamespace)
        {
            TunName = engine.Options.TunName;
            NetNamespace = netNamespace;
            LocalAddress = engine.Options.LocalAddress;
            Port = engine.Options.Port;
            Mtu = engine.Options.Mtu;
            Queues = engine.QueueCount;
            Offload = engine.Offload;
            State = engine.State;
            Peers = engine.Routes.Routes.Select(r => new TunForwarderPeer(r)).ToArray();
            Drops = new TunForwarderDrops(engine.Drops);
        }

        public string TunName { get; }
        public string? NetNamespace { get; }
        public IPAddress LocalAddress { get; }
        public int Port { get; }
        public int Mtu { get; }
        public int Queues { get; }
        /// <summary>True when the TUN device runs with offloads (TCP super-packets segmented here, UDP GSO/GRO).</summary>
        public bool Offload { get; }
        public TunForwarderState State { get; }
        public TunForwarderPeer[] Peers { get; }
        public TunForwarderDrops Drops { get; }
    }

    /// <summary>One route of a forwarder (subnet → peer host) with that peer's counters at the time of reading.</summary>
    public sealed class TunForwarderPeer
    {
        internal TunForwarderPeer(ForwarderRoute route)
        {
            Subnet = route.Subnet.ToString();
            Address = route.Address;
            PacketsSent = route.PacketsSent;
            PacketsReceived = route.PacketsReceived;
            BytesSent = route.BytesSent;
            BytesReceived = route.BytesReceived;
        }

        public string Subnet { get; }
        public IPAddress Address { get; }
        public long PacketsSent { get; }
        public long PacketsReceived { get; }
        public long BytesSent { get; }
        public long BytesReceived { get; }
    }

    /// <summary>A forwarder's dropped packets by reason, at the time of reading.</summary>
    public sealed class TunForwarderDrops
    {
        internal TunForwarderDrops(DropCounters d)
        {
            NoRoute = d.NoRoute;
            Oversize = d.Oversize;
            Malformed = d.Malformed;
            UnknownPeer = d.UnknownPeer;
            SendError = d.SendError;
        }

        public long NoRoute { get; }
        public long Oversize { get; }
        public long Malformed { get; }
        public long UnknownPeer { get; }
        public long SendError { get; }

        public override string ToString() =>
            $"NoRoute={NoRoute} Oversize={Oversize} Malformed={Malformed} UnknownPeer={UnknownPeer} SendError={SendError}";
    }
}
