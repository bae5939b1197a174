#!/bin/sh
# Regenerates tables-*.hex: route, neighbour, FDB, rule, bridge port and nf_tables dumps, the corpus of the
# parser fuzz tests. Root only; everything happens in a throw-away namespace deleted on exit, even on failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
a=unitcap-$$-t
trap 'ip netns del $a 2>/dev/null' EXIT
ip netns add $a
ip -n $a link set lo up
ip -n $a link add br0 address 02:00:00:00:0b:01 type bridge
ip -n $a link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 address 02:00:00:00:00:02
ip -n $a link set veth0 master br0
ip -n $a link set dev veth0 type bridge_slave isolated on hairpin on proxy_arp on learning off
ip -n $a link add vx0 address 02:00:00:00:00:03 type vxlan id 42 dstport 4789 local 10.1.2.3 nolearning
ip -n $a link set vx0 master br0
for l in veth0 veth1 vx0 br0; do ip -n $a link set $l up; done
ip -n $a addr add 10.1.2.3/24 dev br0
ip -n $a addr add fd00::1/64 dev br0 nodad
ip -n $a route add 10.20.0.0/24 via 10.1.2.1 metric 10 table 100
ip -n $a route add 10.21.0.0/24 table 100 nexthop via 10.1.2.1 weight 1 nexthop via 10.1.2.2 weight 3
ip -n $a route add blackhole 10.22.0.0/24
ip -n $a route add 10.23.0.0/24 via 10.30.0.1 dev veth1 onlink proto static
ip -n $a route add fd01::/64 via fd00::2 metric 256
ip -n $a route add fd02::/64 table 100 nexthop via fd00::2 dev br0 nexthop via fd00::3 dev br0
ip -n $a neigh add 10.1.2.9 lladdr 02:00:00:00:00:09 dev br0 nud permanent
ip -n $a neigh add fd00::9 lladdr 02:00:00:00:00:0a dev br0 nud reachable router
ip -n $a neigh add proxy 10.1.2.10 dev br0
bridge -n $a fdb append 00:00:00:00:00:00 dev vx0 dst 192.168.8.101
bridge -n $a fdb append 00:00:00:00:00:00 dev vx0 dst 192.168.8.102 port 4790 vni 43
bridge -n $a fdb add 02:00:00:00:00:21 dev veth0 master static
bridge -n $a fdb add 02:00:00:00:00:22 dev br0 self permanent
ip -n $a rule add from 10.1.0.0/16 to 10.2.0.0/16 table 100 priority 100
ip -n $a rule add iif veth1 oif br0 fwmark 0x10/0xff blackhole priority 101
ip -n $a -6 rule add from fd00::/64 table 100 priority 102
ip netns exec $a nft add table ip overlaynet
ip netns exec $a nft add chain ip overlaynet forward '{ type filter hook forward priority 0; }'
ip netns exec $a nft add chain ip overlaynet postrouting '{ type nat hook postrouting priority 100; }'
ip netns exec $a nft add rule ip overlaynet forward iifname "veth*" oifname br0 ip saddr 10.1.0.0/16 ip daddr 10.2.0.0/16 ct state related,established accept
ip netns exec $a nft add rule ip overlaynet forward ip saddr != 10.9.0.0/16 drop
ip netns exec $a nft add rule ip overlaynet postrouting ip saddr 10.1.0.0/16 ip daddr != 10.1.0.0/16 oifname veth1 masquerade
ip netns exec $a nft add rule ip overlaynet postrouting tcp dport 22 counter accept
ip netns exec $a python3 "$here/capture_dump.py" "$here" tables
