using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using OverlayNet.Netlink.Namespaces;

namespace OverlayNet.Commands;

/// <summary>
/// <c>ip netns exec NS ...</c>: runs PowerShell code or a program inside a namespace. The work runs on a
/// thread of its own that entered the namespace (setns changes only the calling thread, and this session's
/// threads must stay where they are): a script block gets a fresh runspace on that thread with OverlayNet
/// loaded, so cmdlets without -NetNamespace and programs it starts act inside; a program is started from
/// that thread, so it inherits the namespace. Output streams back as it comes.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "NetNamespace", DefaultParameterSetName = "ScriptBlock")]
[OutputType(typeof(PSObject))]
public sealed class InvokeNetNamespaceCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("NetNamespace")]
    [ArgumentCompleter(typeof(NetNamespaceCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Code to run inside. It runs in a new runspace: pass values in with -ArgumentList ($args or param()).</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = "ScriptBlock")]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    /// <summary>A program to run inside (looked up on PATH); its exit code lands in $LASTEXITCODE.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "FilePath")]
    public string FilePath { get; set; } = "";

    [Parameter(Position = 2, ValueFromRemainingArguments = true)]
    [Alias("Args")]
    public object[] ArgumentList { get; set; } = [];

    private enum Kind { Output, Error, Warning, Verbose, Information, Failure }

    private readonly BlockingCollection<(Kind Kind, object Item)> _queue = new();
    private PowerShell? _inner;
    private Process? _process;
    private string? _workingDirectory;

    protected override void ProcessRecord()
    {
        string path;
        try
        {
            path = NetNamespaceStore.Resolve(Name);
        }
        catch (Exception e) when (e is ArgumentException or Netlink.Interop.ErrnoException)
        {
            WriteError(Errors.Record(e, "NetNamespaceNotFound", Name, $"Cannot run in network namespace '{Name}'"));
            return;
        }

        _workingDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        string? modulePath = MyInvocation.MyCommand.Module?.ModuleBase is string b && File.Exists(Path.Combine(b, "OverlayNet.psd1"))
            ? Path.Combine(b, "OverlayNet.psd1")
            : MyInvocation.MyCommand.Module?.Path;
        var thread = new Thread(() =>
        {
            try
            {
                NetNamespaceRunner.Enter(path);
                if (ParameterSetName == "ScriptBlock") RunScript(modulePath);
                else RunProgram();
            }
            catch (Exception e)
            {
                _queue.Add((Kind.Failure, e));
            }
            finally
            {
                _queue.CompleteAdding();
            }
        }) { IsBackground = true, Name = "netns exec " + Name };
        thread.Start();

        foreach (var (kind, item) in _queue.GetConsumingEnumerable())
        {
            switch (kind)
            {
                case Kind.Output: WriteObject(item); break;
                case Kind.Error: WriteError((ErrorRecord)item); break;
                case Kind.Warning: WriteWarning((string)item); break;
                case Kind.Verbose: WriteVerbose((string)item); break;
                case Kind.Information: WriteInformation((InformationRecord)item); break;
                case Kind.Failure:
                    var e = (Exception)item;
                    WriteError(Errors.Record(e, "InvokeNetNamespaceFailed", Name, $"Cannot run in network namespace '{Name}'"));
                    break;
            }
        }
        thread.Join();
        if (_process != null) SessionState.PSVariable.Set("global:LASTEXITCODE", _process.ExitCode);
    }

    private void RunScript(string? modulePath)
    {
        InitialSessionState iss = InitialSessionState.CreateDefault2();
        if (modulePath != null) iss.ImportPSModule([modulePath]);
        iss.ThreadOptions = PSThreadOptions.UseCurrentThread;
        using Runspace rs = RunspaceFactory.CreateRunspace(iss);
        rs.ThreadOptions = PSThreadOptions.UseCurrentThread;
        rs.Open();
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = rs;
        _inner = ps;
        ps.AddScript(ScriptBlock.ToString());
        foreach (object a in ArgumentList) ps.AddArgument(a is PSObject p ? p.BaseObject : a);
        var output = new PSDataCollection<PSObject>();
        output.DataAdded += (_, e) => _queue.Add((Kind.Output, output[e.Index]));
        ps.Streams.Error.DataAdded += (_, e) => _queue.Add((Kind.Error, ps.Streams.Error[e.Index]));
        ps.Streams.Warning.DataAdded += (_, e) => _queue.Add((Kind.Warning, ps.Streams.Warning[e.Index].Message));
        ps.Streams.Verbose.DataAdded += (_, e) => _queue.Add((Kind.Verbose, ps.Streams.Verbose[e.Index].Message));
        ps.Streams.Information.DataAdded += (_, e) => _queue.Add((Kind.Information, ps.Streams.Information[e.Index]));
        ps.Invoke(null, output);
    }

    private void RunProgram()
    {
        var psi = new ProcessStartInfo(FilePath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // As a native command would: start in PowerShell's current location, not the process's.
            WorkingDirectory = _workingDirectory,
        };
        foreach (object a in ArgumentList) psi.ArgumentList.Add(LanguagePrimitives.ConvertTo<string>(a));
        // Process.Start forks from this thread, so the child starts in the namespace this thread entered.
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start '{FilePath}'.");
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) _queue.Add((Kind.Output, e.Data)); };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null)
                _queue.Add((Kind.Error, new ErrorRecord(new Exception(e.Data), "NativeCommandError", ErrorCategory.NotSpecified, FilePath)));
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.WaitForExit();
    }

    protected override void StopProcessing()
    {
        _inner?.Stop();
        try
        {
            if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
