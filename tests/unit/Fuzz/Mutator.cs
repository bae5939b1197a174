using System.Buffers.Binary;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Tests.Fuzz;

/// <summary>
/// Turns well-formed datagrams into malformed ones, deterministically for a given <see cref="Random"/>:
/// bit flips, truncations, length fields set to interesting values, nests pointing past their end, splices,
/// and datagrams made from scratch (random bytes, or random headers around random attributes).
/// </summary>
internal sealed class Mutator(Random rng, IReadOnlyList<byte[]> corpus)
{
    /// <summary>Values a length field is set to: the smallest, just-too-small, unaligned and absurd.</summary>
    public static readonly uint[] InterestingLengths = [0, 1, 3, 4, 5, 15, 16, 17, 0x7fff, 0x8000, 0xffff, 0x7ffffffd, 0x7fffffff, 0x80000000, 0xffffffff];

    public byte[] Next()
    {
        return rng.Next(10) switch
        {
            0 => RandomBytes(),
            1 => RandomStructure(),
            _ => Mutate(corpus[rng.Next(corpus.Count)].ToArray(), mutations: 1 + rng.Next(3)),
        };
    }

    private byte[] Mutate(byte[] d, int mutations)
    {
        for (int i = 0; i < mutations && d.Length > 0; i++)
        {
            switch (rng.Next(6))
            {
                case 0: FlipBits(d); break;
                case 1: d = d[..rng.Next(d.Length)]; break; // truncation
                case 2: SetLength(d, InterestingLengths[rng.Next(InterestingLengths.Length)]); break;
                case 3: PointPastTheEnd(d); break;
                case 4: SetLength(d, (uint)rng.Next(0, d.Length + 64)); break;
                case 5: d = Splice(d); break;
            }
        }
        return d;
    }

    private void FlipBits(byte[] d)
    {
        int flips = 1 + rng.Next(8);
        for (int i = 0; i < flips; i++) d[rng.Next(d.Length)] ^= (byte)(1 << rng.Next(8));
    }

    private void SetLength(byte[] d, uint value)
    {
        List<LengthField> fields = LengthField.Find(d);
        if (fields.Count > 0) fields[rng.Next(fields.Count)].Set(d, value);
    }

    /// <summary>An attribute (often a nest) whose length runs a little or a lot past its container.</summary>
    private void PointPastTheEnd(byte[] d)
    {
        List<LengthField> attrs = LengthField.Find(d).Where(f => f.Width == 2).ToList();
        if (attrs.Count == 0) return;
        LengthField f = attrs[rng.Next(attrs.Count)];
        int left = d.Length - f.Offset;
        f.Set(d, (uint)Math.Min(ushort.MaxValue, left + 1 + rng.Next(64)));
    }

    private byte[] Splice(byte[] d)
    {
        byte[] other = corpus[rng.Next(corpus.Count)];
        int cut = rng.Next(d.Length + 1), from = rng.Next(other.Length);
        int take = rng.Next(other.Length - from + 1);
        return [.. d.AsSpan(0, cut), .. other.AsSpan(from, take)];
    }

    private byte[] RandomBytes()
    {
        var d = new byte[rng.Next(0, 200)];
        rng.NextBytes(d);
        return d;
    }

    /// <summary>Plausible framing (message types the parsers handle) around random attribute soup.</summary>
    private byte[] RandomStructure()
    {
        ushort[] types = [Nl.NLMSG_ERROR, Nl.NLMSG_DONE, Rtm.NEWLINK, Rtm.NEWADDR, Nl.NLMSG_NOOP];
        var d = new List<byte>();
        int count = 1 + rng.Next(3);
        for (int i = 0; i < count; i++)
        {
            byte[] body = RandomAttributes(depth: 0, prefix: rng.Next(0, 24));
            var header = new byte[Nl.HeaderLength];
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(Nl.HeaderLength + body.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), types[rng.Next(types.Length)]);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), (ushort)rng.Next(0x400));
            d.AddRange(header);
            d.AddRange(body);
            while (d.Count % 4 != 0) d.Add(0);
        }
        return [.. d];
    }

    private byte[] RandomAttributes(int depth, int prefix)
    {
        var d = new List<byte>();
        var pre = new byte[prefix];
        rng.NextBytes(pre);
        d.AddRange(pre);
        int count = rng.Next(0, 6);
        for (int i = 0; i < count; i++)
        {
            byte[] value = depth < 3 && rng.Next(3) == 0 ? RandomAttributes(depth + 1, rng.Next(2) * 16) : RandomValue();
            var head = new byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(head, (ushort)(4 + value.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(2), (ushort)(rng.Next(2) * Nl.NLA_F_NESTED | rng.Next(1, 60)));
            d.AddRange(head);
            d.AddRange(value);
            while (d.Count % 4 != 0) d.Add(0);
        }
        return [.. d];
    }

    private byte[] RandomValue()
    {
        int[] sizes = [0, 1, 2, 3, 4, 6, 8, 16, 20];
        var v = new byte[sizes[rng.Next(sizes.Length)]];
        rng.NextBytes(v);
        return v;
    }
}
