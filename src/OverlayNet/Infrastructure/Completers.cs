using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OverlayNet.Netlink.Namespaces;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>Completes interface names from the namespace named by -NetNamespace on the same command line.</summary>
public sealed class InterfaceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? ns = fakeBoundParameters["NetNamespace"] as string;
        // A peer lives in -PeerNetNamespace; -Destination of Move-IpLink is a namespace, not a link.
        if (parameterName == "PeerName" && fakeBoundParameters["PeerNetNamespace"] is string peerNs) ns = peerNs;
        List<Link> links;
        try
        {
            string? path = ns == null ? null : NetNamespaceStore.Resolve(ns);
            using RtnlClient client = RtnlClient.Open(path, ns);
            links = client.GetLinks();
        }
        catch (Exception)
        {
            yield break; // completion must never throw at the user
        }
        string prefix = wordToComplete.Trim('\'', '"');
        foreach (Link l in links.OrderBy(l => l.Name, StringComparer.Ordinal))
        {
            if (l.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(l.Name, l.Name, CompletionResultType.ParameterValue,
                    $"{l.Name} ({l.Kind ?? "device"}, {l.AdminState})");
        }
    }
}

/// <summary>Completes namespace names from /run/netns.</summary>
public sealed class NetNamespaceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = wordToComplete.Trim('\'', '"');
        foreach (string name in NetNamespaceStore.ListNames())
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, name);
        }
    }
}

/// <summary>Completes the kernel's link kind strings for Get-IpLink -Kind: every kind the library declares.</summary>
public sealed class LinkKindCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        LinkKinds.Names.Where(k => k.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
             .Select(k => new CompletionResult(k, k, CompletionResultType.ParameterValue, k));
}
