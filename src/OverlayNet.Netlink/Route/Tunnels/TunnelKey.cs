using System.Globalization;

namespace OverlayNet.Netlink.Route.Tunnels;

/// <summary>
/// GRE/VTI keys as <c>ip tunnel</c> reads them (tnl_parse_key in ip/tunnel.c): a dotted quad
/// (<c>0.17.17.17</c>) taken as four bytes in network order, or an unsigned number in C notation
/// (<c>0x111111</c>, <c>1118481</c>, <c>0104210421</c> octal). The value is what goes on the wire big-endian.
/// </summary>
public static class TunnelKey
{
    public static uint Parse(string text, string parameterName = "Key")
    {
        string s = (text ?? "").Trim();
        if (s.Contains('.'))
        {
            string[] parts = s.Split('.');
            if (parts.Length == 4 && parts.All(p => byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                return parts.Aggregate(0u, (acc, p) => (acc << 8) | byte.Parse(p, CultureInfo.InvariantCulture));
        }
        else if (TryParseUnsigned(s, out uint value))
        {
            return value;
        }
        throw new ArgumentException(
            $"Invalid value for -{parameterName}: '{text}'; it should be an unsigned 32-bit number (1118481, 0x111111) or a dotted quad (0.17.17.17).",
            parameterName);
    }

    /// <summary>strtoul with base 0, as get_unsigned does: 0x for hex, a leading 0 for octal.</summary>
    private static bool TryParseUnsigned(string s, out uint value)
    {
        value = 0;
        if (s.Length == 0) return false;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return s.Length > 2 && uint.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        if (s.Length > 1 && s[0] == '0')
        {
            ulong acc = 0;
            foreach (char c in s)
            {
                if (c is < '0' or > '7') return false;
                acc = acc * 8 + (ulong)(c - '0');
                if (acc > uint.MaxValue) return false;
            }
            value = (uint)acc;
            return true;
        }
        return uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
