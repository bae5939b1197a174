using System.Runtime.ExceptionServices;
using OverlayNet.Netlink.Interop;

namespace OverlayNet.Netlink.Namespaces;

/// <summary>
/// Runs work inside a network namespace. setns() changes only the calling thread, so the work runs on a
/// dedicated, short-lived thread that enters the namespace and then ends; no thread-pool thread (and no
/// thread PowerShell uses) ever changes namespace. Sockets opened there stay bound to that namespace after
/// the thread is gone, which is how every per-namespace socket in this library is made.
/// </summary>
public static class NetNamespaceRunner
{
    /// <summary>Runs <paramref name="work"/> in the namespace at <paramref name="nsPath"/>, or on the calling thread when null.</summary>
    public static T Run<T>(string? nsPath, Func<T> work)
    {
        if (nsPath == null) return work();
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(nsPath);
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, maxStackSize: 1 << 20)
        {
            IsBackground = true,
            Name = "netns " + nsPath,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public static void Run(string? nsPath, Action work) => Run<object?>(nsPath, () => { work(); return null; });

    /// <summary>
    /// Moves the calling thread into the namespace for good. Only for threads this library owns
    /// (the thread in <see cref="Run{T}"/>, or one made for Invoke-NetNamespace).
    /// </summary>
    public static void Enter(string nsPath)
    {
        int fd = Native.Open(nsPath, Native.O_RDONLY);
        try
        {
            Native.SetNs(fd, Native.CLONE_NEWNET);
        }
        catch (ErrnoException e) when (e.Errno == Native.EINVAL)
        {
            throw new NetNamespaceException($"'{nsPath}' is not a network namespace.", e.Errno);
        }
        finally
        {
            Native.Close(fd);
        }
    }
}

/// <summary>A namespace that does not exist or cannot be used, with errno when there is one.</summary>
public sealed class NetNamespaceException(string message, int errno) : ErrnoException(message, errno, "netns");
