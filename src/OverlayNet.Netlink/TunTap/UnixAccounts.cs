using System.Globalization;

namespace OverlayNet.Netlink.TunTap;

/// <summary>
/// User and group names to ids, as <c>ip tuntap add user U group G</c> accepts them: a number, or a
/// name looked up in /etc/passwd or /etc/group.
/// </summary>
public static class UnixAccounts
{
    public static int ResolveUser(string nameOrId) => Resolve(nameOrId, "/etc/passwd", "user");

    public static int ResolveGroup(string nameOrId) => Resolve(nameOrId, "/etc/group", "group");

    private static int Resolve(string nameOrId, string file, string what)
    {
        string s = (nameOrId ?? "").Trim();
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int id)) return id;
        if (File.Exists(file))
        {
            foreach (string line in File.ReadLines(file))
            {
                string[] f = line.Split(':');
                if (f.Length > 2 && f[0] == s && int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out id))
                    return id;
            }
        }
        throw new ArgumentException($"Unknown {what} '{nameOrId}': give a {what} name from {file} or a numeric id.");
    }
}
