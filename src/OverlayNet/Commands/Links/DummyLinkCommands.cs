using System.Management.Automation;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary><c>ip link add NAME type dummy</c>.</summary>
[Cmdlet(VerbsCommon.New, "DummyLink", SupportsShouldProcess = true)]
[OutputType(typeof(DummyLink))]
public sealed class NewDummyLinkCommand : NewLinkCommandBase
{
    protected override string KindDescription => "dummy";

    protected override LinkSpec BuildSpec() => new PlainLinkSpec(Name, "dummy");
}

/// <summary><c>ip link show type dummy</c>.</summary>
[Cmdlet(VerbsCommon.Get, "DummyLink")]
[OutputType(typeof(DummyLink))]
public sealed class GetDummyLinkCommand : GetLinkCommandBase<DummyLink>
{
    protected override string KindDescription => "dummy";
}
