using System.Net;
using OverlayNet.Netlink.Events;

namespace OverlayNet.Netlink.Tests.Events;

/// <summary>How a stream tells New from Changed, drops no-op notifications and diffs a resync's dump.</summary>
public class KernelTableTests
{
    private static IpNeighbor Neighbor(string ip, string mac, NeighborState state = NeighborState.Permanent) =>
        new() { IPAddress = IPAddress.Parse(ip), LinkLayerAddress = MacAddress.Parse(mac), InterfaceIndex = 2, State = state };

    [Fact]
    public void New_then_same_then_changed()
    {
        var t = new KernelTable(NetlinkEventType.Neighbor);
        Assert.Equal(NetlinkEventAction.New, t.Put(Neighbor("10.0.0.1", "02:00:00:00:00:01")));
        Assert.Null(t.Put(Neighbor("10.0.0.1", "02:00:00:00:00:01")));
        Assert.Equal(NetlinkEventAction.Changed, t.Put(Neighbor("10.0.0.1", "02:00:00:00:00:02")));
        Assert.Equal(NetlinkEventAction.Changed, t.Put(Neighbor("10.0.0.1", "02:00:00:00:00:02", NeighborState.Failed)));
        Assert.Equal(1, t.Count);
    }

    [Fact]
    public void Delete_of_an_unknown_entry_is_not_reported()
    {
        var t = new KernelTable(NetlinkEventType.Neighbor);
        t.Put(Neighbor("10.0.0.1", "02:00:00:00:00:01"));
        Assert.True(t.Remove(Neighbor("10.0.0.1", "02:00:00:00:00:01")));
        Assert.False(t.Remove(Neighbor("10.0.0.1", "02:00:00:00:00:01")));
        Assert.Equal(0, t.Count);
    }

    [Fact]
    public void Resync_reports_what_differs_from_the_dump()
    {
        var t = new KernelTable(NetlinkEventType.Neighbor);
        t.Load([Neighbor("10.0.0.1", "02:00:00:00:00:01"), Neighbor("10.0.0.2", "02:00:00:00:00:02"), Neighbor("10.0.0.3", "02:00:00:00:00:03")]);
        var changes = t.Resync([Neighbor("10.0.0.1", "02:00:00:00:00:01"), Neighbor("10.0.0.2", "02:00:00:00:00:22"), Neighbor("10.0.0.4", "02:00:00:00:00:04")]);
        var byIp = changes.ToDictionary(c => ((IpNeighbor)c.Obj).IPAddress.ToString(), c => c.Action);
        Assert.Equal(3, changes.Count);
        Assert.Equal(NetlinkEventAction.Changed, byIp["10.0.0.2"]);
        Assert.Equal(NetlinkEventAction.Deleted, byIp["10.0.0.3"]);
        Assert.Equal(NetlinkEventAction.New, byIp["10.0.0.4"]);
        Assert.Equal(3, t.Count);
    }

    [Fact]
    public void Entries_of_a_deleted_interface_are_forgotten()
    {
        var t = new KernelTable(NetlinkEventType.Neighbor);
        t.Put(Neighbor("10.0.0.1", "02:00:00:00:00:01"));
        t.Put(new IpNeighbor { IPAddress = IPAddress.Parse("10.0.0.9"), InterfaceIndex = 5, State = NeighborState.Permanent });
        t.RemoveInterface(2);
        Assert.Equal(1, t.Count);
        Assert.Equal(5, ((IpNeighbor)t.Objects.Single()).InterfaceIndex);
    }

    [Fact]
    public void Groups_follow_the_types()
    {
        Assert.Equal([RtnlGroups.Link, RtnlGroups.Neigh], RtnlGroups.For(NetlinkEventTypes.Fdb | NetlinkEventTypes.Miss));
        Assert.Equal([RtnlGroups.Link, RtnlGroups.Ipv4Ifaddr, RtnlGroups.Ipv6Ifaddr], RtnlGroups.For(NetlinkEventTypes.Address));
        Assert.Equal(8, RtnlGroups.For(NetlinkEventTypes.All).Count());
    }
}
