using OverlayNet.Netlink.Interop;
using System.Net;
using System.Runtime.InteropServices;
using OverlayNet.Netlink.Protocol;

namespace OverlayNet.Netlink.Route;

/// <summary>How a route request treats an existing route (iproute2's add / replace / del).</summary>
public enum RouteOperation { Add, Replace, Delete }

public sealed partial class RtnlClient
{
    /// <summary>
    /// <c>ip route show [table T]</c> for one family or both. <paramref name="table"/> 0 lists every table.
    /// Interface names and VRF names are filled in from one link listing.
    /// </summary>
    public List<IpRoute> GetRoutes(IpAddressFamily? family = null, uint table = RouteTables.Main)
    {
        var routes = new List<IpRoute>();
        foreach (IpAddressFamily f in family is IpAddressFamily one ? [one] : new[] { IpAddressFamily.IPv4, IpAddressFamily.IPv6 })
        {
            MessageWriter w = NewRequest();
            w.BeginMessage(Rtm.GETROUTE, 0);
            // With strict checking the kernel filters a dump by table itself (RTA_TABLE).
            w.WriteStruct(new RtMsg { Family = (byte)f });
            if (table != RouteTables.Unspec) w.AttrU32(Rta.TABLE, table);
            w.EndMessage();
            List<IpRoute> dumped;
            try
            {
                dumped = Dump(w, ParseRoute);
            }
            catch (NetlinkException e) when (e.Errno == Errno.ENOENT && table != RouteTables.Unspec)
            {
                continue; // "FIB table does not exist": a table nobody has used yet is empty
            }
            foreach (IpRoute r in dumped)
            {
                if (table != RouteTables.Unspec && r.Table != table) continue;
                if ((r.Flags & Rta.RTM_F_CLONED) != 0) continue; // cache entries, as `ip route` hides them
                routes.Add(r);
            }
        }
        if (routes.Count > 0) NameRouteInterfaces(routes);
        return routes;
    }

    private void NameRouteInterfaces(List<IpRoute> routes)
    {
        List<Link> links = GetLinks();
        var names = links.ToDictionary(l => l.Index, l => l.Name);
        var vrfs = links.OfType<VrfLink>().GroupBy(v => v.Table).ToDictionary(g => g.Key, g => g.First().Name);
        foreach (IpRoute r in routes)
        {
            r.NetNamespace = NamespaceName;
            if (r.InterfaceIndex != 0) r.InterfaceName = names.GetValueOrDefault(r.InterfaceIndex);
            foreach (RouteNextHop nh in r.NextHops)
                if (nh.InterfaceIndex != 0) nh.InterfaceName = names.GetValueOrDefault(nh.InterfaceIndex);
            r.Vrf = vrfs.GetValueOrDefault(r.Table);
        }
    }

    /// <summary>The table of a VRF device (for <c>-Vrf NAME</c>), or an error saying the link is no VRF.</summary>
    public uint GetVrfTable(string vrfName)
    {
        Link? link = GetLink(vrfName) ?? throw LinkNotFound(vrfName);
        if (link is not VrfLink vrf)
            throw new ArgumentException($"'{vrfName}' is a {link.Kind ?? "device"} link, not a VRF.");
        return vrf.Table;
    }

    internal static IpRoute? ParseRoute(NetlinkMessage m)
    {
        if (m.Type != Rtm.NEWROUTE) return null;
        RtMsg h = m.Header<RtMsg>();
        var r = new IpRoute
        {
            AddressFamily = (IpAddressFamily)h.Family,
            Table = h.Table,
            Protocol = (RouteProtocol)h.Protocol,
            Scope = (Scope)h.Scope,
            Type = (RouteType)h.Type,
            Flags = h.Flags,
            OnLink = (h.Flags & Rta.RTNH_F_ONLINK) != 0,
        };
        IPAddress? dst = null;
        foreach (NetlinkAttribute a in m.Attributes<RtMsg>())
        {
            switch (a.Type)
            {
                case Rta.DST: dst = a.Address(); break;
                case Rta.GATEWAY: r.NextHop = a.Address(); break;
                case Rta.OIF: r.InterfaceIndex = a.S32(); break;
                case Rta.PRIORITY: r.RouteMetric = a.U32(); break;
                case Rta.PREFSRC: r.Source = a.Address(); break;
                case Rta.TABLE: r.Table = a.U32(); break;
                case Rta.MULTIPATH: r.NextHops = ParseMultipath(a.Value); break;
            }
        }
        dst ??= h.Family == (byte)IpAddressFamily.IPv6 ? IPAddress.IPv6Any : IPAddress.Any;
        r.Prefix = new IpPrefix(dst, Math.Min(h.DstLength, dst.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32));
        return r;
    }

