using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace OverlayNet.Netlink.Interop;

/// <summary>
/// The only place that calls libc. Each wrapper turns a -1 return into an <see cref="ErrnoException"/>
/// so callers never look at errno themselves.
/// </summary>
internal static unsafe partial class Native
{
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;
    public const int SOL_NETLINK = 270;
    public const int MSG_PEEK = 0x2;
    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;
    public const int CLONE_NEWNET = 0x40000000;
    public const int O_RDONLY = 0;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_CLOEXEC = 0x80000;
    public const ulong MS_BIND = 4096;
    public const ulong MS_REC = 16384;
    public const ulong MS_SHARED = 1 << 20;
    public const int MNT_DETACH = 2;
    public const int SYS_gettid = 186;
    public const int EINTR = Interop.Errno.EINTR;
    public const int EAGAIN = Interop.Errno.EAGAIN;
    public const int EINVAL = Interop.Errno.EINVAL;
    public const int ENOBUFS = Interop.Errno.ENOBUFS;

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    public static int Errno => errno;

    public static string StrError(int err)
    {
        byte* buf = stackalloc byte[256];
        // The GNU strerror_r may return a pointer to a static string instead of filling buf; Tmds
        // binds the XSI variant, which fills buf and returns 0.
        strerror_r(err, buf, 256);
        return Marshal.PtrToStringUTF8((IntPtr)buf) ?? $"errno {err}";
    }

    public static int NetlinkSocket(int protocol)
    {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
        if (fd < 0) throw new ErrnoException("socket(AF_NETLINK)", errno);
        var sa = new SockaddrNl { Family = AF_NETLINK };
        if (bind(fd, (sockaddr*)&sa, (uint)sizeof(SockaddrNl)) < 0)
        {
            int e = errno;
            close(fd);
            throw new ErrnoException("bind(AF_NETLINK)", e);
        }
        return fd;
    }

    public const int SO_ATTACH_FILTER = 26;

    /// <summary>One classic BPF instruction (struct sock_filter).</summary>
    public readonly record struct SockFilter(ushort Code, byte JumpTrue, byte JumpFalse, uint K);

    private struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    /// <summary>Attaches a classic BPF program to the socket (SO_ATTACH_FILTER); the kernel checks it.</summary>
    public static void AttachFilter(int fd, SockFilter[] program)
    {
        fixed (SockFilter* p = program)
        {
            var fprog = new SockFprog { Length = (ushort)program.Length, Filter = p };
            if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, (uint)sizeof(SockFprog)) < 0)
                throw new ErrnoException("setsockopt(SO_ATTACH_FILTER)", errno);
        }
    }

    public static void SetSockOptInt(int fd, int level, int name, int value, bool ignoreError = false)
    {
        if (setsockopt(fd, level, name, &value, sizeof(int)) < 0 && !ignoreError)
            throw new ErrnoException($"setsockopt({level},{name})", errno);
    }

    public static void Send(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                long n = send(fd, p, data.Length, 0);
                if (n >= 0) return;
                int e = errno;
                if (e == EINTR) continue;
                throw new ErrnoException("send(netlink)", e);
            }
        }
    }

    /// <summary>Receives one datagram; returns its full length (which may exceed the span with MSG_PEEK|MSG_TRUNC).</summary>
    public static int Recv(int fd, Span<byte> buffer, int flags)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                long n = recv(fd, p, buffer.Length, flags);
                if (n >= 0) return (int)n;
                int e = errno;
                if (e == EINTR) continue;
                throw new ErrnoException("recv(netlink)", e);
            }
        }
    }

    public static void Close(int fd)
    {
        if (fd >= 0) close(fd);
    }

    public static int Open(string path, int flags, uint mode = 0)
    {
        byte[] p = Utf8Z(path);
        fixed (byte* pp = p)
        {
            int fd = open(pp, flags | O_CLOEXEC, (mode_t)mode);
            if (fd < 0) throw new ErrnoException($"open {path}", errno);
            return fd;
        }
    }

    public static void SetNs(int fd, int nstype)
    {
        if (setns(fd, nstype) < 0) throw new ErrnoException("setns", errno);
    }

    public static void Unshare(int flags)
    {
        if (unshare(flags) < 0) throw new ErrnoException("unshare", errno);
    }

    /// <summary>mount(2); returns errno instead of throwing so callers can try a fallback.</summary>
    public static int Mount(string? source, string target, string? fstype, ulong flags)
    {
        byte[]? s = source == null ? null : Utf8Z(source);
        byte[] t = Utf8Z(target);
        byte[]? f = fstype == null ? null : Utf8Z(fstype);
        fixed (byte* ps = s) fixed (byte* pt = t) fixed (byte* pf = f)
        {
            return mount(ps, pt, pf, (ulong_t)flags, null) < 0 ? errno : 0;
        }
    }

    public static int Umount2(string target, int flags)
    {
        byte[] t = Utf8Z(target);
        fixed (byte* pt = t) return umount2(pt, flags) < 0 ? errno : 0;
    }

    public static int GetTid() => (int)(long)syscall(SYS_gettid);

    /// <summary>Device and inode of a file: the identity of a namespace behind an nsfs file.</summary>
    public static (ulong Dev, ulong Ino) StatIdentity(string path)
    {
        byte[] p = Utf8Z(path);
        stat st;
        fixed (byte* pp = p)
        {
            if (stat(pp, &st) < 0) throw new ErrnoException($"stat {path}", errno);
        }
        return ((ulong)st.st_dev, (ulong)st.st_ino);
    }

    public static (ulong Dev, ulong Ino) FStatIdentity(int fd)
    {
        stat st;
        if (fstat(fd, &st) < 0) throw new ErrnoException("fstat", errno);
        return ((ulong)st.st_dev, (ulong)st.st_ino);
    }

    public static int IoctlPtr(int fd, int request, void* arg) => ioctl(fd, request, arg) < 0 ? errno : 0;

    public const int O_RDWR = 2;
    public const int O_NONBLOCK = 0x800;
    // linux/if_tun.h: _IOW('T', n, int).
    public const int TUNSETIFF = 0x400454ca, TUNSETPERSIST = 0x400454cb, TUNSETOWNER = 0x400454cc,
        TUNSETGROUP = 0x400454ce;

    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private struct IfReqFlags
    {
        public fixed byte Name[16];
        public short Flags;
    }

    /// <summary>TUNSETIFF: attaches the /dev/net/tun file to a device of that name, creating it if need be.</summary>
    public static void TunSetIff(int fd, string name, short flags)
    {
        var req = new IfReqFlags { Flags = flags };
        byte[] n = Utf8Z(name);
        if (n.Length > 16) throw new ArgumentException($"Interface name '{name}' is longer than 15 bytes.");
        for (int i = 0; i < n.Length; i++) req.Name[i] = n[i];
        if (ioctl(fd, TUNSETIFF, &req) < 0) throw new ErrnoException($"ioctl(TUNSETIFF) for '{name}'", errno);
    }

    /// <summary>An ioctl whose argument is a plain number (TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST).</summary>
    public static void IoctlValue(int fd, int request, ulong value, string what)
    {
        if (ioctl(fd, request, (void*)value) < 0) throw new ErrnoException($"ioctl({what})", errno);
    }

    private static byte[] Utf8Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
        return bytes;
    }
}
