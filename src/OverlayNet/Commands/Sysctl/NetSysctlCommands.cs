using System.Management.Automation;
using OverlayNet.Netlink.Sysctl;

namespace OverlayNet.Commands;

/// <summary><c>sysctl net.KEY</c> / <c>sysctl -a --pattern</c> inside a namespace.</summary>
[Cmdlet(VerbsCommon.Get, "NetSysctl")]
[OutputType(typeof(Sysctl))]
public sealed class GetNetSysctlCommand : SysctlCommandBase
{
    /// <summary>Dotted keys under net., wildcards allowed; omitted lists every key.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string name in Name ?? ["net.*"])
        {
            Try("GetNetSysctlFailed", name, $"Cannot read sysctl '{Describe(name)}'", () =>
            {
                if (!WildcardPattern.ContainsWildcardCharacters(name))
                {
                    WriteObject(Read(name));
                    return;
                }
                if (!name.StartsWith("net.", StringComparison.Ordinal))
                    throw new ArgumentException($"'{name}' is not a network namespace setting: only keys under 'net.' can be read here.");
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                foreach (Sysctl s in Scope.ReadSysctls(pattern.IsMatch)) WriteObject(s);
            });
        }
    }
}

/// <summary><c>sysctl -w net.KEY=VALUE</c> inside a namespace.</summary>
[Cmdlet(VerbsCommon.Set, "NetSysctl", SupportsShouldProcess = true)]
[OutputType(typeof(Sysctl))]
public sealed class SetNetSysctlCommand : SysctlCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Value { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Try("SetNetSysctlFailed", Name, $"Cannot set sysctl '{Describe(Name)}'", () =>
        {
            Sysctl? result = Write(Name, Value);
            if (result != null && PassThru) WriteObject(result);
        });
    }
}

/// <summary><c>sysctl -w net.ipv4.conf.IFACE.proxy_arp=0|1</c>.</summary>
[Cmdlet(VerbsCommon.Set, "ProxyArp", SupportsShouldProcess = true)]
[OutputType(typeof(Sysctl))]
public sealed class SetProxyArpCommand : InterfaceSysctlCommandBase
{
    [Parameter(Mandatory = true, Position = 1)]
    public bool Enabled { get; set; }

    protected override void ProcessRecord() =>
        SetInterfaceKey("SetProxyArpFailed", "proxy_arp", Enabled ? "1" : "0", "set proxy ARP");
}

/// <summary><c>sysctl net.ipv4.conf.*.proxy_arp</c>.</summary>
[Cmdlet(VerbsCommon.Get, "ProxyArp")]
[OutputType(typeof(Sysctl))]
public sealed class GetProxyArpCommand : SysctlCommandBase
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Device", "Dev", "InterfaceAlias", "ifAlias")]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [SupportsWildcards]
    public string InterfaceName { get; set; } = "*";

    protected override void ProcessRecord()
    {
        Try("GetProxyArpFailed", InterfaceName, $"Cannot read proxy ARP of '{Describe(InterfaceName)}'", () =>
        {
            if (!WildcardPattern.ContainsWildcardCharacters(InterfaceName))
            {
                WriteObject(Read(NetSysctl.InterfaceKey("ipv4", CheckInterface(InterfaceName), "proxy_arp")));
                return;
            }
            var pattern = new WildcardPattern(NetSysctl.InterfaceKey("ipv4", InterfaceName, "proxy_arp"), WildcardOptions.IgnoreCase);
            foreach (Sysctl s in Scope.ReadSysctls(n => n.StartsWith("net.ipv4.conf.", StringComparison.Ordinal) && pattern.IsMatch(n)))
                WriteObject(s);
        });
    }
}

/// <summary>Reverse-path filtering modes of rp_filter.</summary>
public enum ReversePathFilterMode { Off = 0, Strict = 1, Loose = 2 }

/// <summary><c>sysctl -w net.ipv4.conf.IFACE.rp_filter=0|1|2</c>.</summary>
[Cmdlet(VerbsCommon.Set, "ReversePathFilter", SupportsShouldProcess = true)]
[OutputType(typeof(Sysctl))]
public sealed class SetReversePathFilterCommand : InterfaceSysctlCommandBase
{
    [Parameter(Mandatory = true, Position = 1)]
    public ReversePathFilterMode Mode { get; set; }

    protected override void ProcessRecord() =>
        SetInterfaceKey("SetReversePathFilterFailed", "rp_filter", ((int)Mode).ToString(System.Globalization.CultureInfo.InvariantCulture), "set reverse-path filtering");
}

/// <summary>Shared shape of Enable-/Disable-IpForwarding: which families, and the keys they mean.</summary>
public abstract class IpForwardingCommandBase : SysctlCommandBase
{
    /// <summary>Omitted: both IPv4 and IPv6.</summary>
    [Parameter(Position = 0)]
    public IpAddressFamily[]? AddressFamily { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected abstract bool Enabled { get; }

    protected override void ProcessRecord()
    {
        foreach (IpAddressFamily f in AddressFamily ?? [IpAddressFamily.IPv4, IpAddressFamily.IPv6])
        {
            string key = f == IpAddressFamily.IPv4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding";
            Try((Enabled ? "Enable" : "Disable") + "IpForwardingFailed", key, $"Cannot {(Enabled ? "enable" : "disable")} {f} forwarding in {Describe("this namespace")}", () =>
            {
                Sysctl? result = Write(key, Enabled ? "1" : "0");
                if (result != null && PassThru) WriteObject(result);
            });
        }
    }
}

/// <summary><c>sysctl -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1</c>.</summary>
[Cmdlet(VerbsLifecycle.Enable, "IpForwarding", SupportsShouldProcess = true)]
[OutputType(typeof(Sysctl))]
public sealed class EnableIpForwardingCommand : IpForwardingCommandBase
{
    protected override bool Enabled => true;
}

/// <summary><c>sysctl -w net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0</c>.</summary>
[Cmdlet(VerbsLifecycle.Disable, "IpForwarding", SupportsShouldProcess = true)]
[OutputType(typeof(Sysctl))]
public sealed class DisableIpForwardingCommand : IpForwardingCommandBase
{
    protected override bool Enabled => false;
}
