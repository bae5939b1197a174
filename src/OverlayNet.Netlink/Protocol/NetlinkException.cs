using OverlayNet.Netlink.Interop;

namespace OverlayNet.Netlink.Protocol;

/// <summary>
/// The kernel refused a request. <see cref="KernelMessage"/> is the extended-ack text (for example
/// "Unknown device type"), which is what a user most needs to see; <see cref="Errno"/> maps to an error category.
/// </summary>
public sealed class NetlinkException : ErrnoException
{
    public string? KernelMessage { get; }
    public int? BadAttributeOffset { get; }

    public NetlinkException(int errno, string? kernelMessage, int? offset = null)
        : base(Format(errno, kernelMessage), errno, "netlink")
    {
        KernelMessage = kernelMessage;
        BadAttributeOffset = offset;
    }

    private static string Format(int errno, string? kernelMessage)
    {
        string err = Native.StrError(errno);
        return string.IsNullOrEmpty(kernelMessage) ? err : $"{kernelMessage} ({err})";
    }
}
