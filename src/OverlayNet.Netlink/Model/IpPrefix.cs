using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OverlayNet;

/// <summary>
/// An address with a prefix length, written as iproute2 users write it: <c>10.0.3.0/24</c>, <c>fd00::1/64</c>,
/// a bare address (a host prefix), or <c>default</c> (0.0.0.0/0).
/// </summary>
public readonly struct IpPrefix : IEquatable<IpPrefix>
{
    public IpPrefix(IPAddress address, int length)
    {
        int max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (length < 0 || length > max)
            throw new ArgumentException($"Prefix length {length} is out of range for {address} (0..{max}).");
        Address = address;
        Length = length;
    }

    public IPAddress Address { get; }
    public int Length { get; }
    /// <summary>True when the text had no /N and the length was taken as the full host length.</summary>
    public bool IsHost => Length == MaxLength;
    public int MaxLength => Address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
    public IpAddressFamily Family => Address.AddressFamily == AddressFamily.InterNetworkV6 ? IpAddressFamily.IPv6 : IpAddressFamily.IPv4;

    public static bool TryParse(string? text, out IpPrefix prefix, out string? error)
    {
        prefix = default;
        error = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "an address or prefix cannot be empty"; return false; }
        text = text.Trim();
        if (text.Equals("default", StringComparison.OrdinalIgnoreCase) || text.Equals("any", StringComparison.OrdinalIgnoreCase))
        {
            prefix = new IpPrefix(IPAddress.Any, 0);
            return true;
        }
        // Spans, not substrings: this runs for each of 50,000 routes in a bulk add.
        ReadOnlySpan<char> addrText = text;
        int? len = null;
        int slash = text.IndexOf('/');
        if (slash >= 0)
        {
            addrText = text.AsSpan(0, slash);
            if (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int l))
            {
                error = $"'{text}' has a prefix length that is not a number";
                return false;
            }
            len = l;
        }
        // IPAddress also takes "10.1" for 10.0.0.1; iproute2 users mean a full dotted quad.
        if (!IPAddress.TryParse(addrText, out IPAddress? addr) || (!addrText.Contains(':') && addrText.Count('.') != 3))
        {
            error = $"'{text}' is not an IPv4 or IPv6 address";
            return false;
        }
        int max = addr.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (len is int n && (n < 0 || n > max))
        {
            error = $"'{text}': prefix length {n} is out of range (0..{max})";
            return false;
        }
        prefix = new IpPrefix(addr, len ?? max);
        return true;
    }

    public static IpPrefix Parse(string text)
    {
        if (!TryParse(text, out IpPrefix p, out string? error))
            throw new FormatException(char.ToUpperInvariant(error![0]) + error[1..] + ".");
        return p;
    }

    /// <summary>The network part only (host bits cleared), as the kernel stores a route's destination.</summary>
    public IpPrefix Network()
    {
        if (Length == MaxLength) return this; // a host prefix has no host bits (and bulk host routes skip the copy)
        byte[] b = Address.GetAddressBytes();
        for (int i = 0; i < b.Length; i++)
        {
            int bitsHere = Math.Clamp(Length - i * 8, 0, 8);
            b[i] &= (byte)(0xff << (8 - bitsHere));
        }
        return new IpPrefix(new IPAddress(b), Length);
    }

    public override string ToString() => $"{Address}/{Length}";
    public bool Equals(IpPrefix other) => Length == other.Length && Equals(Address, other.Address);
    public override bool Equals(object? obj) => obj is IpPrefix p && Equals(p);
    public override int GetHashCode() => HashCode.Combine(Address, Length);
}
