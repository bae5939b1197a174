using System.Management.Automation;
using OverlayNet.Labs.Journal;

namespace OverlayNet.Commands;

/// <summary>Lists the labs this machine's journals know, with their state and namespaces.</summary>
[Cmdlet(VerbsCommon.Get, "OverlayLab")]
[OutputType(typeof(LabInfo))]
public sealed class GetOverlayLabCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(LabNameCompleter))]
    public string[] Name { get; set; } = ["*"];

    protected override void ProcessRecord()
    {
        var patterns = Name.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (string lab in LabJournal.ListLabs().Where(l => patterns.Any(p => p.IsMatch(l))))
            WriteObject(Describe(lab));
    }

    internal static LabInfo Describe(string lab)
    {
        JournalRun run = LabJournal.ReadRun(lab);
        LabRecord? record = LabJournal.ReadRecord(lab);
        List<string> owned = LabJournal.ReadOwned(LabJournal.DirectoryOf(lab));
        JournalEntry? end = run.End;
        string state = run.Pending ? "Pending" : end?.Outcome switch
        {
            null => owned.Count > 0 ? "Applied" : "Empty",
            "committed" or "recovered" => "Applied",
            _ => "Failed",
        };
        return new LabInfo
        {
            Name = lab,
            State = state,
            Namespaces = owned.ToArray(),
            Path = record?.Path,
            LastRun = run.Started,
            Detail = run.Pending ? $"process {run.Entries[0].Pid} did not finish; the next Set-/Remove-OverlayLab finishes it" : end?.Error,
        };
    }
}
