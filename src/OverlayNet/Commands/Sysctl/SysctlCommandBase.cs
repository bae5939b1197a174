using System.Management.Automation;
using OverlayNet.Netlink.Sysctl;

namespace OverlayNet.Commands;

/// <summary>Reads and writes /proc/sys/net in the namespace of -NetNamespace (opened on a thread inside it).</summary>
public abstract class SysctlCommandBase : OverlayNetCmdlet
{
    protected Sysctl Read(string name) => Scope.GetSysctl(name);

    /// <summary>Writes one key unless -WhatIf; returns the key as read back, or null when skipped.</summary>
    protected Sysctl? Write(string name, string value)
    {
        NetSysctl.PathOf(name); // rejects keys outside net. before ShouldProcess
        if (!ShouldProcess(Describe(name), $"Set to {value}")) return null;
        Scope.SetSysctl(name, value);
        return Read(name);
    }

    /// <summary>-InterfaceName for per-interface keys: a link name, or "all" / "default".</summary>
    protected static string CheckInterface(string name)
    {
        if (name is not ("all" or "default")) InterfaceNames.Validate(name);
        return name;
    }
}

/// <summary>Per-interface settings (proxy_arp, rp_filter): -InterfaceName bound by property name, so links pipe in.</summary>
public abstract class InterfaceSysctlCommandBase : SysctlCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string InterfaceName { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Sets <c>net.ipv4.conf.IFACE.KEY</c>, naming the interface in any error.</summary>
    protected void SetInterfaceKey(string errorId, string key, string value, string activity)
    {
        Try(errorId, InterfaceName, $"Cannot {activity} on '{Describe(InterfaceName)}'", () =>
        {
            Sysctl? result = Write(NetSysctl.InterfaceKey("ipv4", CheckInterface(InterfaceName), key), value);
            if (result != null && PassThru) WriteObject(result);
        });
    }
}
