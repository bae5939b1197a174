using OverlayNet.Labs.Journal;
using OverlayNet.Netlink.Reconcile;
using OverlayNet.Labs.State;

namespace OverlayNet.Labs;

/// <summary>A run stopped at a step; the message names the step and the kernel's reason.</summary>
public sealed class LabApplyException(string message, LabChange failed, IReadOnlyList<LabChange> undone, Exception inner)
    : Exception(message, inner)
{
    public LabChange FailedStep { get; } = failed;
    /// <summary>The steps undone, in the order they were undone (empty with -NoRollback).</summary>
    public IReadOnlyList<LabChange> Undone { get; } = undone;
}

/// <summary>
/// Converges a lab: desired objects from the topology, actual objects from the kernel (in the namespaces the
/// topology names or the lab owns), the difference through <see cref="StateDiff"/>, applied in dependency
/// order with each step journalled first. On the first failure it undoes its own steps in reverse.
/// </summary>
public sealed class LabConverger(string labName) : IDisposable
{
    private readonly KernelState _kernel = new();
    public string Lab { get; } = labName;

    /// <summary>The changes that would bring the kernel to <paramref name="lab"/>, in the order they would be made.</summary>
    public List<LabChange> Plan(LabTopology lab)
    {
        List<LabObject> desired = DesiredState.Build(lab);
        var namespaces = lab.Namespaces().Concat(LabJournal.ReadOwned(LabJournal.DirectoryOf(Lab))).Distinct().ToList();
        List<LabObject> actual = _kernel.Read(namespaces, desired);
        var want = desired.ToDictionary(d => d.Key);
        var diff = StateDiff.Compute(
            desired.Select(d => KeyValuePair.Create(d.Key, d)),
            actual.Select(a => KeyValuePair.Create(a.Key, a)),
            (d, a) => d.IsSatisfiedBy(a));

        // A namespace that goes takes everything in it: list only the namespace.
        var goingNs = diff.Where(c => c.Action == ChangeAction.Remove && c.Before!.Kind == LabObjectKind.Namespace).Select(c => c.Before!.Name).ToHashSet();
        var changes = diff
            .Where(c => !(c.Action == ChangeAction.Remove && c.Before!.Kind != LabObjectKind.Namespace && goingNs.Contains(c.Before.Namespace)))
            .Select(c => LabChange.From(Lab, c.Action, c.Before, c.After))
            .ToList();
        return Order(changes);
    }

    /// <summary>Removals first (deepest kinds first), then creations and updates (namespaces, devices, then tables).</summary>
    internal static List<LabChange> Order(List<LabChange> changes) =>
        changes.Where(c => c.Action == ChangeAction.Remove.ToLab()).OrderByDescending(Rank)
            .Concat(changes.Where(c => c.Action != ChangeAction.Remove.ToLab()).OrderBy(Rank))
            .ToList();

    private static int Rank(LabChange c)
    {
        LabObject o = (c.AfterObject ?? c.BeforeObject)!;
        int linkRank = o.Kind != LabObjectKind.Link ? 0 : o["kind"] switch
        {
            null => 0,
            "bridge" => 1,
            "veth" => 2,
            "macvlan" => 4, // a container's, on its host's VLAN device: after that
            _ => 3, // vxlan, tunnels, vlan: on top of the underlay veth
        };
        return (int)o.Kind * 10 + linkRank;
    }

