namespace OverlayNet.Netlink.Protocol;

/// <summary>
/// A message from the kernel (or a test) that does not parse: truncated, a length that points
/// outside its buffer, an attribute too short for its type. Raised instead of IndexOutOfRange.
/// </summary>
public sealed class NetlinkProtocolException : Exception
{
    public NetlinkProtocolException(string message) : base("Malformed netlink message: " + message) { }
}
