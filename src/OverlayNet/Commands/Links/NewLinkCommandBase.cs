using System.Management.Automation;
using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Route;

namespace OverlayNet.Commands;

/// <summary>
/// Shared shape of every New-*Link cmdlet: -Name, -Up, -Master, -Mtu, -MacAddress. The derived cmdlet only
/// builds its kind's <see cref="LinkSpec"/>; validation, -WhatIf, creation and read-back happen here.
/// </summary>
public abstract class NewLinkCommandBase : OverlayNetCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("InterfaceName")]
    public string Name { get; set; } = "";

    /// <summary>Bring the link up once it exists (<c>ip link set X up</c>).</summary>
    [Parameter]
    public SwitchParameter Up { get; set; }

    /// <summary>Bridge or VRF to enslave the new link to (<c>master X</c>).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? Master { get; set; }

    [Parameter]
    [ValidateRange(68, 65535)]
    public int? Mtu { get; set; }

    [Parameter]
    public MacAddress? MacAddress { get; set; }

    /// <summary>What ShouldProcess and errors call this link: "veth link 'veth0'".</summary>
    protected abstract string KindDescription { get; }

    /// <summary>Builds the request; may resolve other links through <see cref="OverlayNetCmdlet.Rtnl"/>.</summary>
    protected abstract LinkSpec BuildSpec();

    /// <summary>Sends the create request; kinds the kernel cannot create over rtnetlink (TUN/TAP) override it.</summary>
    protected virtual void CreateLink(LinkSpec spec) => Rtnl.CreateLink(spec);

    /// <summary>Releases what <see cref="BuildSpec"/> opened (namespace fds).</summary>
    protected virtual void AfterCreate() { }

    /// <summary>
    /// After EEXIST, which name of the request is taken and in which namespace, so the error can say what
    /// exists (the kernel only says "File exists"). Kinds that create more than one link add theirs.
    /// </summary>
    protected virtual (string Name, string? NetNamespace)? FindTakenName() =>
        Rtnl.GetLink(Name) != null ? (Name, NetNamespace) : null;

    /// <summary>Fills in the read-back object (a veth's peer namespace).</summary>
    protected virtual void Complete(Link link) { }

    protected override void ProcessRecord()
    {
        string what = $"{KindDescription} '{Name}'";
        Try("New" + GetType().Name.Replace("Command", "").Replace("New", "") + "Failed", Name, $"Cannot create {what}", () =>
        {
            try
            {
                InterfaceNames.Validate(Name);
                LinkSpec spec = BuildSpec();
                spec.Mtu = Mtu;
                spec.MacAddress = MacAddress;
                spec.Up = Up.IsPresent;
                if (Master != null) spec.MasterIndex = Rtnl.GetIndex(Master);
                spec.Validate();
                if (!ShouldProcess(Describe(Name), $"Create {KindDescription}")) return;
                try
                {
                    CreateLink(spec);
                }
                catch (ErrnoException e) when (e.Errno == Errno.EEXIST && FindTakenName() is var (taken, ns))
                {
                    throw new LinkExistsException(taken, ns);
                }
                Link? created = Rtnl.GetLink(Name);
                if (created == null) throw new InvalidOperationException($"The kernel accepted {what} but it is not there now.");
                Complete(created);
                WriteObject(created);
            }
            finally
            {
                AfterCreate();
            }
        });
    }
}

/// <summary>EEXIST on link creation, saying what exists.</summary>
public sealed class LinkExistsException(string name, string? ns)
    : ErrnoException($"File exists: an interface named '{name}' already exists{(ns == null ? "" : $" in namespace '{ns}'")}.", 17, "link");