    /// <summary>
    /// Applies a plan. Each step is journalled before it is made and marked done after. On a failure the
    /// steps made so far are undone in reverse (unless <paramref name="noRollback"/>) and a
    /// <see cref="LabApplyException"/> names the step. Namespaces are recorded as owned before they exist.
    /// </summary>
    public void Apply(LabTopology lab, List<LabChange> plan, bool noRollback, Action<int, int, LabChange>? progress = null)
    {
        using LabJournal journal = LabJournal.Open(Lab);
        // Normally finished by the caller before planning (Recover); if a run died in between, the plan is stale.
        if (FinishPending(journal, null).Count > 0) plan = Plan(lab);
        journal.SaveRecord(RecordOf(lab));
        // Namespaces the topology names that exist already and nobody owns (built by hand, read by Export): adopt them.
        foreach (string ns in lab.Namespaces())
            if (KernelState.Exists(ns) && !journal.Owned.Contains(ns)) journal.AddOwned(ns);
        if (plan.Count == 0) return;

        journal.Begin();
        var writer = new KernelWriter(_kernel);
        var done = new List<(int Step, LabChange Change)>();
        bool recreatedLink = false;
        for (int i = 0; i < plan.Count; i++)
        {
            LabChange c = plan[i];
            progress?.Invoke(i, plan.Count, c);
            journal.Write(new JournalEntry { Op = "step", Step = i, Action = c.Raw, Before = c.BeforeObject, After = c.AfterObject });
            if (c.Raw == ChangeAction.Create && c.AfterObject!.Kind == LabObjectKind.Namespace) journal.AddOwned(c.Name);
            try
            {
                writer.Apply(c.Raw, c.BeforeObject, c.AfterObject);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                journal.Write(new JournalEntry { Op = "failed", Step = i, Error = e.Message });
                var undone = new List<LabChange>();
                if (!noRollback)
                {
                    // The failed step may have half-happened (a veth without its far end up): undo it too, tolerantly.
                    undone = Undo(journal, [.. done, (i, c)], writer);
                }
                journal.Write(new JournalEntry { Op = "end", Outcome = noRollback ? "kept" : "rolled-back", Error = e.Message });
                throw new LabApplyException(
                    $"Lab '{Lab}' failed at step {i + 1} of {plan.Count}, {c}: {e.Message}" +
                    (noRollback ? " The steps before it were kept (-NoRollback)." : $" Its {done.Count} earlier step(s) were undone."),
                    c, undone, e);
            }
            journal.Write(new JournalEntry { Op = "done", Step = i });
            if (c.Raw == ChangeAction.Remove && c.BeforeObject!.Kind == LabObjectKind.Namespace) journal.RemoveOwned(c.Name);
            if (c.Raw == ChangeAction.Update && c.AfterObject!.Kind == LabObjectKind.Link) recreatedLink = true;
            done.Add((i, c));
        }
        journal.Write(new JournalEntry { Op = "end", Outcome = "committed" });
        progress?.Invoke(plan.Count, plan.Count, plan[^1]);

        // A device made anew lost its addresses and entries: a second pass puts them back.
        if (recreatedLink)
        {
            journal.Dispose();
            List<LabChange> again = Plan(lab);
            if (again.Count > 0) Apply(lab, again, noRollback, progress);
        }
    }

    /// <summary>Undoes journalled steps in reverse, tolerantly (a step may have half-happened); returns what was undone.</summary>
    private List<LabChange> Undo(LabJournal journal, List<(int Step, LabChange Change)> steps, KernelWriter writer)
    {
        var undone = new List<LabChange>();
        for (int k = steps.Count - 1; k >= 0; k--)
        {
            LabChange c = steps[k].Change;
            ChangeAction inverse = c.Raw switch
            {
                ChangeAction.Create => ChangeAction.Remove,
                ChangeAction.Remove => ChangeAction.Create,
                _ => ChangeAction.Update,
            };
            LabObject? before = c.AfterObject, after = c.BeforeObject;
            if (inverse == ChangeAction.Create && after!.Kind == LabObjectKind.Namespace) journal.AddOwned(after.Name);
            try
            {
                writer.Apply(inverse, before, after, tolerant: true);
                undone.Add(LabChange.From(Lab, inverse, before, after));
                if (inverse == ChangeAction.Remove && before!.Kind == LabObjectKind.Namespace) journal.RemoveOwned(before.Name);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Carry on: the rest of the undo matters more; a namespace left behind stays owned for Remove-OverlayLab.
                journal.Write(new JournalEntry { Op = "undo-failed", Step = steps[k].Step, Error = e.Message });
            }
        }
        return undone;
    }

    /// <summary>
    /// Finishes a run that was killed (its journal has no end): undoes its steps in reverse. Returns the steps
    /// undone; none when the last run finished. <paramref name="warn"/> hears about it.
    /// </summary>
    public List<LabChange> FinishPending(LabJournal journal, Action<string>? warn)
    {
        JournalRun run = journal.LastRun;
        if (!run.Pending) return [];
        var steps = run.Steps.Select(s => (s.Step ?? 0, LabChange.From(Lab, s.Action!.Value, s.Before, s.After))).ToList();
        warn?.Invoke($"Lab '{Lab}': the run started {run.Started:u} by process {run.Entries[0].Pid} did not finish; undoing its {steps.Count} step(s).");
        journal.Continue();
        List<LabChange> undone = Undo(journal, steps, new KernelWriter(_kernel));
        journal.Write(new JournalEntry { Op = "end", Outcome = "recovered" });
        return undone;
    }

    /// <summary>Finishes a killed run of this lab, if any, before a new plan is made.</summary>
    public List<LabChange> Recover(Action<string>? warn)
    {
        if (!LabJournal.Exists(Lab) || !LabJournal.ReadRun(Lab).Pending) return [];
        using LabJournal journal = LabJournal.Open(Lab);
        return FinishPending(journal, warn);
    }

    private static LabRecord RecordOf(LabTopology lab) => new()
    {
        Name = lab.Name,
        Path = lab.Path,
        Checks = lab.Checks.Select(c => new RecordedCheck(c.From, lab.NamespaceOf(c.From), c.To, c.Destination.ToString(), c.Expect)).ToList(),
    };

    public void Dispose() => _kernel.Dispose();
}

internal static class ChangeActionExtensions
{
    public static LabChangeAction ToLab(this ChangeAction a) => (LabChangeAction)(int)a;
}
