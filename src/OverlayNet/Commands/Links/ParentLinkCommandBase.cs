using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary>New-*Link cmdlets whose device sits on a lower link (macvlan, ipvlan, vlan): -Parent.</summary>
public abstract class ParentLinkCommandBase : NewLinkCommandBase
{
    /// <summary>The lower device (<c>link PARENT</c>).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Link", "Lower")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string Parent { get; set; } = "";

    protected int ParentIndex() => Rtnl.GetIndex(Parent);
}
