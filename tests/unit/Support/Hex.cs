namespace OverlayNet.Netlink.Tests.Support;

/// <summary>Hex text ↔ bytes, tolerant of spaces, newlines and '#' comment lines so expected bytes can be laid out readably.</summary>
internal static class Hex
{
    public static byte[] Parse(string text)
    {
        var digits = new System.Text.StringBuilder();
        foreach (string line in text.Split('\n'))
        {
            string l = line.Trim();
            int comment = l.IndexOf('#');
            if (comment >= 0) l = l[..comment];
            foreach (char c in l) if (!char.IsWhiteSpace(c)) digits.Append(c);
        }
        return Convert.FromHexString(digits.ToString());
    }

    public static string Format(ReadOnlySpan<byte> data) => Convert.ToHexString(data).ToLowerInvariant();
}

/// <summary>
/// Kernel replies and iproute2 requests stored under Captures/ (see make-captures.sh there): one datagram or
/// message per non-comment line.
/// </summary>
internal static class Captures
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Captures");

    public static IReadOnlyList<byte[]> Lines(string file) =>
        File.ReadAllLines(Path.Combine(Directory, file))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(Convert.FromHexString)
            .ToList();

    /// <summary>A file holding exactly one message or datagram.</summary>
    public static byte[] Single(string file) => Assert.Single(Lines(file));

    public static IEnumerable<string> Files(string pattern) =>
        System.IO.Directory.EnumerateFiles(Directory, pattern).Select(Path.GetFileName).OfType<string>().Order();
}
