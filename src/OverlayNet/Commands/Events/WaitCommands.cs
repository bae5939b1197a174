using System.Management.Automation;
using System.Net;
using OverlayNet.Netlink.Events;

namespace OverlayNet
{
    /// <summary>What Wait-IpLink -State waits for.</summary>
    public enum LinkWaitState
    {
        /// <summary>Administratively up (IFF_UP, <c>ip link set up</c>).</summary>
        Up,
        /// <summary>Administratively down.</summary>
        Down,
        /// <summary>Up with carrier (IFF_LOWER_UP): a veth whose peer is up too, a bridge with a port up.</summary>
        LowerUp,
    }
}

namespace OverlayNet.Commands
{
    /// <summary>Waits until a link exists and is up, down or has carrier (<c>ip monitor link</c> until it says so).</summary>
    [Cmdlet(VerbsLifecycle.Wait, "IpLink")]
    [OutputType(typeof(Link))]
    public sealed class WaitIpLinkCommand : WaitCommandBase
    {
        /// <summary>The link's name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("InterfaceName", "Device", "Dev", "InterfaceAlias", "ifAlias")]
        [ArgumentCompleter(typeof(InterfaceNameCompleter))]
        public string Name { get; set; } = "";

        /// <summary>The awaited state; Up when omitted.</summary>
        [Parameter(Position = 1)]
        public LinkWaitState State { get; set; } = LinkWaitState.Up;

        protected override NetlinkEventType Table => NetlinkEventType.Link;
        protected override string What => $"link '{Name}' to be {State}";
        protected override object Target => Name;
        protected override void Validate() => InterfaceNames.Validate(Name);
        protected override bool IsCandidate(object obj) => obj is Link l && l.Name == Name;

        protected override bool IsSatisfied(object obj)
        {
            var l = (Link)obj;
            return State switch
            {
                LinkWaitState.Up => l.AdminState == AdminState.Up,
                LinkWaitState.Down => l.AdminState == AdminState.Down,
                _ => l.AdminState == AdminState.Up && l.LowerUp,
            };
        }
    }

    /// <summary>
    /// Waits until an address is on an interface and usable: for IPv6, once duplicate address detection is
    /// over (the address is no longer tentative).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "IpAddress")]
    [OutputType(typeof(IpAddress))]
    public sealed class WaitIpAddressCommand : WaitCommandBase
    {
        /// <summary>The address.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Address", "IP")]
        public IPAddress IPAddress { get; set; } = IPAddress.None;

        /// <summary>Only on this interface; any interface when omitted.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("Device", "Dev", "InterfaceAlias", "ifAlias")]
        [ArgumentCompleter(typeof(InterfaceNameCompleter))]
        public string? InterfaceName { get; set; }

        protected override NetlinkEventType Table => NetlinkEventType.Address;
        protected override string What => $"address {IPAddress}{(string.IsNullOrEmpty(InterfaceName) ? "" : $" on {InterfaceName}")} to be usable";
        protected override object Target => IPAddress;

        protected override void Validate()
        {
            if (IPAddress.AddressFamily is not (System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6))
                throw new ArgumentException($"'{IPAddress}' is not an IPv4 or IPv6 address.");
            if (!string.IsNullOrEmpty(InterfaceName)) InterfaceNames.Validate(InterfaceName);
        }

        protected override bool IsCandidate(object obj) =>
            obj is IpAddress a && a.IPAddress.Equals(IPAddress) && (string.IsNullOrEmpty(InterfaceName) || a.InterfaceName == InterfaceName);

        protected override bool IsSatisfied(object obj) =>
            (((IpAddress)obj).Flags & (AddressFlagBits.Tentative | AddressFlagBits.DadFailed)) == 0;

        protected override string? HopelessReason(object obj) =>
            (((IpAddress)obj).Flags & AddressFlagBits.DadFailed) != 0 ? "duplicate address detection failed" : null;
    }

    /// <summary>Waits until a neighbour entry for an address is in one of the given states.</summary>
    [Cmdlet(VerbsLifecycle.Wait, "IpNeighbor")]
    [OutputType(typeof(IpNeighbor))]
    public sealed class WaitIpNeighborCommand : WaitCommandBase
    {
        /// <summary>The neighbour's address.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Address", "IP")]
        public IPAddress IPAddress { get; set; } = IPAddress.None;

        /// <summary>Any of these states; Reachable, Permanent or NoArp (usable without probing) when omitted.</summary>
        [Parameter(Position = 1)]
        public NeighborState[] State { get; set; } = [NeighborState.Reachable, NeighborState.Permanent, NeighborState.NoArp];

        /// <summary>Only on this interface; any interface when omitted.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Device", "Dev", "InterfaceAlias", "ifAlias")]
        [ArgumentCompleter(typeof(InterfaceNameCompleter))]
        public string? InterfaceName { get; set; }

        private NeighborState Mask => State.Aggregate(NeighborState.None, (m, s) => m | s);

        protected override NetlinkEventType Table => NetlinkEventType.Neighbor;
        protected override string What =>
            $"neighbour {IPAddress}{(string.IsNullOrEmpty(InterfaceName) ? "" : $" on {InterfaceName}")} to be {string.Join(" or ", State)}";
        protected override object Target => IPAddress;

        protected override void Validate()
        {
            if (IPAddress.AddressFamily is not (System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6))
                throw new ArgumentException($"'{IPAddress}' is not an IPv4 or IPv6 address.");
            if (State.Length == 0) throw new ArgumentException("Name at least one state to wait for.");
            if (!string.IsNullOrEmpty(InterfaceName)) InterfaceNames.Validate(InterfaceName);
        }

        protected override bool IsCandidate(object obj) =>
            obj is IpNeighbor n && !n.Proxy && n.IPAddress.Equals(IPAddress)
            && (string.IsNullOrEmpty(InterfaceName) || n.InterfaceName == InterfaceName);

        protected override bool IsSatisfied(object obj)
        {
            NeighborState s = ((IpNeighbor)obj).State;
            NeighborState mask = Mask;
            return (s & mask) != 0 || (s == NeighborState.None && mask == NeighborState.None);
        }
    }
}
