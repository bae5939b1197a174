using System.Runtime.InteropServices;

namespace OverlayNet.Forwarding.Interop;

/// <summary>
/// The libc calls of the data path. Tmds.LibC (used by the netlink library) has no recvmmsg/sendmmsg, so this
/// project binds the few calls it needs itself; every one sets errno, read with <see cref="Errno"/>.
/// Struct layouts are x86-64/aarch64 Linux (LP64).
/// </summary>
internal static unsafe partial class Libc
{
    public const int AF_INET = 2, AF_INET6 = 10;
    public const int SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SO_REUSEPORT = 15, SO_SNDBUF = 7, SO_RCVBUF = 8,
        SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33;
    public const int IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;
    // UDP generic segmentation (send one buffer of equal-size datagrams) and receive-side coalescing (linux/udp.h).
    public const int SOL_UDP = 17, UDP_SEGMENT = 103, UDP_GRO = 104;
    // TUN offloads (linux/if_tun.h): ioctls and the TUNSETOFFLOAD feature bits.
    public const uint TUNSETOFFLOAD = 0x400454d0;
    public const uint TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04;
    public const int MSG_WAITFORONE = 0x10000;
    public const int SHUT_RD = 0;
    public const int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1;
    public const uint EPOLLIN = 0x1, EPOLLERR = 0x8, EPOLLHUP = 0x10;
    public const int EINTR = 4, EIO = 5, EAGAIN = 11, EBADFD = 77, EFAULT = 14, EINVAL = 22, EMSGSIZE = 90;
    public const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>struct cmsghdr; its data follows at offset 16 (CMSG_DATA on LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>CMSG_SPACE(sizeof(int)): one control message carrying an int (UDP_SEGMENT sends a u16, UDP_GRO receives an int).</summary>
    public const int CMsgIntSpace = 24;
    /// <summary>CMSG_LEN(n) for a payload of n bytes.</summary>
    public static nuint CMsgLength(int payload) => (nuint)(16 + payload);

    /// <summary>
    /// sizeof(struct epoll_event): packed to 12 bytes on x86-64, 16 elsewhere. Its first field, the event bits,
    /// is all the data path reads, so it handles the struct as bytes rather than with two layouts.
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    /// <summary>Room for a sockaddr_in or sockaddr_in6.</summary>
    public const int SockAddrSize = 28;

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string StrError(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, byte* addr, uint length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, int* value, uint length);

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "writev", SetLastError = true)]
    public static partial nint WriteV(int fd, IoVec* iov, int count);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nuint argument);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epollFd, int operation, int fd, byte* epollEvent);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epollFd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
