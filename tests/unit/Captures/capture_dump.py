#!/usr/bin/env python3
"""Dumps links and addresses of the current network namespace and writes the kernel's replies as hex.
With a second argument "tables" it dumps the tables instead: routes, neighbours, FDB, rules, bridge ports and
nf_tables rules (tables-*.hex), the corpus the parser fuzz tests mutate.

Run by make-captures.sh inside a throw-away namespace (ip netns exec NS python3 capture_dump.py OUTDIR).
The requests are the ones OverlayNet.Netlink sends: a zeroed ifinfomsg / ifaddrmsg with NLM_F_DUMP.
Output: <kind>-dump.hex (one datagram per line), <kind>-<name>.hex (one message, the object called name)
and error-{capped,uncapped}.hex (the refusal of a create with an unknown kind, with extended ack).
"""
import os, socket, struct, sys

RTM_NEWLINK, RTM_GETLINK, RTM_NEWADDR, RTM_GETADDR = 16, 18, 20, 22
NLM_F_REQUEST, NLM_F_DUMP, NLMSG_DONE = 0x1, 0x300, 3
IFLA_IFNAME, IFA_ADDRESS, IFA_LOCAL = 3, 1, 2
IFLA_LINKINFO, IFLA_INFO_KIND, NLA_F_NESTED = 18, 1, 0x8000
NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL = 0x4, 0x400, 0x200
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11


def dump(msg_type, header, protocol=socket.NETLINK_ROUTE):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol)
    s.bind((0, 0))
    s.send(struct.pack("=IHHII", 16 + len(header), msg_type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + header)
    datagrams = []
    while True:
        d = s.recv(1 << 20)
        datagrams.append(d)
        if any(t == NLMSG_DONE for t, _ in messages(d)):
            return datagrams


def refused_create(capped):
    """RTM_NEWLINK for a kind the kernel does not know: an NLMSG_ERROR with an extended-ack message."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1 if capped else 0)
    s.bind((0, 0))
    name = nla(IFLA_IFNAME, b"bad0\0")
    info = nla(IFLA_LINKINFO | NLA_F_NESTED, nla(IFLA_INFO_KIND, b"nosuchkind\0"))
    body = bytes(16) + name + info
    s.send(struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 7, 0) + body)
    return s.recv(1 << 16)


def nla(t, value):
    n = 4 + len(value)
    return struct.pack("=HH", n, t) + value + bytes(((n + 3) & ~3) - n)


def messages(d):
    off = 0
    while off + 16 <= len(d):
        length, t = struct.unpack_from("=IH", d, off)
        yield t, d[off:off + length]
        off += (length + 3) & ~3


def attrs(payload):
    off = 0
    while off + 4 <= len(payload):
        length, t = struct.unpack_from("=HH", payload, off)
        if length < 4:
            return
        yield t & 0x3FFF, payload[off + 4:off + length]
        off += (length + 3) & ~3


def write(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(x.hex() for x in lines) + "\n")


def main(out):
    links = dump(RTM_GETLINK, bytes(16))
    write(os.path.join(out, "link-dump.hex"), links)
    for d in links:
        for t, m in messages(d):
            if t != RTM_NEWLINK:
                continue
            name = next(v for a, v in attrs(m[32:]) if a == IFLA_IFNAME).rstrip(b"\0").decode()
            write(os.path.join(out, f"link-{name}.hex"), [m])
    addrs = dump(RTM_GETADDR, bytes(8))
    write(os.path.join(out, "addr-dump.hex"), addrs)
    for d in addrs:
        for t, m in messages(d):
            if t != RTM_NEWADDR:
                continue
            a = dict(attrs(m[24:]))
            family = m[16]
            own = a.get(IFA_LOCAL, a[IFA_ADDRESS])  # IFA_ADDRESS is the peer on point-to-point addresses
            text = socket.inet_ntop(socket.AF_INET if family == 2 else socket.AF_INET6, own)
            write(os.path.join(out, f"addr-{text.replace(':', '_')}.hex"), [m])
    write(os.path.join(out, "error-capped.hex"), [refused_create(True)])
    write(os.path.join(out, "error-uncapped.hex"), [refused_create(False)])


RTM_GETROUTE, RTM_GETNEIGH, RTM_GETRULE = 26, 30, 34
NFT_MSG_GETRULE, NETLINK_NETFILTER = (10 << 8) | 7, 12
AF_INET, AF_INET6, AF_BRIDGE, NFPROTO_IPV4 = 2, 10, 7, 2


def tables(out):
    """One file per table, one datagram per line, exactly as the library's dumps receive them."""
    rtmsg = lambda family: struct.pack("=BBBBBBBBI", family, 0, 0, 0, 0, 0, 0, 0, 0)
    ndmsg = lambda family: struct.pack("=BBHiHBB", family, 0, 0, 0, 0, 0, 0)
    write(os.path.join(out, "tables-route4.hex"), dump(RTM_GETROUTE, rtmsg(AF_INET)))
    write(os.path.join(out, "tables-route6.hex"), dump(RTM_GETROUTE, rtmsg(AF_INET6)))
    write(os.path.join(out, "tables-neigh.hex"), dump(RTM_GETNEIGH, ndmsg(0)))
    write(os.path.join(out, "tables-fdb.hex"), dump(RTM_GETNEIGH, ndmsg(AF_BRIDGE)))
    write(os.path.join(out, "tables-rule4.hex"), dump(RTM_GETRULE, struct.pack("=BBBBBBBBI", AF_INET, 0, 0, 0, 0, 0, 0, 0, 0)))
    write(os.path.join(out, "tables-rule6.hex"), dump(RTM_GETRULE, struct.pack("=BBBBBBBBI", AF_INET6, 0, 0, 0, 0, 0, 0, 0, 0)))
    write(os.path.join(out, "tables-brport.hex"), dump(RTM_GETLINK, struct.pack("=BBHiII", AF_BRIDGE, 0, 0, 0, 0, 0)))
    write(os.path.join(out, "tables-nft.hex"), dump(NFT_MSG_GETRULE, struct.pack("=BBH", NFPROTO_IPV4, 0, 0), NETLINK_NETFILTER))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "tables":
        tables(sys.argv[1])
    else:
        main(sys.argv[1])
