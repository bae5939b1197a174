using System.Net;
using Engine = OverlayNet.Forwarding.TunForwarder;

namespace OverlayNet.Commands;

/// <summary>
/// The forwarders this PowerShell process runs, by namespace and TUN name, so Get-, Stop-, Set- and
/// Remove-TunForwarder* find the one Start-TunForwarder made (in the foreground of another runspace, or in a
/// job). A forwarder leaves the registry when it ends, however it ends.
/// </summary>
internal static class TunForwarderRegistry
{
    internal sealed record Entry(string Key, string? NetNamespace, string? NamespacePath, Engine Engine)
    {
        public TunForwarder Snapshot() => new(Engine, NetNamespace);
    }

    private static readonly object Gate = new();
    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal);
    private static readonly HashSet<string> Starting = new(StringComparer.Ordinal);

    public static string KeyOf(string? namespacePath, string tunName) => (namespacePath ?? "") + "\0" + tunName;

    /// <summary>
    /// Starts a forwarder under the registry's lock on its key, so two starts of the same TUN (or of the same
    /// address and port in a namespace) cannot race; <paramref name="start"/> runs outside the lock.
    /// </summary>
    public static Entry Start(string? netNamespace, string? namespacePath, string tunName, IPAddress local, int port,
        Func<Engine> start)
    {
        string key = KeyOf(namespacePath, tunName);
        lock (Gate)
        {
            if (Entries.ContainsKey(key) || Starting.Contains(key))
                throw new InvalidOperationException($"A forwarder for '{tunName}' already runs in this session"
                    + (netNamespace == null ? "." : $" (namespace {netNamespace})."));
            Entry? sameSocket = Entries.Values.FirstOrDefault(e => e.NamespacePath == namespacePath
                && e.Engine.Options.Port == port && e.Engine.Options.LocalAddress.Equals(local));
            if (sameSocket != null)
                throw new InvalidOperationException(
                    $"The forwarder for '{sameSocket.Engine.Options.TunName}' already uses UDP {local}:{port} in that namespace.");
            Starting.Add(key);
        }
        try
        {
            Engine engine = start();
            var entry = new Entry(key, netNamespace, namespacePath, engine);
            lock (Gate) Entries[key] = entry;
            engine.Completion.ContinueWith(_ => { lock (Gate) Entries.Remove(key); }, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return entry;
        }
        finally
        {
            lock (Gate) Starting.Remove(key);
        }
    }

    public static Entry? Find(string? namespacePath, string tunName)
    {
        lock (Gate) return Entries.GetValueOrDefault(KeyOf(namespacePath, tunName));
    }

    public static List<Entry> All()
    {
        lock (Gate) return Entries.Values.OrderBy(e => e.NetNamespace).ThenBy(e => e.Engine.Options.TunName).ToList();
    }
}
