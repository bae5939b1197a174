using OverlayNet.Netlink.Reconcile;
using OverlayNet.Labs.Journal;
using OverlayNet.Labs.State;
using OverlayNet.Netlink.Namespaces;

namespace OverlayNet.Labs;

/// <summary>
/// Takes a lab down from its journal alone (no topology file needed, any process, after a crash): every
/// namespace the lab owns is deleted, which takes its links, addresses, routes, entries, settings and NAT
/// rules with it. Nothing the journal does not name is touched. Errors are reported per namespace and the
/// rest carries on; the journal is deleted once nothing is left, so a second run finds nothing to do.
/// </summary>
public static class LabTeardown
{
    public static void Remove(string lab, Action<LabChange, Exception?> report, Func<LabChange, bool>? shouldProcess = null)
    {
        if (!LabJournal.Exists(lab)) return;
        using LabJournal journal = LabJournal.Open(lab);
        bool pending = journal.LastRun.Pending;
        if (pending)
        {
            journal.Continue();
            journal.Write(new JournalEntry { Op = "end", Outcome = "removed", Error = "the run did not finish; the lab was removed" });
        }
        bool all = true;
        foreach (string ns in journal.Owned.Reverse().ToList())
        {
            var obj = new LabObject(LabObjectKind.Namespace, ns, ns);
            LabChange change = LabChange.From(lab, ChangeAction.Remove, obj, null);
            if (shouldProcess != null && !shouldProcess(change)) { all = false; continue; }
            try
            {
                // Owned but never made (the run died between recording and creating it): nothing to report.
                bool exists = File.Exists(Path.Combine(NetNamespaceStore.RunDirectory, ns));
                if (exists) NetNamespaceStore.Delete(ns);
                journal.RemoveOwned(ns);
                if (exists) report(change, null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                all = false;
                report(change, e);
            }
        }
        if (all) journal.DeleteAll();
    }
}
