using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary>
/// A job in the session's job table for <see cref="BackgroundWork"/> started with -AsJob: Running while the work
/// runs; Stop-Job stops the work (Stopped); the work ending by itself makes it Completed, or Failed with the
/// failure as the job's error (Receive-Job shows it).
/// </summary>
public sealed class BackgroundWorkJob : Job
{
    private readonly BackgroundWork _work;
    private readonly Func<Exception, ErrorRecord> _toError;
    private readonly object _gate = new();
    private bool _finished;

    public BackgroundWorkJob(string command, string name, BackgroundWork work, Func<Exception, ErrorRecord> toError)
        : base(command, name)
    {
        _work = work;
        _toError = toError;
        PSJobTypeName = "OverlayNetJob";
        SetJobState(JobState.Running);
        // Synchronously, so the job's state has changed by the time the work's Stop() returns (Stop-TunForwarder
        // followed by Remove-Job works).
        work.Completion.ContinueWith(_ => Finish(stopped: false), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0;
    public override string Location => Environment.MachineName;
    public override string StatusMessage => _work.Fault?.Message ?? "";

    public override void StopJob()
    {
        _work.Stop();
        Finish(stopped: true);
    }

    private void Finish(bool stopped)
    {
        lock (_gate)
        {
            if (_finished) return;
            _finished = true;
        }
        try
        {
            if (_work.Fault is Exception fault)
            {
                Error.Add(_toError(fault));
                SetJobState(JobState.Failed);
            }
            else SetJobState(stopped ? JobState.Stopped : JobState.Completed);
        }
        catch (Exception)
        {
            // This may run on the work's own last thread: nothing may escape it (that would end the process).
        }
    }
}
