using System.Collections.Concurrent;
using System.Diagnostics;

namespace OverlayNet.Agent.Agent;

/// <summary>
/// Opt-in timestamps of an agent's steps (watch response in, diff done, batch sent, kernel ack), for
/// bench/Agents.Bench.ps1's breakdown of where the time goes. Off (one null check per step) unless a caller
/// sets <see cref="Sink"/>; timestamps are <see cref="Stopwatch.GetTimestamp"/> ticks.
/// </summary>
public static class AgentTrace
{
    public readonly record struct Mark(long Timestamp, string Host, string Step, long Revision, int Count);

    public static ConcurrentQueue<Mark>? Sink { get; set; }

    internal static void Step(string host, string step, long revision = 0, int count = 0) =>
        Sink?.Enqueue(new Mark(Stopwatch.GetTimestamp(), host, step, revision, count));
}
