using System.Management.Automation;
using System.Net;
using System.Net.NetworkInformation;
using OverlayNet.Netlink.Diagnostics;

namespace OverlayNet.Commands;

/// <summary>
/// <c>ip netns exec NS ping -c N ADDRESS</c> without a ping binary: ICMP echo from a socket opened inside the
/// namespace. One object per request, Status 'Success' for a reply, as Test-Connection reports it.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "IpConnectivity")]
[OutputType(typeof(PingResult), typeof(bool))]
public sealed class TestIpConnectivityCommand : OverlayNetCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("IPAddress", "TargetName")]
    public IPAddress[] Destination { get; set; } = [];

    [Parameter]
    [ValidateRange(1, 100000)]
    public int Count { get; set; } = 4;

    /// <summary>How long to wait for each reply.</summary>
    [Parameter]
    [ValidateRange(1, 600000)]
    public int TimeoutMs { get; set; } = 1000;

    /// <summary>Output only True when at least one reply came back, False otherwise.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        foreach (IPAddress destination in Destination)
        {
            Try("TestIpConnectivityFailed", destination, $"Cannot ping {destination}", () =>
            {
                using var echo = new IcmpEcho(NamespacePath, destination.AddressFamily);
                bool anyReply = false;
                for (int seq = 1; seq <= Count; seq++)
                {
                    PingResult r = echo.Send(destination, seq, TimeSpan.FromMilliseconds(TimeoutMs));
                    r.NetNamespace = NetNamespace;
                    anyReply |= r.Status == IPStatus.Success;
                    if (!Quiet) WriteObject(r);
                }
                if (Quiet) WriteObject(anyReply);
            });
        }
    }
}
