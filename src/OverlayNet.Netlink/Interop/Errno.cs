namespace OverlayNet.Netlink.Interop;

/// <summary>
/// The errno values the library and the module test for or raise (Linux, asm-generic/errno-base.h and
/// errno.h), defined here once: code says <c>Errno.EEXIST</c>, never a bare 17.
/// </summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ERANGE = 34;
    public const int ELOOP = 40;
    public const int EOPNOTSUPP = 95;
    public const int EAFNOSUPPORT = 97;
    public const int EADDRNOTAVAIL = 99;
    public const int ENOBUFS = 105;
}
