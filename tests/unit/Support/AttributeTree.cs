using System.Buffers.Binary;
using System.Text;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Netlink.Tests.Support;

/// <summary>
/// A canonical text form of an RTM_NEWLINK request, to compare ours with iproute2's by meaning rather than by
/// byte: attributes sorted by type, NLA_F_NESTED ignored (the kernel's liberal rtnetlink parsing accepts it
/// either way) and a string's trailing NUL dropped (iproute2 sends IFLA_INFO_KIND without one; both pass
/// the NLA_STRING policy). One line per leaf, e.g. <c>18/2/1/3 = "vb"</c>.
/// </summary>
internal static class AttributeTree
{
    // Attribute paths under an RTM_NEWLINK payload that are nests, and whether the nest starts with an ifinfomsg.
    private static readonly Dictionary<string, bool> Nests = new()
    {
        ["18"] = false,       // IFLA_LINKINFO
        ["18/2"] = false,     // IFLA_INFO_DATA
        ["18/2/1"] = true,    // VETH_INFO_PEER (veth only; the tests only ask for veth and bridge)
    };
    private static readonly HashSet<string> Strings = ["3", "18/1", "18/2/1/3"];

    public static List<string> OfNewLink(byte[] message, bool isVeth)
    {
        NetlinkMessage m = Messages.Single(message);
        var lines = new List<string>
        {
            $"type = {m.Type}",
            // The socket adds ACK and the sequence number when it sends; compare the rest.
            $"flags = 0x{m.Flags & ~Nl.NLM_F_ACK:x}",
            $"ifinfomsg = {Hex.Format(m.Payload[..16])}",
        };
        Walk(m.Payload[16..], "", lines, isVeth);
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static void Walk(ReadOnlySpan<byte> attrs, string prefix, List<string> lines, bool isVeth)
    {
        foreach (NetlinkAttribute a in new AttributeEnumerator(attrs))
        {
            string path = prefix + a.Type;
            if (Nests.TryGetValue(path, out bool hasHeader) && (path != "18/2/1" || isVeth))
            {
                ReadOnlySpan<byte> inner = a.Value;
                if (hasHeader)
                {
                    lines.Add($"{path}/ifinfomsg = {Hex.Format(inner[..16])}");
                    inner = inner[16..];
                }
                Walk(inner, path + "/", lines, isVeth);
            }
            else if (Strings.Contains(path))
                lines.Add($"{path} = \"{a.String()}\"");
            else
                lines.Add($"{path} = {Hex.Format(a.Value)}");
        }
    }
}
