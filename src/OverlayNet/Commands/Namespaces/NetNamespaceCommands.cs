using OverlayNet.Netlink.Interop;
using System.Management.Automation;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>Builds NetNamespace objects for names under /run/netns.</summary>
internal static class NetNamespaceReader
{
    public static IEnumerable<NetNamespace> Read(IEnumerable<string> names)
    {
        Dictionary<ulong, List<int>> pids = NetNamespaceStore.ProcessesByNamespace();
        using RtnlClient caller = RtnlClient.Open();
        foreach (string name in names)
        {
            string path = Path.Combine(NetNamespaceStore.RunDirectory, name);
            ulong? inode = NetNamespaceStore.TryGetInode(path);
            yield return new NetNamespace
            {
                Name = name,
                Path = path,
                Inode = inode,
                Id = inode == null ? null : caller.GetNetNsId(path),
                ProcessIds = inode is ulong i && pids.TryGetValue(i, out var list) ? list.ToArray() : [],
            };
        }
    }
}

/// <summary><c>ip netns add NAME</c>.</summary>
[Cmdlet(VerbsCommon.New, "NetNamespace", SupportsShouldProcess = true)]
[OutputType(typeof(NetNamespace))]
public sealed class NewNetNamespaceCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] Name { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (string name in Name)
        {
            try
            {
                string? problem = NetNamespaceStore.CheckName(name);
                if (problem != null) throw new ArgumentException(char.ToUpperInvariant(problem[0]) + problem[1..] + ".");
                if (!ShouldProcess(name, "Create network namespace")) continue;
                NetNamespaceStore.Create(name);
                WriteObject(NetNamespaceReader.Read([name]).First());
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteError(Errors.Record(e, "NewNetNamespaceFailed", name, $"Cannot create network namespace '{name}'"));
            }
        }
    }
}

/// <summary><c>ip netns del NAME</c>: the namespace goes away once nothing else holds it.</summary>
[Cmdlet(VerbsCommon.Remove, "NetNamespace", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveNetNamespaceCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("NetNamespace")]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public string[] Name { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (string name in Name)
        {
            try
            {
                if (!ShouldProcess(name, "Remove network namespace")) continue;
                NetNamespaceStore.Delete(name);
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteError(Errors.Record(e, "RemoveNetNamespaceFailed", name, $"Cannot remove network namespace '{name}'"));
            }
        }
    }
}

/// <summary><c>ip netns list</c>, or <c>ip netns identify PID</c> with -ProcessId.</summary>
[Cmdlet(VerbsCommon.Get, "NetNamespace", DefaultParameterSetName = "Name")]
[OutputType(typeof(NetNamespace))]
public sealed class GetNetNamespaceCommand : PSCmdlet
{
    // Not bound from the pipeline: a piped process (Get-Process nginx | Get-NetNamespace) must bind its Id
    // to -ProcessId, not its process name to -Name.
    [Parameter(Position = 0, ParameterSetName = "Name")]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>The named namespaces a process is in (<c>ip netns identify PID</c>).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "ProcessId", ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "Pid")]
    public int ProcessId { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            List<string> names = NetNamespaceStore.ListNames().ToList();
            IEnumerable<NetNamespace> found = NetNamespaceReader.Read(names);
            if (ParameterSetName == "ProcessId")
            {
                string nsFile = $"/proc/{ProcessId}/ns/net";
                ulong inode = NetNamespaceStore.TryGetInode(nsFile)
                    ?? throw new ArgumentException($"There is no process {ProcessId} (or its namespace cannot be read).");
                WriteObject(found.Where(n => n.Inode == inode), enumerateCollection: true);
                return;
            }
            WildcardPattern[]? patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            foreach (NetNamespace ns in found)
                if (patterns == null || patterns.Any(p => p.IsMatch(ns.Name))) WriteObject(ns);
            foreach (string n in Name ?? [])
            {
                if (!WildcardPattern.ContainsWildcardCharacters(n) && !names.Contains(n))
                    WriteError(Errors.Record(new NetNamespaceException($"Network namespace '{n}' does not exist.", Errno.ENOENT),
                        "NetNamespaceNotFound", n, $"Cannot get network namespace '{n}'"));
            }
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteError(Errors.Record(e, "GetNetNamespaceFailed", Name, "Cannot list network namespaces"));
        }
    }
}
