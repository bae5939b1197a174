using System.Net;
using OverlayNet.Agent.Agent;
using OverlayNet.Netlink.Reconcile;

namespace OverlayNet.Netlink.Tests.Agent;

/// <summary>The agent's plan over the shared diff core (StateDiff): store tables against kernel tables, no kernel.</summary>
public class VtepPlanTests
{
    private static readonly MacAddress MacA = MacAddress.Parse("5e:f8:4f:00:e3:37");
    private static readonly MacAddress MacB = MacAddress.Parse("52:5e:55:58:9a:ab");
    private static readonly MacAddress MacC = MacAddress.Parse("d6:d9:cd:0a:a4:28");
    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    [Fact]
    public void Diff_names_creates_updates_and_removes_and_nothing_else()
    {
        var desired = new VtepTables();
        desired.Fdb[MacA] = Ip("192.168.8.101");
        desired.Fdb[MacB] = Ip("192.168.8.102");
        desired.Fdb[MacC] = Ip("192.168.8.103");
        var actual = new VtepTables();
        actual.Fdb[MacB] = Ip("192.168.8.102");
        actual.Fdb[MacC] = Ip("192.168.8.104");
        actual.Fdb[MacAddress.Parse("aa:bb:cc:dd:ee:ff")] = Ip("192.168.8.105");

        KernelVtep.Plan plan = KernelVtep.Diff(desired, actual);

        Assert.Equal(
            [new(ChangeAction.Create, MacA, null, Ip("192.168.8.101")),
             new(ChangeAction.Update, MacC, Ip("192.168.8.104"), Ip("192.168.8.103")),
             new StateChange<MacAddress, IPAddress>(ChangeAction.Remove, MacAddress.Parse("aa:bb:cc:dd:ee:ff"), Ip("192.168.8.105"), null)],
            plan.Fdb);
        Assert.Empty(plan.Neighbors);
        Assert.Empty(plan.Routes);
        Assert.Equal(3, plan.Count);
    }

    [Fact]
    public void Diff_covers_neighbours_and_routes_too()
    {
        var desired = new VtepTables();
        desired.Neighbors[Ip("10.5.34.0")] = MacA;
        desired.Routes[IpPrefix.Parse("10.5.34.0/24")] = Ip("10.5.34.0");
        var actual = new VtepTables();
        actual.Neighbors[Ip("10.5.34.0")] = MacB;
        actual.Routes[IpPrefix.Parse("10.5.35.0/24")] = Ip("10.5.35.0");

        KernelVtep.Plan plan = KernelVtep.Diff(desired, actual);

        Assert.Equal([new StateChange<IPAddress, MacAddress>(ChangeAction.Update, Ip("10.5.34.0"), MacB, MacA)], plan.Neighbors);
        Assert.Equal(
            [new(ChangeAction.Create, IpPrefix.Parse("10.5.34.0/24"), null, Ip("10.5.34.0")),
             new StateChange<IpPrefix, IPAddress>(ChangeAction.Remove, IpPrefix.Parse("10.5.35.0/24"), Ip("10.5.35.0"), null)],
            plan.Routes);
        Assert.Empty(plan.Fdb);
    }

    [Fact]
    public void Diff_of_converged_state_is_empty()
    {
        var desired = new VtepTables();
        var actual = new VtepTables();
        foreach (VtepTables t in new[] { desired, actual })
        {
            t.Fdb[MacA] = Ip("192.168.8.101");
            t.Neighbors[Ip("10.20.1.4")] = MacB;
            t.Routes[IpPrefix.Parse("10.5.34.0/24")] = Ip("10.5.34.0");
        }
        KernelVtep.Plan plan = KernelVtep.Diff(desired, actual);
        Assert.Equal(0, plan.Count);
        Assert.Empty(plan.Fdb);
        Assert.Empty(plan.Neighbors);
        Assert.Empty(plan.Routes);
    }
}
