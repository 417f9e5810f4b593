# Sourced by the inline TCP tests (test_inline_smpp.sh, test_inline_sip_tcp.sh) and the SIP
# differential test (test_sip_differential.sh): three network namespaces in a row,
# LEFT -- GW -- RIGHT, GW routing between two /24s and queueing both directions of one TCP port
# (and, when asked, the same UDP port) to an NFQUEUE (with --queue-bypass). Offloads are off on
# every veth end: one real TCP segment per send, complete checksums, as on a real wire.
# The caller defines fail() and WORK, and adds the PIDs it starts to PIDS.

PIDS=()
ROUTED_NAMESPACES=()

# routed_tcp_netns LEFT_NS GW_NS RIGHT_NS LEFT_IP LEFT_GW_IP RIGHT_GW_IP RIGHT_IP PORT QUEUE [PROTOCOLS]
# (addresses without a prefix length; each side is a /24; PROTOCOLS is "tcp" (the default) or
# "tcp udp")
routed_tcp_netns() {
    local left=$1 gw=$2 right=$3 left_ip=$4 left_gw=$5 right_gw=$6 right_ip=$7 port=$8 queue=$9 ns link proto
    local protocols=${10:-tcp}
    ROUTED_NAMESPACES=("$left" "$gw" "$right")
    trap routed_cleanup EXIT
    for ns in "${ROUTED_NAMESPACES[@]}"; do
        ip netns add "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip -n "$ns" link set lo up
    done
    ip link add sgl$$ netns "$left" type veth peer name sgg1$$ netns "$gw"
    ip link add sgr$$ netns "$right" type veth peer name sgg2$$ netns "$gw"
    ip -n "$left" addr add "$left_ip/24" dev sgl$$
    ip -n "$gw" addr add "$left_gw/24" dev sgg1$$
    ip -n "$gw" addr add "$right_gw/24" dev sgg2$$
    ip -n "$right" addr add "$right_ip/24" dev sgr$$
    for link in "$left sgl$$" "$gw sgg1$$" "$gw sgg2$$" "$right sgr$$"; do
        set -- $link
        ip -n "$1" link set "$2" up
        ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || fail "ethtool -K $2 failed"
    done
    ip -n "$left" route add default via "$left_gw"
    ip -n "$right" route add default via "$right_gw"
    ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
    # UDP rules match every conntrack state: using conntrack makes the kernel reassemble IP
    # fragments before FORWARD, so a fragmented SIP datagram reaches the queue whole (without it
    # only the first fragment matches --dport and the rest go around scamgate; docs/operations.md).
    local ct
    for proto in $protocols; do
        ct=()
        [[ $proto == udp ]] && ct=(-m conntrack --ctstate NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED)
        ip netns exec "$gw" iptables -A FORWARD -p "$proto" --dport "$port" "${ct[@]}" -j NFQUEUE --queue-num "$queue" --queue-bypass
        ip netns exec "$gw" iptables -A FORWARD -p "$proto" --sport "$port" "${ct[@]}" -j NFQUEUE --queue-num "$queue" --queue-bypass
    done
}

# Stops what the test started, kills whatever else runs in the namespaces, deletes them and the
# work folder (kept with KEEP_WORK=1).
routed_cleanup() {
    local pid ns
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.3
    for ns in "${ROUTED_NAMESPACES[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    wait "${PIDS[@]}" 2>/dev/null || true
    [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}

# wait_for TRIES COMMAND...: runs COMMAND every 0.1 s until it succeeds, at most TRIES times.
wait_for() {
    local tries=$1
    shift
    while ! "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [[ $tries -gt 0 ]] || return 1
        sleep 0.1
    done
}
