using System.Buffers.Binary;
using System.Net;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Tests.Support;

namespace OverlayNet.Netlink.Tests.Batch;

/// <summary>
/// The typed bulk writer without a socket: what it refuses before anything is queued, how it resolves
/// names, the bytes it queues, how many requests go per send, and which tag each result comes back with.
/// </summary>
public class RtnlBatchTests
{
    /// <summary>Interfaces of a pretend namespace, and every buffer the batch "sent".</summary>
    private sealed class FakeKernel : ILinkLookup
    {
        public readonly Dictionary<string, int> Links = new() { ["vx0"] = 7, ["eth0"] = 2, ["br0"] = 3 };
        public readonly List<byte[]> Sent = [];
        public int Lookups;
        /// <summary>Message numbers (over the whole run) the kernel refuses with EEXIST.</summary>
        public readonly HashSet<int> Refuse = [];
        private int _seen;

        public string? NamespaceName => "ns1";

        public int IndexOf(string name)
        {
            Lookups++;
            return Links.TryGetValue(name, out int i) ? i : throw new LinkNotFoundException(name, NamespaceName);
        }

        public string? NameOf(int index)
        {
            Lookups++;
            return Links.FirstOrDefault(kv => kv.Value == index).Key;
        }

        public NetlinkException?[] Send(MessageWriter w)
        {
            Sent.Add(w.WrittenSpan.ToArray());
            var errors = new NetlinkException?[w.MessageCount];
            for (int i = 0; i < errors.Length; i++, _seen++)
                if (Refuse.Contains(_seen)) errors[i] = new NetlinkException(17, "File exists");
            return errors;
        }

        public RtnlBatch<T> Batch<T>(int size = 1000, CancellationToken cancel = default) =>
            new(new RequestBatch<T>(Send, size), this, cancel);
    }

    private static FdbEntrySpec Fdb(int i, string dev = "vx0") => new()
    {
        MacAddress = MacAddress.Parse($"02:00:00:00:{i >> 8 & 0xff:x2}:{i & 0xff:x2}"),
        InterfaceName = dev,
        Destination = IPAddress.Parse("192.168.8.101"),
    };

