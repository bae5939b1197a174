using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary>
/// Base of cmdlets that act on one existing link: -InterfaceName (alias Name, Device, Dev...) or
/// -InterfaceIndex, both bound by property name so any link object can be piped in.
/// </summary>
public abstract class LinkCommandBase : OverlayNetCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? InterfaceName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ifIndex", "Index")]
    public int InterfaceIndex { get; set; }

    /// <summary>What to call the target in messages: its name, or #index.</summary>
    protected string Target => Describe(!string.IsNullOrEmpty(InterfaceName) ? InterfaceName! : $"#{InterfaceIndex}");

    protected int ResolveIndex() => ResolveInterface(Rtnl, InterfaceName, InterfaceIndex);
}
