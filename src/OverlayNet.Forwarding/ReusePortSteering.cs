using OverlayNet.Forwarding.Interop;

namespace OverlayNet.Forwarding;

/// <summary>
/// Chooses which of the queues' SO_REUSEPORT sockets a datagram from a peer goes to by the flow of the IP packet
/// it carries, not by the outer addresses (which are the same for everything one peer sends): a classic BPF
/// program attached to the group (SO_ATTACH_REUSEPORT_CBPF) hashes the inner IPv4 addresses and TCP/UDP ports
/// (IPv6: the addresses) and returns a socket index. Why: with offloads one thread runs both directions of a
/// queue, and writing a flow's packets through that queue's TUN file makes the kernel send the flow's replies
/// out of the same queue (tun_flow_update), so a flow stays on one thread, and different flows, even to one
/// peer, spread over the queues.
/// </summary>
/// <remarks>
/// The program sees the UDP payload (the inner IP packet) from offset 0. What is not IPv4 or IPv6 gets an index
/// out of range, and the kernel then picks by its own hash, as without the program; a datagram too short for a
/// field the program reads ends it with 0, the first socket. A flow the host starts leaves by the queue the
/// kernel's hash picks until the first reply is written through its steered queue, then moves there once (and
/// again after 3 s without replies, when the device forgets the flow): packets of it still waiting on the first
/// queue may then be overtaken, which TCP absorbs (reordering, not loss). Without offloads the forwarder keeps a
/// thread per direction and <see cref="FlowQueues"/> instead.
/// </remarks>
internal static unsafe class ReusePortSteering
{
    private const int SO_ATTACH_REUSEPORT_CBPF = 51;
    // Classic BPF opcodes (linux/filter.h, linux/bpf_common.h).
    private const ushort LdW = 0x00, LdH = 0x08, LdB = 0x10, Abs = 0x20, Ind = 0x40, LdxMsh = 0x01 | 0x10 | 0xa0, St = 0x02,
        Ld = 0x00, Mem = 0x60, AluRshK = 0x04 | 0x70, AluXorX = 0x04 | 0xa0 | 0x08, AluMulK = 0x04 | 0x20,
        AluModK = 0x04 | 0x90, Ja = 0x05, JeqK = 0x05 | 0x10, JsetK = 0x05 | 0x40, RetK = 0x06, RetA = 0x06 | 0x10,
        Tax = 0x07;
    private const uint OutOfRange = uint.MaxValue;

    internal struct SockFilter
    {
        public ushort Code;
        public byte JumpTrue, JumpFalse;
        public uint K;
    }

    private struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    /// <summary>Attaches the program to the reuseport group of <paramref name="socket"/>; false when the kernel refuses it.</summary>
    public static bool TryAttach(int socket, int sockets)
    {
        SockFilter[] program = Program((uint)sockets);
        fixed (SockFilter* filter = program)
        {
            var fprog = new SockFprog { Length = (ushort)program.Length, Filter = filter };
            return Libc.SetSockOpt(socket, Libc.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, (int*)&fprog, (uint)sizeof(SockFprog)) == 0;
        }
    }

    /// <summary>The program for a group of <paramref name="sockets"/> sockets.</summary>
    internal static SockFilter[] Program(uint sockets)
    {
        var p = new Assembler();
        p.Op(Ld | LdB | Abs, 0);
        p.Op(AluRshK, 4);                                  // A = IP version
        p.Jump(JeqK, 4, null, "notV4");
        // IPv4: M[0] = source ^ destination address, ^ the port pair of TCP/UDP when the packet is not a fragment.
        p.Op(Ld | LdW | Abs, 12);
        p.Op(Tax, 0);
        p.Op(Ld | LdW | Abs, 16);
        p.Op(AluXorX, 0);
        p.Op(St, 0);
        p.Op(Ld | LdB | Abs, 9);                           // protocol
        p.Jump(JeqK, 6, "ports", null);
        p.Jump(JeqK, 17, null, "hash");
        p.Label("ports");
        p.Op(Ld | LdH | Abs, 6);
        p.Jump(JsetK, 0x3fff, "hash", null);               // MF set or a fragment offset: no ports
        p.Op(LdxMsh, 0);                                   // X = IPv4 header length
        p.Op(Ld | LdW | Ind, 0);                           // both ports
        p.Op(Tax, 0);
        p.Op(Ld | Mem, 0);
        p.Op(AluXorX, 0);
        p.Op(St, 0);
        p.Always("hash");
        p.Label("notV4");
        p.Jump(JeqK, 6, null, "fallback");
        // IPv6: M[0] = the eight words of the two addresses, xored.
        p.Op(Ld | LdW | Abs, 8);
        for (uint offset = 12; offset < 40; offset += 4)
        {
            p.Op(Tax, 0);
            p.Op(Ld | LdW | Abs, offset);
            p.Op(AluXorX, 0);
        }
        p.Op(St, 0);
        p.Label("hash");                                   // A = mix(M[0]) mod sockets
        p.Op(Ld | Mem, 0);
        p.Op(AluMulK, 0x9E3779B1);
        p.Op(AluRshK, 16);
        p.Op(AluModK, sockets);
        p.Op(RetA, 0);
        p.Label("fallback");
        p.Op(RetK, OutOfRange);
        return p.Finish();
    }

    /// <summary>Collects instructions; jumps name their targets, resolved to forward offsets by <see cref="Finish"/>.</summary>
    private sealed class Assembler
    {
        private readonly List<SockFilter> _code = [];
        private readonly Dictionary<string, int> _labels = [];
        private readonly List<(int At, string? True, string? False, bool Always)> _jumps = [];

        public void Op(ushort code, uint k) => _code.Add(new SockFilter { Code = code, K = k });
        public void Label(string name) => _labels[name] = _code.Count;

        /// <summary>A conditional jump; a null target is the next instruction.</summary>
        public void Jump(ushort code, uint k, string? whenTrue, string? whenFalse)
        {
            _jumps.Add((_code.Count, whenTrue, whenFalse, false));
            Op(code, k);
        }

        public void Always(string target)
        {
            _jumps.Add((_code.Count, target, null, true));
            Op(Ja, 0);
        }

        public SockFilter[] Finish()
        {
            SockFilter[] code = _code.ToArray();
            foreach ((int at, string? t, string? f, bool always) in _jumps)
            {
                int Offset(string? label) => label == null ? 0 : _labels[label] - at - 1;
                if (always) code[at].K = (uint)Offset(t);
                else
                {
                    code[at].JumpTrue = checked((byte)Offset(t));
                    code[at].JumpFalse = checked((byte)Offset(f));
                }
            }
            return code;
        }
    }
}
