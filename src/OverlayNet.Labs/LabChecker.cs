using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using OverlayNet.Labs.Journal;
using OverlayNet.Netlink.Diagnostics;
using OverlayNet.Netlink.Namespaces;

namespace OverlayNet.Labs;

/// <summary>
/// Runs a lab's checks: one ICMP echo at a time from inside the source namespace, retried up to
/// <c>attempts</c> times, since the first echoes may go unanswered while ARP and FDB entries settle.
/// A check that expects failure is tried only once per attempt budget too, and passes when nothing answers.
/// </summary>
public static class LabChecker
{
    public static IEnumerable<LabCheckResult> Run(string lab, IEnumerable<RecordedCheck> checks, int attempts, TimeSpan timeout)
    {
        foreach (RecordedCheck c in checks)
        {
            var result = new LabCheckResult { Lab = lab, From = c.From, To = c.To, Destination = c.Destination, Expect = c.Expect };
            using var echo = new IcmpEcho(NetNamespaceStore.Resolve(c.FromNamespace), AddressFamily.InterNetwork);
            IPAddress dest = IPAddress.Parse(c.Destination);
            // Expecting silence: fewer tries suffice, and every one must stay unanswered.
            int tries = c.Expect == CheckExpectation.Failure ? Math.Min(2, attempts) : attempts;
            for (int i = 0; i < tries && !result.Reached; i++)
            {
                PingResult r = echo.Send(dest, i + 1, timeout);
                if (r.Status == IPStatus.Success)
                {
                    result.Reached = true;
                    result.RoundTripMs = r.RoundTripMs;
                }
            }
            yield return result;
        }
    }

    public static IEnumerable<RecordedCheck> ChecksOf(LabTopology lab) =>
        lab.Checks.Select(c => new RecordedCheck(c.From, lab.NamespaceOf(c.From), c.To, c.Destination.ToString(), c.Expect));
}