    private static RouteNextHop[] ParseMultipath(ReadOnlySpan<byte> data)
    {
        var hops = new List<RouteNextHop>();
        int size = Marshal.SizeOf<RtNextHop>();
        while (data.Length >= size)
        {
            RtNextHop nh = Wire.Read<RtNextHop>(data);
            if (nh.Length < size || nh.Length > data.Length)
                throw new NetlinkProtocolException($"RTA_MULTIPATH entry of {nh.Length} bytes in {data.Length}");
            var hop = new RouteNextHop
            {
                InterfaceIndex = nh.InterfaceIndex,
                Weight = nh.Hops + 1,
                OnLink = (nh.Flags & Rta.RTNH_F_ONLINK) != 0,
            };
            foreach (NetlinkAttribute a in new AttributeEnumerator(data[size..nh.Length]))
                if (a.Type == Rta.GATEWAY) hop.NextHop = a.Address();
            hops.Add(hop);
            data = data[Math.Min(data.Length, Nl.Align(nh.Length))..];
        }
        return hops.ToArray();
    }

    /// <summary><c>ip route add</c>, <c>replace</c> or <c>del</c> of one route.</summary>
    public void ModifyRoute(RouteSpec spec, RouteOperation operation)
    {
        spec.Validate(forDelete: operation == RouteOperation.Delete);
        MessageWriter w = NewRequest();
        WriteRoute(w, spec, operation);
        Socket.Execute(w);
    }

    /// <summary>Encodes one route request as iproute2 would send it; used singly and in batches.</summary>
    public static void WriteRoute(MessageWriter w, RouteSpec spec, RouteOperation operation)
    {
        bool delete = operation == RouteOperation.Delete;
        ushort flags = operation switch
        {
            RouteOperation.Add => Nl.NLM_F_CREATE | Nl.NLM_F_EXCL,
            RouteOperation.Replace => Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE,
            _ => 0,
        };
        w.BeginMessage(delete ? Rtm.DELROUTE : Rtm.NEWROUTE, flags);
        IpPrefix dst = spec.Destination.Network();
        w.WriteStruct(new RtMsg
        {
            Family = (byte)spec.Family,
            DstLength = (byte)dst.Length,
            Table = (byte)(spec.Table < 256 ? spec.Table : RouteTables.Unspec),
            // iproute2: an added route is "proto boot"; a delete matches any protocol and, unless a type is
            // given, any type.
            Protocol = (byte)(spec.Protocol ?? (delete ? RouteProtocol.Unspec : RouteProtocol.Boot)),
            Scope = (byte)spec.EffectiveScope(delete),
            Type = (byte)(delete && spec.Type == RouteType.Unicast ? RouteType.Unspec : spec.Type),
            Flags = spec.OnLink ? Rta.RTNH_F_ONLINK : 0,
        });
        if (spec.Table >= 256) w.AttrU32(Rta.TABLE, spec.Table);
        if (dst.Length > 0) w.AttrAddress(Rta.DST, dst.Address);
        if (spec.Gateway != null) w.AttrAddress(Rta.GATEWAY, spec.Gateway);
        if (spec.InterfaceIndex != 0) w.AttrU32(Rta.OIF, (uint)spec.InterfaceIndex);
        if (spec.Metric is uint metric) w.AttrU32(Rta.PRIORITY, metric);
        if (spec.Source != null) w.AttrAddress(Rta.PREFSRC, spec.Source);
        if (spec.NextHops.Count > 0) WriteMultipath(w, spec.NextHops);
        w.EndMessage();
    }

    private static void WriteMultipath(MessageWriter w, List<NextHopSpec> hops)
    {
        int mp = w.BeginNestedLegacy(Rta.MULTIPATH);
        foreach (NextHopSpec nh in hops)
        {
            // Each rtnexthop's length covers its own attributes, so write it with a placeholder and patch it.
            int start = w.Length;
            w.WriteStruct(new RtNextHop
            {
                Flags = (byte)(nh.OnLink ? Rta.RTNH_F_ONLINK : 0),
                Hops = (byte)(nh.Weight - 1),
                InterfaceIndex = nh.InterfaceIndex,
            });
            if (nh.Gateway != null) w.AttrAddress(Rta.GATEWAY, nh.Gateway);
            w.PatchU16(start, (ushort)(w.Length - start));
        }
        w.EndNested(mp);
    }

    /// <summary>The route object a successful request leaves in the kernel, without reading it back.</summary>
    public IpRoute Describe(RouteSpec spec, string? interfaceName)
    {
        IpPrefix dst = spec.Destination.Network();
        return new IpRoute
        {
            Prefix = dst,
            NextHop = spec.Gateway,
            InterfaceIndex = spec.InterfaceIndex,
            InterfaceName = interfaceName,
            Table = spec.Table,
            Scope = spec.EffectiveScope(forDelete: false),
            Protocol = spec.Protocol ?? RouteProtocol.Boot,
            Type = spec.Type,
            RouteMetric = spec.Metric ?? (spec.Family == IpAddressFamily.IPv6 ? 1024u : null),
            Source = spec.Source,
            OnLink = spec.OnLink,
            NextHops = spec.NextHops.Count == 0 ? [] : spec.NextHops.Select(h => new RouteNextHop
            {
                NextHop = h.Gateway,
                InterfaceIndex = h.InterfaceIndex,
                InterfaceName = h.InterfaceName,
                Weight = h.Weight,
                OnLink = h.OnLink,
            }).ToArray(),
            AddressFamily = spec.Family,
            NetNamespace = NamespaceName,
        };
    }
}
