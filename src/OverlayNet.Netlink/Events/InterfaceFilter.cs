using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Events;

/// <summary>
/// A classic BPF program for an event socket that keeps one interface's addresses, neighbours and FDB entries
/// (and every other message) and drops the same tables' notifications for other interfaces in the kernel,
/// before they are queued, copied and decoded. An agent that keeps one VXLAN device then does no work for a
/// host's other neighbour traffic (a bridge learning, ARP on eth0), which on a busy host is most of it.
/// Those messages carry the interface index at the same place: the ndmsg's and the ifaddrmsg's, right after
/// the 16-byte netlink header. The kernel sends each notification in a datagram of its own.
/// </summary>
internal static class InterfaceFilter
{
    // linux/filter.h, linux/bpf_common.h
    private const ushort LdHAbs = 0x00 | 0x08 | 0x20;   // BPF_LD | BPF_H | BPF_ABS
    private const ushort LdWAbs = 0x00 | 0x00 | 0x20;   // BPF_LD | BPF_W | BPF_ABS
    private const ushort JeqK = 0x05 | 0x10 | 0x00;     // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort RetK = 0x06 | 0x00;            // BPF_RET | BPF_K
    private const uint Keep = uint.MaxValue, Drop = 0;

    /// <summary>The message types whose header starts with an interface index at byte 20.</summary>
    private static readonly ushort[] PerInterface = [Rtm.NEWNEIGH, Rtm.DELNEIGH, Rtm.GETNEIGH, Rtm.NEWADDR, Rtm.DELADDR];

    /// <summary>The program keeping <paramref name="interfaceIndex"/>'s messages of those types, and every other message.</summary>
    internal static Native.SockFilter[] Program(int interfaceIndex)
    {
        var p = new List<Native.SockFilter> { new(LdHAbs, 0, 0, 4) };            // A = nlmsg_type
        int checks = PerInterface.Length;
        for (int i = 0; i < checks; i++)
            p.Add(new(JeqK, (byte)(checks - i), 0, Host16(PerInterface[i])));      // to the index check
        p.Add(new(RetK, 0, 0, Keep));                                               // another type: keep
        p.Add(new(LdWAbs, 0, 0, 20));                                               // A = ifindex
        p.Add(new(JeqK, 1, 0, Host32((uint)interfaceIndex)));
        p.Add(new(RetK, 0, 0, Drop));
        p.Add(new(RetK, 0, 0, Keep));
        return [.. p];
    }

    /// <summary>Attaches the program to the socket (SO_ATTACH_FILTER).</summary>
    internal static void Attach(int fd, int interfaceIndex) => Native.AttachFilter(fd, Program(interfaceIndex));

    // BPF loads read network byte order; netlink headers are in the host's. Compare with what the load yields.
    private static uint Host16(ushort v) => BitConverter.IsLittleEndian ? (uint)((v >> 8) | ((v & 0xff) << 8)) : v;
    private static uint Host32(uint v) => BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v) : v;
}