    [Fact]
    public void Fdb_entry_is_encoded_as_the_single_request_with_the_resolved_index()
    {
        var kernel = new FakeKernel();
        using (var batch = kernel.Batch<string>())
        {
            batch.Add(Fdb(1), FdbOperation.Append, "a");
            Assert.Equal(1, batch.Pending);
            var done = batch.Complete();
            Assert.Equal(("a", (NetlinkException?)null), Assert.Single(done));
        }
        var expected = new FdbEntrySpec { MacAddress = MacAddress.Parse("02:00:00:00:00:01"), InterfaceIndex = 7, Destination = IPAddress.Parse("192.168.8.101") };
        byte[] single = Messages.Written(w => RtnlClient.WriteFdbEntry(w, expected, FdbOperation.Append));
        Assert.Equal(single, Assert.Single(kernel.Sent));
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(kernel.Sent[0].AsSpan(20)));
    }

    [Fact]
    public void Many_requests_go_per_send_and_each_result_comes_back_with_its_tag()
    {
        var kernel = new FakeKernel();
        kernel.Refuse.Add(1234);
        var results = new List<(int Tag, NetlinkException? Error)>();
        using (var batch = kernel.Batch<int>(size: 1000))
        {
            for (int i = 0; i < 2500; i++) results.AddRange(batch.Add(Fdb(i), FdbOperation.Add, i));
            results.AddRange(batch.Complete());
        }
        Assert.Equal(3, kernel.Sent.Count);
        Assert.Equal(Enumerable.Range(0, 2500), results.Select(r => r.Tag));
        var refused = Assert.Single(results, r => r.Error != null);
        Assert.Equal(1234, refused.Tag);
        Assert.Equal(17, refused.Error!.Errno);
        Assert.Equal("File exists", refused.Error.KernelMessage);
        // One interface lookup for 2,500 entries on the same device.
        Assert.Equal(1, kernel.Lookups);
    }

    [Fact]
    public void Bad_values_are_refused_before_any_lookup_and_nothing_is_queued()
    {
        var kernel = new FakeKernel();
        using var batch = kernel.Batch<string>();
        FdbEntrySpec spec = Fdb(1, dev: "nosuch0");
        spec.Vni = 1 << 24;
        var e = Assert.Throws<ArgumentException>(() => batch.Add(spec, FdbOperation.Add, "x"));
        Assert.Contains("VNI 16777216 is out of range", e.Message);
        Assert.Equal(0, kernel.Lookups);
        Assert.Equal(0, batch.Pending);
        Assert.Empty(batch.Complete());
        Assert.Empty(kernel.Sent);
    }

    [Fact]
    public void Unknown_device_is_a_link_not_found_naming_it_and_its_namespace()
    {
        var kernel = new FakeKernel();
        using var batch = kernel.Batch<string>();
        var e = Assert.Throws<LinkNotFoundException>(() => batch.Add(Fdb(1, dev: "nosuch0"), FdbOperation.Add, "x"));
        Assert.Equal("Cannot find interface 'nosuch0' in network namespace 'ns1'.", e.Message);
        Assert.Equal(19, e.Errno);
        Assert.Equal(0, batch.Pending);
    }

    [Fact]
    public void A_device_given_by_index_gets_its_name_and_an_unknown_index_is_refused()
    {
        var kernel = new FakeKernel();
        using var batch = kernel.Batch<string>();
        var spec = new FdbEntrySpec { MacAddress = MacAddress.Parse("02:00:00:00:00:01"), InterfaceIndex = 3, Master = true };
        batch.Add(spec, FdbOperation.Add, "a");
        Assert.Equal("br0", spec.InterfaceName);
        Assert.Equal("02:00:00:00:00:01 dev br0", spec.ToString());
        var missing = new FdbEntrySpec { MacAddress = MacAddress.Parse("02:00:00:00:00:02"), InterfaceIndex = 99 };
        var e = Assert.Throws<LinkNotFoundException>(() => batch.Add(missing, FdbOperation.Add, "b"));
        Assert.Equal("#99", e.InterfaceName);
        var none = new FdbEntrySpec { MacAddress = MacAddress.Parse("02:00:00:00:00:03") };
        Assert.Equal("An FDB entry needs a device.", Assert.Throws<ArgumentException>(() => batch.Add(none, FdbOperation.Add, "c")).Message);
        Assert.Equal(1, batch.Pending);
    }

    [Fact]
    public void Fdb_via_is_resolved_and_a_stale_entry_is_deleted_as_dynamic()
    {
        var kernel = new FakeKernel();
        using (var batch = kernel.Batch<string>())
        {
            FdbEntrySpec spec = Fdb(1);
            spec.Via = "eth0";
            spec.State = FdbState.Stale;
            batch.Add(spec, FdbOperation.Delete, "a");
            Assert.Equal(2, spec.ViaIndex);
            Assert.Equal(FdbState.Dynamic, spec.State);
            batch.Complete();
        }
        byte[] m = kernel.Sent[0];
        Assert.Equal(Rtm.DELNEIGH, BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(4)));
        Assert.Equal(Nud.REACHABLE, BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(24)));
        var attrs = Messages.AttributesOf(m.AsSpan(28));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(attrs.Single(a => a.Type == Nda.IFINDEX).Value));
    }

    [Fact]
    public void Neighbour_needs_a_link_layer_address_unless_deleted_or_proxy()
    {
        var kernel = new FakeKernel();
        using var batch = kernel.Batch<string>();
        var spec = new NeighborSpec { Address = IPAddress.Parse("10.0.0.2"), InterfaceName = "eth0" };
        var e = Assert.Throws<ArgumentException>(() => batch.Add(spec, NeighborOperation.Add, "a"));
        Assert.Equal("The neighbour 10.0.0.2 needs a link-layer address (-LinkLayerAddress) in state Permanent; only -Proxy entries go without one.", e.Message);
        Assert.Equal(0, kernel.Lookups);
        batch.Add(spec, NeighborOperation.Delete, "b");
        batch.Add(new NeighborSpec { Address = IPAddress.Parse("10.0.0.3"), InterfaceName = "eth0", Proxy = true }, NeighborOperation.Add, "c");
        Assert.Equal(2, spec.InterfaceIndex);
        Assert.Equal(["b", "c"], batch.Complete().Select(r => r.Tag));
        int messages = 0;
        foreach (NetlinkMessage _ in new MessageEnumerator(Assert.Single(kernel.Sent))) messages++;
        Assert.Equal(2, messages); // both in one send
    }

    [Fact]
    public void Neighbour_bytes_match_the_single_request()
    {
        var kernel = new FakeKernel();
        using (var batch = kernel.Batch<string>())
        {
            batch.Add(new NeighborSpec { Address = IPAddress.Parse("fd00::2"), LinkLayerAddress = MacAddress.Parse("02:00:00:00:00:09"), InterfaceName = "vx0", Router = true }, NeighborOperation.Replace, "a");
            batch.Complete();
        }
        var expected = new NeighborSpec { Address = IPAddress.Parse("fd00::2"), LinkLayerAddress = MacAddress.Parse("02:00:00:00:00:09"), InterfaceIndex = 7, Router = true };
        Assert.Equal(Messages.Written(w => RtnlClient.WriteNeighbor(w, expected, NeighborOperation.Replace)), kernel.Sent[0]);
    }

    [Fact]
    public void Route_default_takes_the_gateway_family_and_next_hop_devices_are_resolved()
    {
        var kernel = new FakeKernel();
        using var batch = kernel.Batch<string>();
        var spec = new RouteSpec { Gateway = IPAddress.Parse("fd00::1") };
        spec.SetDestination("default");
        Assert.Equal(IpAddressFamily.IPv6, spec.Family);
        var multi = new RouteSpec();
        multi.NextHops.Add(new NextHopSpec { Gateway = IPAddress.Parse("10.0.0.1"), InterfaceName = "eth0" });
        multi.NextHops.Add(new NextHopSpec { Gateway = IPAddress.Parse("10.0.1.1"), InterfaceName = "vx0", Weight = 2 });
        multi.SetDestination("10.9.0.0/16");
        batch.Add(multi, RouteOperation.Add, "m");
        Assert.Equal([2, 7], multi.NextHops.Select(h => h.InterfaceIndex));
        var v4 = new RouteSpec();
        Assert.Equal("The destination 10.0.0.0/8 is not an IPv6 prefix.",
            Assert.Throws<ArgumentException>(() => v4.SetDestination("10.0.0.0/8", IpAddressFamily.IPv6)).Message);
        var hostBits = new RouteSpec { InterfaceName = "eth0" };
        hostBits.SetDestination("10.41.0.1/8");
        Assert.StartsWith("Invalid prefix for given prefix length: 10.41.0.1/8 has host bits set",
            Assert.Throws<ArgumentException>(() => batch.Add(hostBits, RouteOperation.Add, "h")).Message);
        Assert.Equal(1, batch.Pending);
    }

    [Fact]
    public void Route_bytes_match_the_single_request()
    {
        var kernel = new FakeKernel();
        var spec = new RouteSpec { InterfaceName = "vx0", Metric = 10, Table = 1000 };
        spec.SetDestination("10.20.0.0/24");
        using (var batch = kernel.Batch<string>())
        {
            batch.Add(spec, RouteOperation.Replace, "r");
            batch.Complete();
        }
        var expected = new RouteSpec { InterfaceIndex = 7, Metric = 10, Table = 1000, Destination = IpPrefix.Parse("10.20.0.0/24") };
        Assert.Equal(Messages.Written(w => RtnlClient.WriteRoute(w, expected, RouteOperation.Replace)), kernel.Sent[0]);
    }

    [Fact]
    public void Addresses_and_rules_go_in_the_same_batch()
    {
        var kernel = new FakeKernel();
        using (var batch = kernel.Batch<string>())
        {
            batch.Add(new AddressSpec { InterfaceName = "eth0", Address = IPAddress.Parse("10.0.0.5"), PrefixLength = 24 }, AddressOperation.Add, "addr");
            batch.Add(new RuleSpec { Priority = 100, Table = 1000 }, delete: false, "rule");
            Assert.Equal(["addr", "rule"], batch.Complete().Select(r => r.Tag));
        }
        var types = new List<ushort>();
        foreach (NetlinkMessage m in new MessageEnumerator(kernel.Sent.Single())) types.Add(m.Type);
        Assert.Equal([Rtm.NEWADDR, Rtm.NEWRULE], types);
        var badPrefix = new AddressSpec { InterfaceName = "eth0", Address = IPAddress.Parse("10.0.0.5"), PrefixLength = 33 };
        using var second = kernel.Batch<string>();
        Assert.Equal("Prefix length 33 is out of range for 10.0.0.5 (0..32).",
            Assert.Throws<ArgumentException>(() => second.Add(badPrefix, AddressOperation.Add, "x")).Message);
    }

    [Fact]
    public void A_cancelled_batch_takes_nothing_more()
    {
        var kernel = new FakeKernel();
        using var cts = new CancellationTokenSource();
        using var batch = kernel.Batch<string>(cancel: cts.Token);
        batch.Add(Fdb(1), FdbOperation.Add, "a");
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => batch.Add(Fdb(2), FdbOperation.Add, "b"));
        Assert.Throws<OperationCanceledException>(() => batch.Complete());
        Assert.Equal(1, batch.Pending);
        Assert.Empty(kernel.Sent);
    }
}
