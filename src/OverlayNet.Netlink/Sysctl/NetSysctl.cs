using OverlayNet.Netlink.Namespaces;

namespace OverlayNet
{
    /// <summary>One kernel setting under <c>net.</c> in one namespace (<c>sysctl net.ipv4.ip_forward</c>).</summary>
    public class Sysctl
    {
        /// <summary>Dotted, as sysctl(8) writes it; a dot inside an interface name is written as '/'.</summary>
        public string Name { get; set; } = "";
        public string Value { get; set; } = "";
        public string? NetNamespace { get; set; }

        public override string ToString() => $"{Name} = {Value}";
    }
}

namespace OverlayNet.Netlink.Sysctl
{
    /// <summary>
    /// Reads and writes <c>/proc/sys/net</c> inside a namespace. The files show the namespace of the thread
    /// that opens them, so every open happens on a thread that entered the namespace (NetNamespaceRunner).
    /// Only keys under <c>net.</c> are reachable: these are the per-namespace ones.
    /// </summary>
    public static class NetSysctl
    {
        private const string Root = "/proc/sys";

        /// <summary>Checks a dotted key and returns its path under /proc/sys; throws for anything outside net.</summary>
        public static string PathOf(string name)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A sysctl name cannot be empty.");
            string key = name.Trim();
            if (key.Contains('/') && !key.Contains('.'))
                key = key.TrimStart('/').Replace('/', '.'); // net/ipv4/ip_forward, as /proc/sys writes it
            if (!key.StartsWith("net.", StringComparison.Ordinal))
                throw new ArgumentException($"'{name}' is not a network namespace setting: only keys under 'net.' can be read or set here.");
            string[] parts = key.Split('.');
            if (parts.Any(p => p.Length == 0 || p == ".."))
                throw new ArgumentException($"'{name}' is not a valid sysctl name.");
            // sysctl(8): '/' inside a component stands for a '.' in the file name (eth0/100 for eth0.100).
            return Path.Combine(Root, Path.Combine(parts.Select(p => p.Replace('/', '.')).ToArray()));
        }

        /// <summary>The dotted key of an interface's setting: <c>net.ipv4.conf.IFACE.KEY</c>.</summary>
        public static string InterfaceKey(string family, string interfaceName, string key) =>
            $"net.{family}.conf.{interfaceName.Replace('.', '/')}.{key}";

        private static string NameOf(string path) =>
            string.Join('.', Path.GetRelativePath(Root, path).Split('/').Select(p => p.Replace('.', '/')));

        /// <summary>Reads keys in the namespace at <paramref name="nsPath"/> (null: the caller's) that <paramref name="match"/> accepts.</summary>
        public static List<OverlayNet.Sysctl> Read(string? nsPath, Func<string, bool> match, string? nsName)
        {
            return NetNamespaceRunner.Run(nsPath, () =>
            {
                var result = new List<OverlayNet.Sysctl>();
                foreach (string file in Directory.EnumerateFiles(Path.Combine(Root, "net"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    string name = NameOf(file);
                    if (!match(name)) continue;
                    string? value = TryRead(file);
                    if (value != null) result.Add(new OverlayNet.Sysctl { Name = name, Value = value, NetNamespace = nsName });
                }
                return result;
            });
        }

        /// <summary>Reads one key; throws when it does not exist.</summary>
        public static OverlayNet.Sysctl Get(string? nsPath, string name, string? nsName)
        {
            string path = PathOf(name);
            string value = NetNamespaceRunner.Run(nsPath, () => ReadValue(path, name));
            return new OverlayNet.Sysctl { Name = NameOf(path), Value = value, NetNamespace = nsName };
        }

        /// <summary>Writes one key (<c>sysctl -w</c>) in the namespace at <paramref name="nsPath"/>.</summary>
        public static void Set(string? nsPath, string name, string value)
        {
            string path = PathOf(name);
            NetNamespaceRunner.Run(nsPath, () =>
            {
                if (!File.Exists(path)) throw new SysctlNotFoundException(name);
                File.WriteAllText(path, value + "\n");
            });
        }

        private static string ReadValue(string path, string name)
        {
            if (!File.Exists(path)) throw new SysctlNotFoundException(name);
            return Normalize(File.ReadAllText(path));
        }

        private static string? TryRead(string file)
        {
            try
            {
                return Normalize(File.ReadAllText(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null; // write-only keys (flush) and keys that refuse reads
            }
        }

        // Multi-value keys separate values by tabs; sysctl(8) shows them so.
        private static string Normalize(string text) => text.TrimEnd('\n');
    }

    /// <summary>No such key under /proc/sys/net in that namespace (ENOENT).</summary>
    public sealed class SysctlNotFoundException(string name)
        : Interop.ErrnoException($"Cannot find sysctl '{name}' (no such key in this network namespace).", Interop.Errno.ENOENT, "sysctl");
}
