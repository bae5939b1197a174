using System.Reflection;

namespace OverlayNet.Netlink.Route;

/// <summary>One link kind the library models: the kernel's name, the class, the module that provides it.</summary>
public sealed record LinkKindInfo(string Kind, Type Type, string KernelModule);

/// <summary>
/// The registry of link kinds, read once from the <see cref="LinkKindAttribute"/> on each model class, so a
/// new kind is declared in one place: the parser, tab completion of -Kind, the kernel tier's module list and
/// the conventions test (every kind has its Get-/New- cmdlets, help and table view) all derive from it.
/// </summary>
public static class LinkKinds
{
    /// <summary>Every declared kind, sorted by name.</summary>
    public static IReadOnlyList<LinkKindInfo> All { get; } = typeof(Link).Assembly.GetTypes()
        .Where(t => typeof(Link).IsAssignableFrom(t))
        .SelectMany(t => t.GetCustomAttributes<LinkKindAttribute>().Select(a => new LinkKindInfo(a.Kind, t, a.KernelModule ?? a.Kind)))
        .OrderBy(k => k.Kind, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The kinds' names (<c>ip link add ... type NAME</c>), sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(k => k.Kind).ToArray();

    /// <summary>The model classes, each once (one class may model several kinds, as the IP tunnels do).</summary>
    public static IReadOnlyList<Type> Types { get; } = All.Select(k => k.Type).Distinct().ToArray();

    /// <summary>The kernel modules that provide the kinds, each once, sorted.</summary>
    public static IReadOnlyList<string> KernelModules { get; } =
        All.Select(k => k.KernelModule).Distinct().Order(StringComparer.Ordinal).ToArray();
}
