using System.Management.Automation;
using System.Net;
using OverlayNet.Forwarding;
using Engine = OverlayNet.Forwarding.TunForwarder;

namespace OverlayNet.Commands;

/// <summary>
/// flanneld's UDP backend: forwards IP packets between a TUN device and UDP datagrams to peer hosts, in the
/// foreground until Ctrl+C or Stop-TunForwarder, or as a job with -AsJob.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "TunForwarder", SupportsShouldProcess = true)]
[OutputType(typeof(TunForwarder), typeof(Job))]
public sealed class StartTunForwarderCommand : LongRunningCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string TunName { get; set; } = "";

    [Parameter(Mandatory = true)]
    public IPAddress LocalAddress { get; set; } = IPAddress.None;

    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = TunForwarderOptions.DefaultPort;

    [Parameter]
    public object[]? Route { get; set; }

    [Parameter]
    [ValidateRange(68, 65535)]
    public int Mtu { get; set; } = TunForwarderOptions.DefaultMtu;

    [Parameter]
    [ValidateRange(1, 64)]
    public int Queues { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <summary>Runs without the TUN offloads: one packet per TUN read or write, as flanneld does.</summary>
    [Parameter]
    public SwitchParameter NoOffload { get; set; }

    protected override void ProcessRecord()
    {
        string target = Describe(TunName);
        // Everything the user typed is checked before anything changes.
        List<KeyValuePair<IpPrefix, IPAddress>> routes;
        string? path;
        TunForwarderOptions options;
        try
        {
            path = NamespacePath;
            options = new TunForwarderOptions
            {
                TunName = TunName, LocalAddress = LocalAddress, Port = Port, Mtu = Mtu, Queues = Queues, NamespacePath = path,
                Offload = !NoOffload.IsPresent,
            };
            routes = RouteInput.Parse(Route);
            options.Validate();
            foreach (var (subnet, address) in routes)
                if (address.AddressFamily != LocalAddress.AddressFamily)
                    throw new ArgumentException($"Peer address {address} for {subnet} is not of the local address {LocalAddress}'s family.");
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            ThrowTerminatingError(Errors.Record(e, "TunForwarderInvalidArgument", TunName, "Start-TunForwarder"));
            return;
        }
        if (!ShouldProcess(target, $"Forward packets between the TUN device and UDP {LocalAddress}:{Port}")) return;

        TunForwarderRegistry.Entry entry;
        try
        {
            entry = TunForwarderRegistry.Start(NetNamespace, path, TunName, LocalAddress, Port,
                () => Engine.Start(options, routes));
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            ThrowTerminatingError(Errors.Record(e, "TunForwarderStartFailed", TunName, $"Start forwarder on {target}"));
            return;
        }
        Engine engine = entry.Engine;
        var work = new BackgroundWork(engine.Completion, () => engine.Fault, engine.Stop);
        RunToEnd(work, $"TunForwarder {TunName}", entry.Snapshot(), "TunForwarderFailed", TunName, $"Forwarder on {target}");
    }
}
