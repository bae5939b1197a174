using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary>
/// Something a long-running cmdlet started that goes on by itself (a forwarder, an agent, a watch) until it is
/// stopped or fails: what <see cref="LongRunningCmdlet"/> and <see cref="BackgroundWorkJob"/> need to know of it.
/// </summary>
public sealed class BackgroundWork(Task completion, Func<Exception?> fault, Action stop)
{
    /// <summary>Completes when the work has ended (stopped or failed) and released everything it held.</summary>
    public Task Completion { get; } = completion;
    /// <summary>Why the work ended by itself; null when it was stopped or is still running.</summary>
    public Exception? Fault => fault();
    /// <summary>Stops the work and waits until it has ended.</summary>
    public void Stop() => stop();
}

/// <summary>
/// The one pattern long-running cmdlets share (Start-TunForwarder; meant for Watch-NetlinkEvent and
/// Start-OverlayAgent too): the cmdlet starts the work, then either hands back a job (<c>-AsJob</c>) that lives
/// in the session's job table (Get-Job, Stop-Job, Receive-Job for a failure), or stays in the foreground until
/// the work ends or the user presses Ctrl+C (StopProcessing), which stops the work before the cmdlet returns.
/// A failure of the work in the foreground is a terminating error; in a job it is the job's error and state Failed.
/// The matching <c>Stop-*</c> cmdlet stops the same work from anywhere in the session; either way ends it.
/// </summary>
public abstract class LongRunningCmdlet : OverlayNetCmdlet
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Run in the background as a job of this session; the job is written to the pipeline.</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>
    /// Hands <paramref name="work"/> to a job (with -AsJob) or waits in the foreground until it ends or Ctrl+C.
    /// <paramref name="started"/> is written first in the foreground (the job replaces it with -AsJob).
    /// </summary>
    protected void RunToEnd(BackgroundWork work, string jobName, object? started, string errorId, object target, string activity)
    {
        if (AsJob)
        {
            var job = new BackgroundWorkJob(MyInvocation.Line, jobName, work, e => Errors.Record(e, errorId, target, activity));
            JobRepository.Add(job);
            WriteObject(job);
            return;
        }
        if (started != null) WriteObject(started);
        try
        {
            work.Completion.Wait(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
            work.Stop();           // Ctrl+C: the work ends with the command, leaving nothing behind
            return;
        }
        if (work.Fault is Exception fault) ThrowTerminatingError(Errors.Record(fault, errorId, target, activity));
    }

    protected override void StopProcessing()
    {
        _stopping.Cancel();
        base.StopProcessing();
    }
}
