using System.Net;

namespace OverlayNet.Agent.Agent;

/// <summary>
/// What one VXLAN device holds for its remote peers, keyed as the kernel keys it: FDB entries by MAC (→ remote
/// VTEP address), neighbours by IP (→ MAC), routes by prefix (→ on-link gateway; the flannel schema only).
/// Used for both sides of the reconcile: built from the store (desired) and dumped from the kernel (actual).
/// </summary>
public sealed class VtepTables(int capacity = 0)
{
    // Sized up front when the size is known (the last desired table): rebuilt once per watch response, tables
    // grown from empty were a good part of what an agent allocates.
    public Dictionary<MacAddress, IPAddress> Fdb { get; } = new(capacity);
    public Dictionary<IPAddress, MacAddress> Neighbors { get; } = new(capacity);
    public Dictionary<IpPrefix, IPAddress> Routes { get; } = [];

    public int Count => Fdb.Count + Neighbors.Count + Routes.Count;
}
