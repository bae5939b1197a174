using OverlayNet.Netlink.Interop;
using System.Management.Automation;
using OverlayNet.Netlink.Namespaces;

namespace OverlayNet.Commands;

/// <summary>
/// <c>ip netns attach NAME PID</c>: gives a running process's network namespace a name under /run/netns, or
/// names an existing namespace file (-Path, e.g. Docker's /run/docker/netns/ID).
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "NetNamespace", SupportsShouldProcess = true, DefaultParameterSetName = "ProcessId")]
[OutputType(typeof(NetNamespace))]
public sealed class RegisterNetNamespaceCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = "ProcessId", ValueFromPipelineByPropertyName = true)]
    [Alias("Pid", "Id")]
    [ValidateRange(1, int.MaxValue)]
    public int ProcessId { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Path", ValueFromPipelineByPropertyName = true)]
    public string Path { get; set; } = "";

    protected override void ProcessRecord()
    {
        string source = ParameterSetName == "Path" ? Path : $"/proc/{ProcessId}/ns/net";
        try
        {
            string? problem = NetNamespaceStore.CheckName(Name);
            if (problem != null) throw new ArgumentException(char.ToUpperInvariant(problem[0]) + problem[1..] + ".");
            if (ParameterSetName == "ProcessId" && !Directory.Exists($"/proc/{ProcessId}"))
                throw new NetNamespaceException($"There is no process with id {ProcessId}.", Errno.ESRCH);
            if (!ShouldProcess(Name, $"Name the network namespace {source}")) return;
            NetNamespaceStore.Attach(Name, source);
            WriteObject(NetNamespaceReader.Read([Name]).First());
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteError(Errors.Record(e, "RegisterNetNamespaceFailed", Name, $"Cannot register network namespace '{Name}' for {source}"));
        }
    }
}

/// <summary>Removes a namespace's name (/run/netns/NAME) only; the namespace lives on while a process uses it.</summary>
[Cmdlet(VerbsLifecycle.Unregister, "NetNamespace", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class UnregisterNetNamespaceCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public string[] Name { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (string name in Name)
        {
            try
            {
                if (!ShouldProcess(name, "Remove the namespace name")) continue;
                NetNamespaceStore.Delete(name);
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteError(Errors.Record(e, "UnregisterNetNamespaceFailed", name, $"Cannot unregister network namespace '{name}'"));
            }
        }
    }
}
