using System.Text.Json;
using System.Text.Json.Serialization;
using OverlayNet.Netlink.Reconcile;
using OverlayNet.Labs.State;

namespace OverlayNet.Labs.Journal;

/// <summary>One line of a lab's journal (JSON lines, appended and flushed one by one).</summary>
public sealed class JournalEntry
{
    /// <summary>begin, step, done, failed, end.</summary>
    public string Op { get; set; } = "";
    public int? Step { get; set; }
    public ChangeAction? Action { get; set; }
    public LabObject? Before { get; set; }
    public LabObject? After { get; set; }
    public DateTime Time { get; set; }
    public int Pid { get; set; }
    /// <summary>For "end": committed, rolled-back, kept (after a failure with -NoRollback), recovered.</summary>
    public string? Outcome { get; set; }
    public string? Error { get; set; }
}

/// <summary>What the lab's last run recorded, as the next run or Remove-OverlayLab reads it.</summary>
public sealed record JournalRun(List<JournalEntry> Entries)
{
    public JournalEntry? End => Entries.LastOrDefault(e => e.Op == "end");
    public bool Pending => Entries.Count > 0 && End == null;
    public DateTime? Started => Entries.FirstOrDefault()?.Time;

    /// <summary>The steps that were started (done or not), in order.</summary>
    public List<JournalEntry> Steps => Entries.Where(e => e.Op == "step").ToList();
}

/// <summary>The lab's settings kept for commands that run without the file (Test-OverlayLab -Name, Get-OverlayLab).</summary>
public sealed class LabRecord
{
    public string Name { get; set; } = "";
    public string? Path { get; set; }
    public List<RecordedCheck> Checks { get; set; } = [];
}

public sealed record RecordedCheck(string From, string FromNamespace, string To, string Destination, CheckExpectation Expect);

/// <summary>
/// A lab's state on this machine, under /run/overlaynet/labs/&lt;lab&gt;/: <c>owned</c> (the namespaces the
/// lab made or adopted, written before each is created), <c>journal</c> (the last run, each step written
/// before it is done), <c>lab.json</c> (path and checks) and <c>lock</c> (held while a run goes on; the
/// kernel drops it if the process dies, so a killed run never blocks the next).
/// </summary>
public sealed class LabJournal : IDisposable
{
    public const string DefaultRoot = "/run/overlaynet/labs";

    internal static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly FileStream _lock;
    private StreamWriter? _journal;
    private readonly List<string> _owned;

    public string Name { get; }
    public string Directory { get; }

    private LabJournal(string name, string dir, FileStream lockFile)
    {
        Name = name;
        Directory = dir;
        _lock = lockFile;
        _owned = ReadOwned(dir);
    }

    public static string Root => Environment.GetEnvironmentVariable("OVERLAYNET_LABS_DIR") is { Length: > 0 } r ? r : DefaultRoot;

    public static string DirectoryOf(string lab) => Path.Combine(Root, lab);

    public static bool Exists(string lab) => System.IO.Directory.Exists(DirectoryOf(lab));

    /// <summary>Opens (creating) a lab's journal and takes its lock; fails at once if another run holds it.</summary>
    public static LabJournal Open(string lab)
    {
        string dir = DirectoryOf(lab);
        System.IO.Directory.CreateDirectory(dir);
        try
        {
            var fs = new FileStream(Path.Combine(dir, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new LabJournal(lab, dir, fs);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"Lab '{lab}' is being changed by another process (its lock {Path.Combine(dir, "lock")} is held): {e.Message}", e);
        }
    }

    public static IEnumerable<string> ListLabs() =>
        System.IO.Directory.Exists(Root)
            ? System.IO.Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
            : [];

    /// <summary>The lab whose <c>owned</c> file names a namespace, or null.</summary>
    public static string? OwnerOf(string ns)
    {
        foreach (string lab in ListLabs())
            if (ReadOwned(DirectoryOf(lab)).Contains(ns)) return lab;
        return null;
    }

    public static List<string> ReadOwned(string dir)
    {
        string f = Path.Combine(dir, "owned");
        return File.Exists(f) ? File.ReadAllLines(f).Where(l => l.Length > 0).ToList() : [];
    }

    public IReadOnlyList<string> Owned => _owned;

    /// <summary>Records a namespace as the lab's, before it is created (or when an existing one is adopted).</summary>
    public void AddOwned(string ns)
    {
        if (_owned.Contains(ns)) return;
        _owned.Add(ns);
        WriteOwned();
    }

    public void RemoveOwned(string ns)
    {
        if (_owned.Remove(ns)) WriteOwned();
    }

    private void WriteOwned()
    {
        // Write then rename, so a reader never sees half a list.
        string f = Path.Combine(Directory, "owned");
        File.WriteAllLines(f + ".tmp", _owned);
        File.Move(f + ".tmp", f, overwrite: true);
    }

    public static JournalRun ReadRun(string lab)
    {
        string f = Path.Combine(DirectoryOf(lab), "journal");
        var entries = new List<JournalEntry>();
        if (!File.Exists(f)) return new JournalRun(entries);
        foreach (string line in File.ReadLines(f))
        {
            if (line.Length == 0) continue;
            try { entries.Add(JsonSerializer.Deserialize<JournalEntry>(line, Json)!); }
            catch (JsonException) { break; } // a line cut short by a kill: everything before it stands
        }
        return new JournalRun(entries);
    }

    public JournalRun LastRun => ReadRun(Name);

    /// <summary>Starts a new run's journal (the previous run must be finished).</summary>
    public void Begin()
    {
        _journal?.Dispose();
        _journal = new StreamWriter(new FileStream(Path.Combine(Directory, "journal"), FileMode.Create, FileAccess.Write, FileShare.Read));
        Write(new JournalEntry { Op = "begin" });
    }

    /// <summary>Continues the last run's journal (to finish it).</summary>
    public void Continue()
    {
        _journal?.Dispose();
        _journal = new StreamWriter(new FileStream(Path.Combine(Directory, "journal"), FileMode.Append, FileAccess.Write, FileShare.Read));
    }

    public void Write(JournalEntry e)
    {
        e.Time = DateTime.UtcNow;
        e.Pid = Environment.ProcessId;
        _journal!.WriteLine(JsonSerializer.Serialize(e, Json));
        _journal.Flush();
    }

    public void SaveRecord(LabRecord record) =>
        File.WriteAllText(Path.Combine(Directory, "lab.json"), JsonSerializer.Serialize(record, Json));

    public static LabRecord? ReadRecord(string lab)
    {
        string f = Path.Combine(DirectoryOf(lab), "lab.json");
        return File.Exists(f) ? JsonSerializer.Deserialize<LabRecord>(File.ReadAllText(f), Json) : null;
    }

    /// <summary>Deletes the lab's directory: its namespaces are all gone.</summary>
    public void DeleteAll()
    {
        Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    public void Dispose()
    {
        _journal?.Dispose();
        _journal = null;
        _lock.Dispose();
    }
}
