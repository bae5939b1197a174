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
    /// Sums native-endian 32-bit words into 64 bits (with AVX2, 32 bytes a step) and swaps once at the end: the one's-complement sum does not
    /// depend on byte order (RFC 1071 section 2(B)) and 2^16 is 1 modulo 2^16-1, so 32-bit words fold to the
    /// same 16-bit sum. A 64 KB span adds at most 2^46, so the accumulator never overflows.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        ulong wide = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && data.Length >= 64)
        {
            // 32 bytes a step: eight 32-bit words widened into four 64-bit lanes (no carries to fold until the end).
            Vector256<ulong> lanes = Vector256<ulong>.Zero;
            for (; i + 32 <= data.Length; i += 32)
            {
                (Vector256<ulong> low, Vector256<ulong> high) = Vector256.Widen(Vector256.LoadUnsafe(ref start, (nuint)i).AsUInt32());
                lanes += low + high;
            }
            wide = Vector256.Sum(lanes);
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

    /// <summary>Folds a wide one's-complement sum to 16 bits.</summary>
    public static uint Fold(ulong sum)
    {
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (uint)sum;
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
