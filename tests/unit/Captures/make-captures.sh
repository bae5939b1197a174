#!/bin/sh
# Regenerates the captured kernel replies in this folder. Root only; everything happens in two
# throw-away namespaces that are deleted on exit, even on failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
a=unitcap-$$-a
b=unitcap-$$-b
trap 'ip netns del $a 2>/dev/null; ip netns del $b 2>/dev/null' EXIT
ip netns add $a
ip netns add $b
ip -n $a link set lo up
ip -n $a link add br0 address 02:00:00:00:0b:01 mtu 1400 type bridge stp_state 1 forward_delay 400 ageing_time 30000
ip -n $a link add veth0 address 02:00:00:00:00:01 mtu 1450 type veth peer name veth1 address 02:00:00:00:00:02
ip -n $a link set veth0 master br0
ip -n $a link set veth1 alias "peer side"
ip -n $a link set veth0 up
ip -n $a link set veth1 up
ip -n $a link set br0 up
# A pair whose peer lives in another namespace: the dump then carries IFLA_LINK_NETNSID.
ip -n $a link add vx0 address 02:00:00:00:00:03 type veth peer name vy0 netns $b
ip -n $a addr add 10.1.2.3/24 brd + dev br0
ip -n $a addr add 10.1.2.4/24 dev br0 label br0:x
ip -n $a addr add 10.9.9.1 peer 10.9.9.2/32 dev veth1
ip -n $a addr add fd00::1/64 dev br0 nodad
ip netns exec $a python3 "$here/capture_dump.py" "$here"
# What iproute2 makes of the same state, for writing the expected values in the tests.
ip -n $a -d -j link show
ip -n $a -j addr show
