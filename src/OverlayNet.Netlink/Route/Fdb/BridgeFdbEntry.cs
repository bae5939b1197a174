using System.Net;

namespace OverlayNet
{
    /// <summary>
    /// How an FDB entry lives: <c>permanent</c> (NUD_PERMANENT, iproute2's default), <c>static</c>
    /// (NUD_NOARP, never ages) or <c>dynamic</c> (learned or added to age out).
    /// </summary>
    public enum FdbState { Permanent, Static, Dynamic, Stale }

    /// <summary>One forwarding database entry of a bridge or VXLAN device (<c>bridge fdb</c>); one per destination.</summary>
    public class BridgeFdbEntry
    {
        public MacAddress MacAddress { get; set; }
        public string InterfaceName { get; set; } = "";
        public int InterfaceIndex { get; set; }
        /// <summary>The remote VTEP (VXLAN entries); null for plain bridge entries.</summary>
        public IPAddress? Destination { get; set; }
        /// <summary>VNI to use towards this destination, when it differs from the device's own.</summary>
        public int? Vni { get; set; }
        /// <summary>UDP port towards this destination, when it differs from the device's own.</summary>
        public int? Port { get; set; }
        /// <summary>Underlay device to reach the destination through (<c>via</c>).</summary>
        public string? Via { get; set; }
        public int ViaIndex { get; set; }
        public int? Vlan { get; set; }
        /// <summary>The entry is in the master bridge's table (<c>master</c>).</summary>
        public bool Master { get; set; }
        /// <summary>The entry is in the device's own table (<c>self</c>).</summary>
        public bool Self { get; set; }
        public FdbState State { get; set; }
        /// <summary>Name of the bridge whose table holds a master entry.</summary>
        public string? Bridge { get; set; }
        public int BridgeIndex { get; set; }
        public string? NetNamespace { get; set; }

        public override string ToString() =>
            $"{MacAddress} dev {InterfaceName}{(Destination != null ? $" dst {Destination}" : "")}";
    }
}

namespace OverlayNet.Netlink.Route
{
    /// <summary>What <c>bridge fdb add|append|replace|del MAC dev DEV [dst A] [vni N] [port P] [via DEV] [vlan V] [self] [master] [permanent|static|dynamic]</c> says.</summary>
    public sealed class FdbEntrySpec
    {
        public MacAddress MacAddress { get; set; }
        public int InterfaceIndex { get; set; }
        /// <summary>The device by name; <see cref="RtnlBatch{TTag}"/> resolves it to <see cref="InterfaceIndex"/>.</summary>
        public string? InterfaceName { get; set; }
        public IPAddress? Destination { get; set; }
        public int? Vni { get; set; }
        public int? Port { get; set; }
        public int? ViaIndex { get; set; }
        /// <summary>The underlay device by name; <see cref="RtnlBatch{TTag}"/> resolves it to <see cref="ViaIndex"/>.</summary>
        public string? Via { get; set; }
        public int? Vlan { get; set; }
        public bool Self { get; set; }
        public bool Master { get; set; }
        /// <summary>Null: iproute2's default, permanent.</summary>
        public FdbState? State { get; set; }

        public void Validate()
        {
            if (InterfaceIndex <= 0) throw new ArgumentException("An FDB entry needs a device.");
            ValidateValues();
        }

        /// <summary>Every check that needs no interface lookup (a batch runs these before it resolves names).</summary>
        public void ValidateValues()
        {
            if (Vni is int vni && (vni < 0 || vni > VxlanLinkSpec.MaxVni))
                throw new ArgumentException($"VNI {vni} is out of range; a VXLAN network identifier is 0..{VxlanLinkSpec.MaxVni} (24 bits).");
            if (Port is int port && (port < 0 || port > 65535)) throw new ArgumentException($"Port {port} is out of range (0..65535).");
            if (Vlan is int vlan && (vlan < 0 || vlan > 4094)) throw new ArgumentException($"VLAN {vlan} is out of range (0..4094).");
            if (Destination != null && Destination.AddressFamily is not (System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6))
                throw new ArgumentException($"Destination '{Destination}' is not an IPv4 or IPv6 address.");
            if (State == FdbState.Stale) throw new ArgumentException("State Stale cannot be set; use Permanent, Static or Dynamic.");
        }

        /// <summary>
        /// The entry a successful request leaves in the kernel, without reading it back (what Add- outputs):
        /// iproute2's defaults filled in (self unless master, permanent).
        /// </summary>
        public BridgeFdbEntry ToEntry(string? netNamespace) => new()
        {
            MacAddress = MacAddress,
            InterfaceName = InterfaceName ?? $"#{InterfaceIndex}",
            InterfaceIndex = InterfaceIndex,
            Destination = Destination,
            Vni = Vni,
            Port = Port is 0 ? null : Port,
            Via = Via,
            ViaIndex = ViaIndex ?? 0,
            Vlan = Vlan,
            Self = Self || !Master,
            Master = Master,
            State = State ?? FdbState.Permanent,
            NetNamespace = netNamespace,
        };

        public override string ToString() =>
            $"{MacAddress} dev {InterfaceName ?? $"#{InterfaceIndex}"}{(Destination != null ? $" dst {Destination}" : "")}";

        /// <summary>ndm_state exactly as bridge/fdb.c computes it.</summary>
        internal ushort NdmState => State switch
        {
            FdbState.Static => Nud.NOARP | Nud.REACHABLE,
            FdbState.Dynamic => Nud.REACHABLE,
            _ => Nud.NOARP | Nud.PERMANENT,
        };

        /// <summary>ndm_flags: with neither self nor master, iproute2 assumes self.</summary>
        internal byte NdmFlags => (byte)((Self || !Master ? Ntf.SELF : 0) | (Master ? Ntf.MASTER : 0));
    }

    public enum FdbOperation { Add, Append, Replace, Delete }
}
