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
            17 => ErrorCategory.ResourceExists,              // EEXIST
            19 or 2 or 3 or 99 => ErrorCategory.ObjectNotFound, // ENODEV, ENOENT, ESRCH, EADDRNOTAVAIL
            1 or 13 => ErrorCategory.PermissionDenied,       // EPERM, EACCES
            22 or 34 or 40 or 97 => ErrorCategory.InvalidArgument, // EINVAL, ERANGE, ELOOP (a bridge in a bridge), EAFNOSUPPORT
            95 => ErrorCategory.NotImplemented,              // EOPNOTSUPP
            16 => ErrorCategory.ResourceBusy,                // EBUSY
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
