using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OverlayNet.Forwarding;

/// <summary>
/// The Internet checksum (RFC 1071) as the data path needs it: fast over whole TCP segments (every segment the
/// forwarder cuts gets a full checksum, and every segment it merges is verified), and in the non-complemented
/// form a checksum offload expects (the pseudo-header sum the kernel finishes).
/// </summary>
internal static class InternetChecksum
{
    /// <summary>
    /// The one's-complement sum of <paramref name="data"/> as big-endian 16-bit words plus <paramref name="initial"/>,
    /// folded to 16 bits, not complemented. <paramref name="data"/> is taken to start at an even offset of the
    /// checksummed range.
    /// </summary>
    /// <remarks>
    /// Sums native-endian words and swaps once at the end: the one's-complement sum does not depend on byte order
    /// (RFC 1071 section 2(B)), and 2^16 is 1 modulo 2^16-1, so a 32-bit word adds the same as its two 16-bit
    /// halves. The vector loop adds the halves of each 32-bit lane into 32-bit lanes (mask and shift: no
    /// widening, no carries) in two independent accumulators, 128 bytes a step with AVX-512 and 64 with AVX2. A
    /// lane grows by less than 2^17 a step, so spans above 1 MB are summed a megabyte at a time. The scalar tail
    /// adds 32-bit words into 64 bits.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        if (data.Length > MaxVectorSpan)
        {
            // Never on the data path (packets are at most 64 KB); every chunk but the last has an even length.
            uint total = initial;
            for (int offset = 0; offset < data.Length; offset += MaxVectorSpan)
                total = Sum(data.Slice(offset, Math.Min(MaxVectorSpan, data.Length - offset)), total);
            return total;
        }
        ref byte start = ref MemoryMarshal.GetReference(data);
        ulong wide = 0;
        int i = 0;
        if (Vector512.IsHardwareAccelerated && data.Length >= 128)
        {
            Vector512<uint> a = Vector512<uint>.Zero, b = Vector512<uint>.Zero, low = Vector512.Create(0xffffu);
            for (; i + 128 <= data.Length; i += 128)
            {
                Vector512<uint> x = Vector512.LoadUnsafe(ref start, (nuint)i).AsUInt32();
                Vector512<uint> y = Vector512.LoadUnsafe(ref start, (nuint)(i + 64)).AsUInt32();
                a += (x & low) + (x >> 16);
                b += (y & low) + (y >> 16);
            }
            (Vector512<ulong> l, Vector512<ulong> h) = Vector512.Widen(a + b);
            wide = Vector512.Sum(l + h);
        }
        else if (Vector256.IsHardwareAccelerated && data.Length >= 64)
        {
            Vector256<uint> a = Vector256<uint>.Zero, b = Vector256<uint>.Zero, low = Vector256.Create(0xffffu);
            for (; i + 64 <= data.Length; i += 64)
            {
                Vector256<uint> x = Vector256.LoadUnsafe(ref start, (nuint)i).AsUInt32();
                Vector256<uint> y = Vector256.LoadUnsafe(ref start, (nuint)(i + 32)).AsUInt32();
                a += (x & low) + (x >> 16);
                b += (y & low) + (y >> 16);
            }
            (Vector256<ulong> l, Vector256<ulong> h) = Vector256.Widen(a + b);
            wide = Vector256.Sum(l + h);
        }
        for (; i + 16 <= data.Length; i += 16)
        {
            ulong a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            ulong b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8));
            wide += (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32);
        }
        for (; i + 4 <= data.Length; i += 4) wide += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
        uint sum = Fold(wide);
        if (BitConverter.IsLittleEndian) sum = BinaryPrimitives.ReverseEndianness((ushort)sum);
        // The last 0..3 bytes, as big-endian words (i is a multiple of 4, so the word pairing is unchanged).
        for (; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if (i < data.Length) sum += (uint)data[i] << 8;
        return Fold((ulong)sum + initial);
    }

    /// <summary>Longest span the vector loop sums at once: 1 MB, 8,192 steps of 128 bytes (16,384 of 64 with AVX2), so no 32-bit lane passes 2^31.</summary>
    private const int MaxVectorSpan = 1 << 20;

    /// <summary>Folds a wide one's-complement sum to 16 bits.</summary>
    /// <remarks>A fixed five steps, no loop: a loop's exit depends on the data, and the mispredicted branch cost
    /// as much as summing a 1,400-byte segment.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Fold(ulong sum)
    {
        sum = (sum & 0xffffffff) + (sum >> 32);                 // < 2^33
        sum = (sum & 0xffffffff) + (sum >> 32);                 // < 2^32
        sum = (sum & 0xffff) + (sum >> 16);                     // < 2^17
        sum = (sum & 0xffff) + (sum >> 16);                     // <= 2^16
        return (uint)((sum & 0xffff) + (sum >> 16));            // <= 0xffff
    }

    /// <summary>
    /// The TCP/UDP pseudo-header sum of an IPv4 or IPv6 packet (its addresses, <paramref name="protocol"/> and the
    /// upper-layer <paramref name="length"/>), folded and not complemented.
    /// </summary>
    public static uint PseudoHeader(ReadOnlySpan<byte> ipPacket, int protocol, int length) =>
        (ipPacket[0] >> 4) == 4
            ? Sum(ipPacket.Slice(12, 8), (uint)(protocol + length))
            : Sum(ipPacket.Slice(8, 32), (uint)(protocol + length));
}
