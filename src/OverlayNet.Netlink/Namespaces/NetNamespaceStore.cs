using OverlayNet.Netlink.Interop;

namespace OverlayNet.Netlink.Namespaces;

/// <summary>
/// Named namespaces exactly as iproute2 keeps them: a bind mount of the namespace onto
/// <c>/run/netns/NAME</c>, with <c>/run/netns</c> a shared mount point so the name is seen in every mount
/// namespace. <c>ip netns list</c> and <c>ip netns exec</c> see ours, and we see theirs.
/// </summary>
public static class NetNamespaceStore
{
    public const string RunDirectory = "/run/netns";

    /// <summary>Checks a namespace name the way iproute2 does (a single path component).</summary>
    public static string? CheckName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "a namespace name cannot be empty";
        if (name.Contains('/')) return $"namespace name '{name}' contains '/'; pass a path to -NetNamespace for a namespace file elsewhere";
        if (name == "." || name == "..") return $"'{name}' is not a valid namespace name";
        if (name.Length > 255) return $"namespace name '{name[..20]}...' is longer than 255 characters";
        return null;
    }

    /// <summary>
    /// Turns what a user typed for -NetNamespace into a path: a name under /run/netns, or a path as given
    /// (<c>/proc/1234/ns/net</c>, <c>/run/docker/netns/ID</c>). Throws when it does not exist.
    /// </summary>
    public static string Resolve(string nameOrPath)
    {
        string path = nameOrPath.Contains('/') ? nameOrPath : Path.Combine(RunDirectory, nameOrPath);
        if (!nameOrPath.Contains('/'))
        {
            string? problem = CheckName(nameOrPath);
            if (problem != null) throw new ArgumentException(Capitalize(problem) + ".");
        }
        if (!File.Exists(path))
            throw new NetNamespaceException(nameOrPath.Contains('/')
                ? $"Network namespace file '{path}' does not exist."
                : $"Network namespace '{nameOrPath}' does not exist (no {path}).", Errno.ENOENT);
        return path;
    }

    /// <summary><c>ip netns add NAME</c>.</summary>
    public static string Create(string name)
    {
        string path = CreatePlaceholder(name);
        try
        {
            // A throw-away thread gets the new namespace; binding its nsfs file keeps the namespace alive
            // after the thread ends.
            Exception? err = null;
            var t = new Thread(() =>
            {
                try { BindNewNamespace(path); }
                catch (Exception e) { err = e; }
            }) { IsBackground = true, Name = "netns add " + name };
            t.Start();
            t.Join();
            if (err != null) throw err;
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        return path;
    }

    private static void BindNewNamespace(string path)
    {
        Native.Unshare(Native.CLONE_NEWNET);
        string self = $"/proc/self/task/{Native.GetTid()}/ns/net";
        int err = Native.Mount(self, path, "none", Native.MS_BIND);
        if (err != 0) throw new ErrnoException($"bind mount {self} on {path}", err);
    }

    /// <summary><c>ip netns attach NAME PID</c>, or a name for an existing namespace file (a Docker netns).</summary>
    public static string Attach(string name, string sourcePath)
    {
        if (!File.Exists(sourcePath)) throw new NetNamespaceException($"Namespace file '{sourcePath}' does not exist.", Errno.ENOENT);
        string path = CreatePlaceholder(name);
        int err = Native.Mount(sourcePath, path, "none", Native.MS_BIND);
        if (err != 0)
        {
            File.Delete(path);
            throw new ErrnoException($"bind mount {sourcePath} on {path}", err);
        }
        return path;
    }

    /// <summary><c>ip netns del NAME</c>: detach the bind mount and remove the name.</summary>
    public static void Delete(string name)
    {
        string? problem = CheckName(name);
        if (problem != null) throw new ArgumentException(Capitalize(problem) + ".");
        string path = Path.Combine(RunDirectory, name);
        if (!File.Exists(path)) throw new NetNamespaceException($"Network namespace '{name}' does not exist.", Errno.ENOENT);
        int err = Native.Umount2(path, Native.MNT_DETACH);
        if (err != 0 && err != Native.EINVAL) throw new ErrnoException($"umount {path}", err);
        File.Delete(path);
    }

    public static IEnumerable<string> ListNames()
    {
        if (!Directory.Exists(RunDirectory)) return [];
        return Directory.EnumerateFiles(RunDirectory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);
    }

    /// <summary>The inode of a namespace file, or null when it is not a mounted namespace (a stale name).</summary>
    public static ulong? TryGetInode(string path)
    {
        try
        {
            // An nsfs inode lives on the nsfs device; an unmounted placeholder is a plain empty file.
            var (_, ino) = Native.StatIdentity(path);
            return IsNsfs(path) ? ino : null;
        }
        catch (ErrnoException)
        {
            return null;
        }
    }

    private static bool IsNsfs(string path)
    {
        try
        {
            var (d1, _) = Native.StatIdentity(path);
            var (d2, _) = Native.StatIdentity("/proc/self/ns/net");
            return d1 == d2;
        }
        catch (ErrnoException)
        {
            return false;
        }
    }

    /// <summary>Inode of each process's network namespace, for <c>ip netns pids</c> and <c>identify</c>.</summary>
    public static Dictionary<ulong, List<int>> ProcessesByNamespace()
    {
        var map = new Dictionary<ulong, List<int>>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                var (_, ino) = Native.StatIdentity($"/proc/{pid}/ns/net");
                if (!map.TryGetValue(ino, out var list)) map[ino] = list = [];
                list.Add(pid);
            }
            catch (ErrnoException)
            {
                // The process ended while we looked, or is a kernel thread we may not read.
            }
        }
        return map;
    }

    /// <summary>
    /// <c>ip netns identify PID</c>: the names under /run/netns that refer to the network namespace of process
    /// <paramref name="pid"/> (empty when none does). Throws when the process does not exist.
    /// </summary>
    public static List<string> Identify(int pid)
    {
        ulong target;
        try
        {
            (_, target) = Native.StatIdentity($"/proc/{pid}/ns/net");
        }
        catch (ErrnoException e) when (e.Errno == Errno.ENOENT)
        {
            throw new NetNamespaceException($"There is no process with id {pid}.", Errno.ESRCH);
        }
        return ListNames().Where(n => TryGetInode(Path.Combine(RunDirectory, n)) == target).ToList();
    }

    /// <summary>Creates the empty file /run/netns/NAME that a namespace is then bind-mounted onto.</summary>
    private static string CreatePlaceholder(string name)
    {
        string? problem = CheckName(name);
        if (problem != null) throw new ArgumentException(Capitalize(problem) + ".");
        EnsureRunDirectory();
        string path = Path.Combine(RunDirectory, name);
        try
        {
            Native.Close(Native.Open(path, Native.O_RDONLY | Native.O_CREAT | Native.O_EXCL, 0));
        }
        catch (ErrnoException e) when (e.Errno == Errno.EEXIST)
        {
            throw new NetNamespaceException($"Network namespace '{name}' already exists.", Errno.EEXIST);
        }
        return path;
    }

    private static void EnsureRunDirectory()
    {
        Directory.CreateDirectory(RunDirectory);
        // As iproute2: make /run/netns a shared mount point, turning it into one first if it is not yet.
        int err = Native.Mount("", RunDirectory, "none", Native.MS_SHARED | Native.MS_REC);
        if (err == Native.EINVAL)
        {
            err = Native.Mount(RunDirectory, RunDirectory, "none", Native.MS_BIND | Native.MS_REC);
            if (err == 0) err = Native.Mount("", RunDirectory, "none", Native.MS_SHARED | Native.MS_REC);
        }
        if (err != 0) throw new ErrnoException($"mount --make-shared {RunDirectory}", err);
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
