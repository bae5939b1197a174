using OverlayNet.Agent.Reconcile;

namespace OverlayNet.Netlink.Tests.Agent;

public class ReconcilerTests
{
    [Fact]
    public void Diff_names_adds_replaces_and_removes_and_nothing_else()
    {
        var desired = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 3 };
        var actual = new Dictionary<string, int> { ["b"] = 2, ["c"] = 4, ["d"] = 5 };
        var changes = Reconciler.Diff(desired, actual).OrderBy(c => c.Key).ToList();
        Assert.Equal(
            [new(ChangeKind.Add, "a", 1, 0), new(ChangeKind.Replace, "c", 3, 4), new Change<string, int>(ChangeKind.Remove, "d", 0, 5)],
            changes);
    }

    [Fact]
    public void Diff_of_converged_state_is_empty()
    {
        var state = new Dictionary<int, string> { [1] = "x", [2] = "y" };
        Assert.Empty(Reconciler.Diff(state, new Dictionary<int, string>(state)));
    }

    [Fact]
    public void Diff_uses_the_given_comparer()
    {
        var desired = new Dictionary<int, string> { [1] = "ABC" };
        var actual = new Dictionary<int, string> { [1] = "abc" };
        Assert.Empty(Reconciler.Diff(desired, actual, StringComparer.OrdinalIgnoreCase));
        Assert.Single(Reconciler.Diff(desired, actual));
    }
}
