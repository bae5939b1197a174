using System.Buffers.Binary;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Tests.Fuzz;

/// <summary>A length field inside a datagram: where it is and how wide (4 for nlmsghdr, 2 for nlattr).</summary>
internal readonly record struct LengthField(int Offset, int Width)
{
    public void Set(Span<byte> data, uint value)
    {
        if (Width == 4) BinaryPrimitives.WriteUInt32LittleEndian(data[Offset..], value);
        else BinaryPrimitives.WriteUInt16LittleEndian(data[Offset..], (ushort)value);
    }

    /// <summary>
    /// Finds the length fields of a well-formed datagram with a lenient walk of its own (not the code under
    /// test): message headers, the request header echoed in NLMSG_ERROR, and every attribute, descending into
    /// any attribute whose value is itself a clean run of attributes (so nests are found without a schema).
    /// </summary>
    public static List<LengthField> Find(ReadOnlySpan<byte> d)
    {
        var found = new List<LengthField>();
        int off = 0;
        while (off + Nl.HeaderLength <= d.Length)
        {
            // Lengths are checked in long arithmetic: the inputs are already mutated and may hold anything.
            long rawLen = BinaryPrimitives.ReadUInt32LittleEndian(d[off..]);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(d[(off + 4)..]);
            if (rawLen < Nl.HeaderLength || off + rawLen > d.Length) break;
            int len = (int)rawLen;
            found.Add(new LengthField(off, 4));
            int fixedHeader = type switch
            {
                Rtm.NEWLINK or Rtm.DELLINK => 16,
                Rtm.NEWADDR or Rtm.DELADDR => 8,
                _ => -1,
            };
            if (type == Nl.NLMSG_ERROR && len >= Nl.HeaderLength + 4 + Nl.HeaderLength)
            {
                found.Add(new LengthField(off + Nl.HeaderLength + 4, 4)); // the echoed request's nlmsg_len
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(d[(off + 6)..]);
                long echoed = (flags & Nl.NLM_F_CAPPED) != 0 ? Nl.HeaderLength : BinaryPrimitives.ReadUInt32LittleEndian(d[(off + 20)..]);
                long tlvs = off + Nl.HeaderLength + 4 + ((echoed + 3) & ~3L);
                if (tlvs <= off + len) Attributes(d[..(off + len)], (int)tlvs, found);
            }
            else if (fixedHeader >= 0 && len >= Nl.HeaderLength + fixedHeader)
                Attributes(d[..(off + len)], off + Nl.HeaderLength + fixedHeader, found);
            off += Nl.Align(len);
        }
        return found;
    }

    private static void Attributes(ReadOnlySpan<byte> d, int off, List<LengthField> found)
    {
        if (!IsCleanRun(d, off)) return;
        while (off + 4 <= d.Length)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(d[off..]);
            found.Add(new LengthField(off, 2));
            if (len > 4 && IsCleanRun(d[..(off + len)], off + 4)) Attributes(d[..(off + len)], off + 4, found);
            off += Nl.Align(len);
        }
    }

    /// <summary>True when the bytes from <paramref name="off"/> are attributes that exactly fill the span.</summary>
    private static bool IsCleanRun(ReadOnlySpan<byte> d, int off)
    {
        if (off >= d.Length) return false;
        while (off + 4 <= d.Length)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(d[off..]);
            if (len < 4 || off + len > d.Length) return false;
            off += Nl.Align(len);
        }
        return off >= d.Length;
    }
}
