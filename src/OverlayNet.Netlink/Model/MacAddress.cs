using System.Globalization;

namespace OverlayNet;

/// <summary>
/// A 6-byte Ethernet address. Parses <c>aa:bb:cc:dd:ee:ff</c> and <c>aa-bb-cc-dd-ee-ff</c> and always prints
/// lowercase with colons, as iproute2 does. PowerShell converts strings through <see cref="Parse"/>, so
/// <c>$entry.MacAddress -eq 'AA-BB-CC-DD-EE-FF'</c> works.
/// </summary>
public readonly struct MacAddress : IEquatable<MacAddress>
{
    private readonly ulong _value;

    public MacAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 6) throw new ArgumentException($"A MAC address has 6 bytes, not {bytes.Length}.");
        ulong v = 0;
        foreach (byte b in bytes) v = (v << 8) | b;
        _value = v;
    }

    public static MacAddress Zero => default;

    public void WriteTo(Span<byte> destination)
    {
        for (int i = 0; i < 6; i++) destination[i] = (byte)(_value >> (8 * (5 - i)));
    }

    public byte[] GetBytes()
    {
        var b = new byte[6];
        WriteTo(b);
        return b;
    }

    public bool IsMulticast => ((_value >> 40) & 1) != 0;

    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        if (text == null) return false;
        text = text.Trim();
        if (text.Length != 17) return false;
        char sep = text[2];
        if (sep != ':' && sep != '-') return false;
        Span<byte> bytes = stackalloc byte[6];
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && text[i * 3 - 1] != sep) return false;
            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
                return false;
        }
        mac = new MacAddress(bytes);
        return true;
    }

    public static MacAddress Parse(string text)
    {
        if (!TryParse(text, out MacAddress mac))
            throw new FormatException($"'{text}' is not a MAC address; write it as aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff.");
        return mac;
    }

    public override string ToString() =>
        string.Create(17, _value, static (span, v) =>
        {
            const string hex = "0123456789abcdef";
            for (int i = 0; i < 6; i++)
            {
                byte b = (byte)(v >> (8 * (5 - i)));
                span[i * 3] = hex[b >> 4];
                span[i * 3 + 1] = hex[b & 0xf];
                if (i < 5) span[i * 3 + 2] = ':';
            }
        });

    public bool Equals(MacAddress other) => _value == other._value;
    public override bool Equals(object? obj) => obj is MacAddress m && Equals(m);
    public override int GetHashCode() => _value.GetHashCode();
    public static bool operator ==(MacAddress a, MacAddress b) => a.Equals(b);
    public static bool operator !=(MacAddress a, MacAddress b) => !a.Equals(b);
}
