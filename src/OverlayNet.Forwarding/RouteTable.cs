using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace OverlayNet.Forwarding;

/// <summary>
/// The subnet → peer table, with longest-prefix match. Readers (the forwarding threads) look up in an
/// immutable snapshot without locks or allocation; writers (Set/Remove, from the cmdlets or an agent) build a
/// new snapshot under a lock and publish it with one reference write, so a route change never stalls traffic
/// and a reader sees either the old table or the new one, never half of a change.
/// </summary>
public sealed class RouteTable
{
    private readonly object _writeLock = new();
    private Snapshot _snapshot = Snapshot.Empty;

    /// <summary>Every route, ordered by family, then longest prefix first.</summary>
    public IReadOnlyList<ForwarderRoute> Routes => Volatile.Read(ref _snapshot).All;

    /// <summary>Adds the route or replaces the one for the same subnet (the subnet is normalised: 10.244.1.7/24 → 10.244.1.0/24).</summary>
    public ForwarderRoute Set(IpPrefix subnet, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        subnet = subnet.Network();
        lock (_writeLock)
        {
            var all = new List<ForwarderRoute>(_snapshot.All);
            int i = all.FindIndex(r => r.Subnet.Equals(subnet));
            var route = new ForwarderRoute(subnet, address, i >= 0 ? all[i] : null);
            if (i >= 0) all[i] = route;
            else all.Add(route);
            Volatile.Write(ref _snapshot, new Snapshot(all));
            return route;
        }
    }

    /// <summary>Removes the route for the subnet; false when there was none.</summary>
    public bool Remove(IpPrefix subnet)
    {
        subnet = subnet.Network();
        lock (_writeLock)
        {
            var all = new List<ForwarderRoute>(_snapshot.All);
            if (all.RemoveAll(r => r.Subnet.Equals(subnet)) == 0) return false;
            Volatile.Write(ref _snapshot, new Snapshot(all));
            return true;
        }
    }

    /// <summary>The route for a packet's destination (the bare IP packet), or null.</summary>
    public ForwarderRoute? LookupDestination(ReadOnlySpan<byte> packet) =>
        (packet[0] >> 4) == 4
            ? Volatile.Read(ref _snapshot).LookupV4(BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(16, 4)))
            : Volatile.Read(ref _snapshot).LookupV6(AddressKeys.FromV6(packet.Slice(24, 16)));

    /// <summary>The route for an address (tests and diagnostics; the data path uses the span overloads).</summary>
    public ForwarderRoute? Lookup(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        return address.AddressFamily == AddressFamily.InterNetwork
            ? Volatile.Read(ref _snapshot).LookupV4(BinaryPrimitives.ReadUInt32BigEndian(b))
            : Volatile.Read(ref _snapshot).LookupV6(AddressKeys.FromV6(b[..n]));
    }

    /// <summary>The first route whose peer is the sender <paramref name="peerKey"/>; null when the sender is no peer.</summary>
    internal ForwarderRoute? FindPeer(UInt128 peerKey) =>
        Volatile.Read(ref _snapshot).ByPeer.TryGetValue(peerKey, out ForwarderRoute? r) ? r : null;

    /// <summary>
    /// The route a valid packet from peer <paramref name="peer"/> is counted on: the route of the packet's source
    /// subnet when that peer owns it, else the peer's first route.
    /// </summary>
    internal ForwarderRoute CountedRoute(ForwarderRoute peer, ReadOnlySpan<byte> packet)
    {
        Snapshot s = Volatile.Read(ref _snapshot);
        ForwarderRoute? bySource = (packet[0] >> 4) == 4
            ? s.LookupV4(BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(12, 4)))
            : s.LookupV6(AddressKeys.FromV6(packet.Slice(8, 16)));
        return bySource != null && bySource.AddressKey == peer.AddressKey ? bySource : peer;
    }

    /// <summary>
    /// One immutable version of the table: per family, the prefix lengths in use (longest first) and one
    /// dictionary per length from masked network to route. A lookup tries each length in use (a handful in a
    /// real overlay) with one hash probe each.
    /// </summary>
    private sealed class Snapshot
    {
        public static readonly Snapshot Empty = new([]);

        public readonly ForwarderRoute[] All;
        public readonly Dictionary<UInt128, ForwarderRoute> ByPeer = new();
        private readonly int[] _v4Lengths, _v6Lengths;
        private readonly Dictionary<uint, ForwarderRoute>[] _v4;
        private readonly Dictionary<UInt128, ForwarderRoute>[] _v6;

        public Snapshot(List<ForwarderRoute> routes)
        {
            All = routes.OrderBy(r => r.Subnet.Family).ThenByDescending(r => r.Subnet.Length).ToArray();
            var v4 = All.Where(r => r.Subnet.Family == IpAddressFamily.IPv4).GroupBy(r => r.Subnet.Length).ToArray();
            var v6 = All.Where(r => r.Subnet.Family == IpAddressFamily.IPv6).GroupBy(r => r.Subnet.Length).ToArray();
            _v4Lengths = v4.Select(g => g.Key).ToArray();
            _v4 = v4.Select(g => g.ToDictionary(r => V4Key(r.Subnet), r => r)).ToArray();
            _v6Lengths = v6.Select(g => g.Key).ToArray();
            _v6 = v6.Select(g => g.ToDictionary(r => V6Key(r.Subnet), r => r)).ToArray();
            foreach (ForwarderRoute r in All) ByPeer.TryAdd(r.AddressKey, r);
        }

        public ForwarderRoute? LookupV4(uint address)
        {
            for (int i = 0; i < _v4Lengths.Length; i++)
                if (_v4[i].TryGetValue(address & MaskV4(_v4Lengths[i]), out ForwarderRoute? r)) return r;
            return null;
        }

        public ForwarderRoute? LookupV6(UInt128 address)
        {
            for (int i = 0; i < _v6Lengths.Length; i++)
                if (_v6[i].TryGetValue(address & MaskV6(_v6Lengths[i]), out ForwarderRoute? r)) return r;
            return null;
        }

        private static uint MaskV4(int length) => length == 0 ? 0 : uint.MaxValue << (32 - length);
        private static UInt128 MaskV6(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);

        private static uint V4Key(IpPrefix p)
        {
            Span<byte> b = stackalloc byte[4];
            p.Address.TryWriteBytes(b, out _);
            return BinaryPrimitives.ReadUInt32BigEndian(b) & MaskV4(p.Length);
        }

        private static UInt128 V6Key(IpPrefix p)
        {
            Span<byte> b = stackalloc byte[16];
            p.Address.TryWriteBytes(b, out _);
            return AddressKeys.FromV6(b) & MaskV6(p.Length);
        }
    }
}
