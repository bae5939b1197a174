using System.Net;
using OverlayNet.Forwarding;

namespace OverlayNet.Netlink.Tests.Forwarding;

public class RouteTableTests
{
    private static readonly IPAddress HostA = IPAddress.Parse("192.168.8.101"), HostB = IPAddress.Parse("192.168.8.102");

    private static byte[] Ipv4Packet(string source, string destination)
    {
        var p = new byte[20];
        p[0] = 0x45;
        p[3] = 20;
        IPAddress.Parse(source).TryWriteBytes(p.AsSpan(12), out _);
        IPAddress.Parse(destination).TryWriteBytes(p.AsSpan(16), out _);
        return p;
    }

    [Fact]
    public void LongestPrefixWins()
    {
        var table = new RouteTable();
        table.Set(IpPrefix.Parse("10.244.0.0/16"), HostA);
        table.Set(IpPrefix.Parse("10.244.2.0/24"), HostB);
        Assert.Equal(HostB, table.Lookup(IPAddress.Parse("10.244.2.9"))!.Address);
        Assert.Equal(HostA, table.Lookup(IPAddress.Parse("10.244.3.9"))!.Address);
        Assert.Null(table.Lookup(IPAddress.Parse("10.245.0.1")));
    }

    [Fact]
    public void DefaultRouteAndHostRoute()
    {
        var table = new RouteTable();
        table.Set(IpPrefix.Parse("default"), HostA);
        table.Set(IpPrefix.Parse("10.244.1.5/32"), HostB);
        Assert.Equal(HostB, table.Lookup(IPAddress.Parse("10.244.1.5"))!.Address);
        Assert.Equal(HostA, table.Lookup(IPAddress.Parse("10.244.1.6"))!.Address);
    }

    [Fact]
    public void SubnetIsNormalisedAndSetReplaces()
    {
        var table = new RouteTable();
        table.Set(IpPrefix.Parse("10.244.1.7/24"), HostA);
        table.Set(IpPrefix.Parse("10.244.1.0/24"), HostB);
        ForwarderRoute only = Assert.Single(table.Routes);
        Assert.Equal("10.244.1.0/24", only.Subnet.ToString());
        Assert.Equal(HostB, only.Address);
    }

    [Fact]
    public void RemoveTakesTheRouteOut()
    {
        var table = new RouteTable();
        table.Set(IpPrefix.Parse("10.244.1.0/24"), HostA);
        Assert.True(table.Remove(IpPrefix.Parse("10.244.1.0/24")));
        Assert.False(table.Remove(IpPrefix.Parse("10.244.1.0/24")));
        Assert.Null(table.Lookup(IPAddress.Parse("10.244.1.1")));
        Assert.Empty(table.Routes);
    }

    [Fact]
    public void Ipv6Routes()
    {
        var table = new RouteTable();
        table.Set(IpPrefix.Parse("fd00:244::/32"), IPAddress.Parse("fd00::1"));
        table.Set(IpPrefix.Parse("fd00:244:2::/48"), IPAddress.Parse("fd00::2"));
        Assert.Equal(IPAddress.Parse("fd00::2"), table.Lookup(IPAddress.Parse("fd00:244:2::9"))!.Address);
        Assert.Equal(IPAddress.Parse("fd00::1"), table.Lookup(IPAddress.Parse("fd00:244:3::9"))!.Address);
        Assert.Null(table.Lookup(IPAddress.Parse("10.244.2.9")));
    }

    [Fact]
    public void SenderIsAPeerOnlyWhenSomeRouteNamesIt()
    {
        var table = new RouteTable();
        table.Set(IpPrefix.Parse("10.244.1.0/24"), HostA);
        table.Set(IpPrefix.Parse("10.244.2.0/24"), HostA);
        Assert.Null(table.FindPeer(AddressKeys.Of(HostB)));
        ForwarderRoute peer = table.FindPeer(AddressKeys.Of(HostA))!;
        // Counted on the route of the inner packet's source when that peer owns it.
        Assert.Equal("10.244.2.0/24", table.CountedRoute(peer, Ipv4Packet("10.244.2.3", "10.244.9.9")).Subnet.ToString());
    }

    [Fact]
    public void LookupDoesNotAllocate()
    {
        var table = new RouteTable();
        for (int i = 0; i < 200; i++) table.Set(IpPrefix.Parse($"10.{i}.0.0/16"), HostA);
        table.Set(IpPrefix.Parse("10.7.3.0/24"), HostB);
        byte[] packet = Ipv4Packet("10.244.1.2", "10.7.3.4");
        Assert.Equal(HostB, table.LookupDestination(packet)!.Address);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ForwarderRoute? last = null;
        for (int i = 0; i < 10_000; i++) last = table.LookupDestination(packet);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(HostB, last!.Address);
    }

    [Fact]
    public void ReadersSeeWholeTablesWhileWritersSwap()
    {
        var table = new RouteTable();
        table.Set(IpPrefix.Parse("10.244.0.0/16"), HostA);
        byte[] packet = Ipv4Packet("10.244.1.2", "10.244.2.2");
        bool stop = false;
        int misses = 0;
        var reader = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
                if (table.LookupDestination(packet) == null) Interlocked.Increment(ref misses);
        });
        reader.Start();
        for (int i = 0; i < 2000; i++)
        {
            table.Set(IpPrefix.Parse("10.244.2.0/24"), i % 2 == 0 ? HostA : HostB);
            table.Remove(IpPrefix.Parse("10.244.2.0/24"));
        }
        Volatile.Write(ref stop, true);
        reader.Join();
        // The /16 is never removed, so every lookup found a route.
        Assert.Equal(0, misses);
    }

    [Fact]
    public void CountersSurviveASetToTheSamePeerOnly()
    {
        var table = new RouteTable();
        table.Set(IpPrefix.Parse("10.244.1.0/24"), HostA).CountSent(3, 300);
        Assert.Equal(3, table.Set(IpPrefix.Parse("10.244.1.0/24"), HostA).PacketsSent);
        Assert.Equal(0, table.Set(IpPrefix.Parse("10.244.1.0/24"), HostB).PacketsSent);
    }

    [Fact]
    public void CountsIntoAReplacedEntryAreNotLost()
    {
        var table = new RouteTable();
        ForwarderRoute old = table.Set(IpPrefix.Parse("10.244.1.0/24"), HostA);
        ForwarderRoute current = table.Set(IpPrefix.Parse("10.244.1.0/24"), HostA);
        old.CountSent(2, 200);          // a thread that still held the old entry in its batch
        Assert.Equal(2, current.PacketsSent);
        Assert.Equal(200, current.BytesSent);
    }
}
