using System.Text;

namespace OverlayNet;

/// <summary>The kernel's rules for interface names (dev_valid_name), checked before any request is sent.</summary>
public static class InterfaceNames
{
    public const int MaxBytes = 15; // IFNAMSIZ - 1

    /// <summary>Returns null when <paramref name="name"/> is valid, otherwise why it is not.</summary>
    public static string? Check(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "an interface name cannot be empty";
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxBytes) return $"interface name '{name}' is {bytes} bytes long; Linux allows at most {MaxBytes}";
        if (name == "." || name == "..") return $"'{name}' is not a valid interface name";
        foreach (char c in name)
        {
            if (c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c))
                return $"interface name '{name}' contains '{(char.IsWhiteSpace(c) ? "whitespace" : c.ToString())}', which Linux does not allow";
        }
        return null;
    }

    public static void Validate(string? name)
    {
        string? problem = Check(name);
        if (problem != null) throw new ArgumentException(char.ToUpperInvariant(problem[0]) + problem[1..] + ".");
    }
}
