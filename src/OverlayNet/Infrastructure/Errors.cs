using System.Management.Automation;
using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Commands;

/// <summary>Turns exceptions into error records with the categories API.md fixes (errno → ErrorCategory).</summary>
public static class Errors
{
    public static ErrorRecord Record(Exception e, string errorId, object? target, string activity)
    {
        var record = new ErrorRecord(e, errorId, Category(e), target);
        string message = e.Message;
        record.ErrorDetails = new ErrorDetails($"{activity}: {message}");
        if (e is NetlinkException ne && ne.KernelMessage != null)
            record.ErrorDetails.RecommendedAction = "The kernel's own words: " + ne.KernelMessage;
        return record;
    }

    public static ErrorCategory Category(Exception e) => e switch
    {
        ErrnoException x => x.Errno switch
        {
            Errno.EEXIST => ErrorCategory.ResourceExists,
            Errno.ENODEV or Errno.ENOENT or Errno.ESRCH or Errno.EADDRNOTAVAIL => ErrorCategory.ObjectNotFound,
            Errno.EPERM or Errno.EACCES => ErrorCategory.PermissionDenied,
            // ELOOP: a bridge in a bridge.
            Errno.EINVAL or Errno.ERANGE or Errno.ELOOP or Errno.EAFNOSUPPORT => ErrorCategory.InvalidArgument,
            Errno.EOPNOTSUPP => ErrorCategory.NotImplemented,
            Errno.EBUSY => ErrorCategory.ResourceBusy,
            _ => ErrorCategory.NotSpecified,
        },
        ArgumentException or FormatException => ErrorCategory.InvalidArgument,
        UnauthorizedAccessException => ErrorCategory.PermissionDenied,
        TimeoutException => ErrorCategory.OperationTimeout,
        OverlayNet.Agent.Store.StoreUnavailableException => ErrorCategory.ResourceUnavailable,
        NetlinkProtocolException => ErrorCategory.ProtocolError,
        _ => ErrorCategory.NotSpecified,
    };
}
