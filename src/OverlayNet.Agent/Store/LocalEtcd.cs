using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Collections.Concurrent;

namespace OverlayNet.Agent.Store;

/// <summary>
/// Starts and stops local etcd members (1 or 3) on free loopback ports, data on tmpfs by default. Stores
/// started in this process are remembered by name so Get-/Stop-OverlayStore find them; Stop ends exactly
/// the processes it started, by pid: SIGTERM, then SIGKILL after a short grace (a last member without quorum
/// was seen to ignore SIGTERM for over 3 s).
/// </summary>
public static class LocalEtcd
{
    private static readonly ConcurrentDictionary<string, (OverlayStore Store, Process[] Processes)> Started = new(StringComparer.Ordinal);

    public static string DefaultDataRoot => Directory.Exists("/dev/shm") ? "/dev/shm" : "/run";

    public static IReadOnlyCollection<OverlayStore> List() => Started.Values.Select(v => v.Store).OrderBy(s => s.Name).ToArray();

    public static OverlayStore? Find(string name) => Started.TryGetValue(name, out var v) ? v.Store : null;

    /// <summary>The etcd binary: /usr/bin/etcd (Debian's etcd-server) or the first etcd on PATH.</summary>
    public static string FindEtcd()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin"))
        {
            string p = Path.Combine(dir, "etcd");
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException("etcd is not installed (Debian: apt-get install etcd-server).");
    }

    public static OverlayStore Start(string name, int members, string? dataPath, TimeSpan? readyTimeout = null)
    {
        if (members is not (1 or 3)) throw new ArgumentException($"-Members takes 1 or 3, not {members}.");
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['/', ' ', ',', '=']) >= 0)
            throw new ArgumentException($"'{name}' is not a store name: use letters, digits, '-' or '_'.");
        if (Started.ContainsKey(name)) throw new InvalidOperationException($"A store named '{name}' is already running in this session; stop it first (Stop-OverlayStore -Name {name}).");
        string etcd = FindEtcd();
        string root = dataPath ?? Path.Combine(DefaultDataRoot, $"overlaynet-etcd-{name}-{Environment.ProcessId}-{Random.Shared.Next(100000)}");
        Directory.CreateDirectory(root);

        var clientPorts = new int[members];
        var peerPorts = new int[members];
        List<TcpListener> holds = [];
        try
        {
            // Hold every port until all are picked so no two members get the same one; released just before start.
            for (int i = 0; i < members; i++) { clientPorts[i] = Reserve(holds); peerPorts[i] = Reserve(holds); }
        }
        finally
        {
            foreach (TcpListener l in holds) l.Stop();
        }
        string token = $"overlaynet-{name}-{Guid.NewGuid():N}";
        string[] names = Enumerable.Range(0, members).Select(i => $"{name}-{i}").ToArray();
        string[] clients = clientPorts.Select(p => $"http://127.0.0.1:{p}").ToArray();
        string[] peers = peerPorts.Select(p => $"http://127.0.0.1:{p}").ToArray();
        string cluster = string.Join(",", names.Select((n, i) => $"{n}={peers[i]}"));

        var processes = new List<Process>();
        try
        {
            for (int i = 0; i < members; i++)
            {
                string dir = Path.Combine(root, names[i]);
                // Through sh's exec (same pid), so etcd's stderr, where gRPC logs outside the zap logger, goes to
                // the member's log file rather than the user's console.
                string log = Path.Combine(root, names[i] + ".log");
                var psi = new ProcessStartInfo("/bin/sh")
                {
                    UseShellExecute = false,
                    RedirectStandardInput = false,
                    RedirectStandardOutput = false,
                    RedirectStandardError = false,
                };
                foreach (string arg in new[] { "-c", "exec \"$0\" \"$@\" >>\"" + log + "\" 2>&1", etcd })
                    psi.ArgumentList.Add(arg);
                foreach (string arg in new[]
                {
                    "--name", names[i], "--data-dir", dir,
                    "--listen-client-urls", clients[i], "--advertise-client-urls", clients[i],
                    "--listen-peer-urls", peers[i], "--initial-advertise-peer-urls", peers[i],
                    "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
                    "--logger", "zap", "--log-outputs", "stderr",
                    // Small, fast labs: 100 ms heartbeats and 1 s elections are etcd's defaults; keep them explicit.
                    "--heartbeat-interval", "100", "--election-timeout", "1000",
                })
                    psi.ArgumentList.Add(arg);
                processes.Add(Process.Start(psi) ?? throw new InvalidOperationException("etcd did not start."));
            }
            var store = new OverlayStore
            {
                Name = name,
                Endpoints = clients,
                PeerUrls = peers,
                ProcessIds = processes.Select(p => p.Id).ToArray(),
                DataPath = root,
            };
            WaitReady(store, processes, readyTimeout ?? TimeSpan.FromSeconds(20));
            Started[name] = (store, processes.ToArray());
            return store;
        }
        catch
        {
            foreach (Process p in processes) Terminate(p);
            if (dataPath == null) TryDelete(root);
            throw;
        }
    }

    private static int Reserve(List<TcpListener> holds)
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        holds.Add(l);
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Ready when a linearizable read succeeds (the cluster has a leader).</summary>
    private static void WaitReady(OverlayStore store, List<Process> processes, TimeSpan timeout)
    {
        using var client = new EtcdStore(store.Endpoints, TimeSpan.FromMilliseconds(500));
        var sw = Stopwatch.StartNew();
        Exception? last = null;
        while (sw.Elapsed < timeout)
        {
            Process? dead = processes.FirstOrDefault(p => p.HasExited);
            if (dead != null)
                throw new InvalidOperationException($"etcd (pid {dead.Id}) exited with code {dead.ExitCode}; see its log in {store.DataPath}.");
            try
            {
                client.Call((c, deadline, ct) => c.GetAsync("/overlaynet-ready", deadline: deadline, cancellationToken: ct));
                return;
            }
            catch (StoreUnavailableException e) { last = e; }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"etcd members did not elect a leader within {timeout.TotalSeconds:0} s ({last?.Message}).");
    }

    /// <summary>Stops the named store's processes and removes its data folder (unless the caller gave it).</summary>
    public static OverlayStore Stop(string name, TimeSpan? grace = null)
    {
        if (!Started.TryRemove(name, out var entry))
            throw new ArgumentException($"No store named '{name}' was started in this session (Get-OverlayStore lists them).");
        foreach (Process p in entry.Processes) SignalTerm(p);
        foreach (Process p in entry.Processes) Terminate(p, grace ?? TimeSpan.FromSeconds(2));
        if (entry.Store.DataPath.StartsWith(DefaultDataRoot + "/overlaynet-etcd-", StringComparison.Ordinal)) TryDelete(entry.Store.DataPath);
        return entry.Store;
    }

    private static void SignalTerm(Process p)
    {
        if (!p.HasExited) _ = Tmds.Linux.LibC.kill(p.Id, Tmds.Linux.LibC.SIGTERM);
    }

    /// <summary>SIGTERM, wait up to <paramref name="grace"/>, then SIGKILL; always by this process's own pid.</summary>
    public static void Terminate(Process p, TimeSpan? grace = null)
    {
        try
        {
            if (p.HasExited) return;
            SignalTerm(p);
            if (!p.WaitForExit(grace ?? TimeSpan.FromSeconds(2)))
            {
                _ = Tmds.Linux.LibC.kill(p.Id, Tmds.Linux.LibC.SIGKILL);
                p.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        finally { p.Dispose(); }
    }

    private static void TryDelete(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
