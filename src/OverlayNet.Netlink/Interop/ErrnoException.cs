namespace OverlayNet.Netlink.Interop;

/// <summary>A failed system call, carrying errno so callers can map it to a PowerShell ErrorCategory.</summary>
public class ErrnoException : Exception
{
    public int Errno { get; }
    public string Operation { get; }

    public ErrnoException(string operation, int errno)
        : base($"{operation}: {Native.StrError(errno)}")
    {
        Operation = operation;
        Errno = errno;
    }

    protected ErrnoException(string message, int errno, string operation) : base(message)
    {
        Errno = errno;
        Operation = operation;
    }
}

