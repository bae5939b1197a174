using System.Collections.Concurrent;
using System.Management.Automation;
using OverlayNet.Agent.Agent;

namespace OverlayNet
{
    /// <summary>One running agent (Get-OverlayAgent's output).</summary>
    public sealed class OverlayAgentInfo
    {
        public string HostName { get; init; } = "";
        public string? NetNamespace { get; init; }
        public string Schema { get; init; } = "";
        /// <summary>The network (OverlayNet schema) or the subnet this host holds (flannel).</summary>
        public string? Network { get; init; }
        public string Device { get; init; } = "";
        public string State { get; init; } = "";
        public string EtcdEndpoint { get; init; } = "";
        public string Lease { get; init; } = "";
        public long Revision { get; init; }
        public int Applied { get; init; }
        public int Removed { get; init; }
        public DateTime StartTime { get; init; }
        public int? JobId { get; init; }
    }
}

namespace OverlayNet.Commands
{
    /// <summary>
    /// Agents running in this process, by host name, so Get-/Stop-OverlayAgent find them whether they run in
    /// the foreground of another runspace or as a job. The shared long-running pattern: a task on the thread
    /// pool, a cancellation source that Ctrl+C, Stop-Job and Stop-OverlayAgent all trigger.
    /// </summary>
    internal static class AgentRegistry
    {
        internal sealed class Handle(OverlayAgent agent, CancellationTokenSource cts)
        {
            public OverlayAgent Agent { get; } = agent;
            public CancellationTokenSource Cancel { get; } = cts;
            public Task? Loop { get; set; }
            public DateTime StartTime { get; } = DateTime.Now;
            public Job? Job { get; set; }

            public OverlayAgentInfo Describe() => new()
            {
                HostName = Agent.Options.HostName,
                NetNamespace = Agent.Options.NetNamespace,
                Schema = Agent.Options.Schema.ToString(),
                Network = Agent.Options.Schema == AgentSchemaKind.Flannel ? Agent.Subnet : Agent.Options.NetworkName,
                Device = Agent.DeviceName,
                State = Loop == null ? "Starting" : Loop.IsCompleted ? (Loop.IsFaulted ? "Failed" : "Stopped") : "Running",
                EtcdEndpoint = Agent.CurrentEndpoint,
                Lease = Agent.Lease.ToString("x"),
                Revision = Agent.Revision,
                Applied = Agent.Applied,
                Removed = Agent.Removed,
                StartTime = StartTime,
                JobId = Job?.Id,
            };
        }

        private static readonly ConcurrentDictionary<string, Handle> Running = new(StringComparer.Ordinal);

        /// <summary>One agent per host and network (a host runs one per overlay network, as Docker does per network).</summary>
        private static string Key(OverlayAgent a) => $"{a.Options.HostName}/{(a.Options.Schema == AgentSchemaKind.Flannel ? a.Options.EtcdPrefix : a.Options.NetworkName)}";

        public static bool TryAdd(Handle h) => Running.TryAdd(Key(h.Agent), h);

        public static void Remove(Handle h) => Running.TryRemove(new KeyValuePair<string, Handle>(Key(h.Agent), h));

        public static IEnumerable<Handle> List() => Running.Values.OrderBy(h => h.Agent.Options.HostName, StringComparer.Ordinal);

        /// <summary>Cancels the agent and waits (bounded) for its loop to end.</summary>
        public static void Stop(Handle h)
        {
            h.Cancel.Cancel();
            try { h.Loop?.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
            Remove(h);
        }
    }

    /// <summary>Start-OverlayAgent -AsJob: events go to the job's output, warnings to its warning stream.</summary>
    internal sealed class AgentJob : Job
    {
        private readonly AgentRegistry.Handle _handle;

        public AgentJob(string command, AgentRegistry.Handle handle) : base(command, $"OverlayAgent-{handle.Agent.Options.HostName}")
        {
            _handle = handle;
            PSJobTypeName = "OverlayAgentJob";
        }

        /// <summary>
        /// How many events the job holds at least (and at most twice as many) until Receive-Job takes them. An
        /// agent runs for days: without a bound, a job nobody reads would keep every Applied/Removed event it
        /// ever wrote. The oldest go first.
        /// </summary>
        internal static int MaxBufferedEvents { get; set; } = 10_000;

        private int _dropWarned;

        /// <summary>
        /// Adds an event to the job's output. Once it holds twice <see cref="MaxBufferedEvents"/>, the oldest are
        /// dropped in one pass, down to <see cref="MaxBufferedEvents"/>. The output is a list that PowerShell
        /// empties from the front: dropping one event per new one moved the whole list each time (slower than
        /// the agent's kernel writes), and its ReadAll does the same per item. One pass per
        /// <see cref="MaxBufferedEvents"/> events costs about one copy per event.
        /// </summary>
        public void AddEvent(AgentEvent ev)
        {
            Output.Add(PSObject.AsPSObject(ev));
            int max = MaxBufferedEvents;
            if (Output.Count <= 2 * max) return;
            // Copied by index, then cleared and added back. The trim comes only when nobody has been reading: a
            // Receive-Job that runs in the middle of one may see an event twice or miss one.
            int count = Output.Count, from = Math.Max(0, count - max);
            var keep = new PSObject[count - from];
            for (int i = from; i < count; i++) keep[i - from] = Output[i];
            Output.Clear();
            foreach (PSObject o in keep) Output.Add(o);
            if (Interlocked.Exchange(ref _dropWarned, 1) == 0)
                Warning.Add(new WarningRecord($"The agent's job keeps its last {max} to {2 * max} events: older ones were dropped. Receive-Job takes them as they come."));
        }

        public void Run(Task loop)
        {
            SetJobState(JobState.Running);
            loop.ContinueWith(t =>
            {
                // The job must reach a final state whatever happens here, or Remove-Job -Force waits for ever.
                try
                {
                    AgentRegistry.Remove(_handle);
                    _handle.Agent.Dispose();
                    if (t.IsFaulted)
                        Error.Add(new ErrorRecord(t.Exception!.GetBaseException(), "OverlayAgentFailed", ErrorCategory.NotSpecified, _handle.Agent.Options.HostName));
                }
                catch (Exception e)
                {
                    Error.Add(new ErrorRecord(e, "OverlayAgentStopFailed", ErrorCategory.NotSpecified, _handle.Agent.Options.HostName));
                }
                finally
                {
                    Finish(t.IsFaulted ? JobState.Failed : _handle.Cancel.IsCancellationRequested ? JobState.Stopped : JobState.Completed);
                }
            }, TaskScheduler.Default);
        }

        public override string StatusMessage => _handle.Describe().State;
        public override bool HasMoreData => Output.Count > 0 || Warning.Count > 0 || Error.Count > 0;
        public override string Location => _handle.Agent.Options.NetNamespace ?? "localhost";

        private int _finished;

        private void Finish(JobState state)
        {
            if (Interlocked.Exchange(ref _finished, 1) == 0) SetJobState(state);
        }

        public override void StopJob()
        {
            _handle.Cancel.Cancel();
            bool ended = false;
            try { ended = _handle.Loop?.Wait(TimeSpan.FromSeconds(5)) ?? true; } catch (AggregateException) { ended = true; }
            if (!ended) Finish(JobState.Stopped);
        }
    }
}
