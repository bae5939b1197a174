namespace OverlayNet;

/// <summary>Administrative state: what <c>ip link set up/down</c> sets.</summary>
public enum AdminState { Down, Up }

/// <summary>RFC 2863 operational state, as IFLA_OPERSTATE reports it.</summary>
public enum OperState { Unknown = 0, NotPresent = 1, Down = 2, LowerLayerDown = 3, Testing = 4, Dormant = 5, Up = 6 }

/// <summary>Address family of an address, route or neighbour; values are the kernel's AF_ numbers.</summary>
public enum IpAddressFamily { IPv4 = 2, IPv6 = 10 }

/// <summary>Address and route scope (rtnetlink RT_SCOPE_*); prints as iproute2's words.</summary>
public enum Scope : byte { Global = 0, Site = 200, Link = 253, Host = 254, Nowhere = 255 }
