using OverlayNet.Netlink.Route.Tunnels;

namespace OverlayNet.Commands;

/// <summary>-Key / -InputKey / -OutputKey as <c>key</c> / <c>ikey</c> / <c>okey</c>: one for both directions, or each apart.</summary>
internal static class TunnelKeys
{
    /// <summary>The input and output keys the parameters ask for; null where a direction was not named.</summary>
    public static (uint? Input, uint? Output) Parse(string? key, string? inputKey, string? outputKey)
    {
        if (key != null && (inputKey != null || outputKey != null))
            throw new ArgumentException("Give -Key (both directions) or -InputKey/-OutputKey, not both.");
        if (key != null)
        {
            uint both = TunnelKey.Parse(key, "Key");
            return (both, both);
        }
        return (inputKey == null ? null : TunnelKey.Parse(inputKey, "InputKey"),
                outputKey == null ? null : TunnelKey.Parse(outputKey, "OutputKey"));
    }

    /// <summary>A switch for both directions against one per direction: either turns a direction on.</summary>
    public static void Either(bool both, bool input, bool output, out bool inResult, out bool outResult)
    {
        inResult = both || input;
        outResult = both || output;
    }
}
