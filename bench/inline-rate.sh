#!/usr/bin/env bash
# Inline call-rate benchmark: the highest SIP call rate scamgate sustains inline with zero failed
# calls. SIPp places short answered calls (INVITE, 100, 180, 200, ACK, BYE, 200; no pause) from a
# UAC namespace to a UAS namespace through a middle namespace, stepping the rate (default 100, 200,
# 400, 800, 1200, 1600, 2000, 2500, 3000, 4000 calls/s for 10 s each) and stopping at the first step
# with failed calls, SIPp retransmissions or timeouts, datagrams lost on a full SIPp socket buffer,
# packets that went around scamgate, or a rate SIPp could not hold.
#
# Usage: bench/inline-rate.sh [--mode nfqueue|bridge] [--no-baseline] [--rates 100,200,...]
#                             [--seconds S] [--bin PATH] [--queue N] [--sipp-buffer BYTES] [--keep]
#                             [--workers N]
#   --workers N (nfqueue, N > 1): `scamgate run --workers N` on queues N..N+W-1, the rule
#   `--queue-balance Q:Q+W-1`, and N SIPp UACs, each from its own address at rate/N; the kernel
#   picks a queue from the address pair with a hash seeded at boot, so each UAC address is chosen
#   by sending it a probe and seeing which queue's counter moved (/proc/net/netfilter/
#   nfnetlink_queue): one UAC per queue. The columns sum the UACs (rtd: their mean).
#   --sipp-buffer: SIPp's socket buffers (-buff_size; default 4194304, capped by net.core.rmem_max;
#   "" for SIPp's own 65535). With SIPp's 64 KiB, the bursts that come out of the queue overflow the
#   UAC's receive buffer from about 1200 calls/s on a 2-core VM, and the step fails on the load
#   generator, not on scamgate (column rcvbuf).
# Needs root, iproute2, iptables (NFQUEUE target) and sipp. Every namespace it makes is removed on
# exit. Run it on an otherwise idle machine: SIPp (both ends) and scamgate share the same cores.
#
# Topologies (addresses only inside the namespaces made here):
#   routed (baseline, nfqueue):
#     uac 203.0.113.2/24 --veth-- gw 203.0.113.1 | 192.0.2.1 (ip_forward=1) --veth-- uas 192.0.2.2/24
#     baseline: plain forwarding, no NFQUEUE rule, no scamgate;
#     nfqueue:  iptables -A FORWARD -p udp --dport 5060 -j NFQUEUE --queue-num N --queue-bypass and
#               `scamgate run --mode nfqueue` in gw (both directions are queued: both ends use 5060).
#   bridge:
#     uac 203.0.113.2/24 --veth-- gw (two veth ends, no addresses, no forwarding) --veth-- uas 203.0.113.3/24
#     `scamgate run --mode bridge --interface A --interface B` reads each side with libpcap and
#     injects into the other; both ends sit in 203.0.113.0/24, the bundled config's international
#     trunk.
# The baseline always uses the routed topology (kernel forwarding, nothing in the path).
#
# scamgate runs with the bundled configuration copied to a work folder, the policy in enforce mode,
# events written to a file, and one fresh process per step (its --stats json are that step's).
# Columns:
#   offered      the SIPp UAC rate (-r), calls/s
#   achieved     successful calls / (SIPp's last stats time - its start time), calls/s; a step with
#                failed calls includes their retransmission timeout (32 s) and so shows a low rate
#   ok, failed   SIPp UAC SuccessfulCall(C), FailedCall(C)
#   retrans      SIPp UAC Retransmissions(C)
#   timeouts     SIPp UAC FailedTimeoutOnRecv(C) + FailedMaxUDPRetrans(C)
#   rcvbuf       UDP datagrams dropped on a full socket receive buffer in the UAC and UAS namespaces
#                (Udp RcvbufErrors): SIPp did not read a burst in time (see --sipp-buffer)
#   rtd ms       SIPp's mean INVITE -> 200 time (ResponseTime1(C), 1 ms resolution)
#   gate cpu     scamgate's CPU time over the step's wall time (100% = one core)
#   events       call events scamgate wrote
#   nfq pkts, nfq drop    nfqueue.packets, nfqueue.dropped (bridge: bridge.packets, bridge.dropped)
#   bypass       nfqueue: packets the NFQUEUE rule matched that scamgate never saw (fail-open:
#                queue or netlink buffer full); bridge: frames the kernel dropped before scamgate
#                read them (capture.kernel_drops + interface_drops: lost); must be 0
#   p50 us, p99 us        inline.latency_p50_us / inline.latency_p99_us when the stats have them
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)

mode=nfqueue
baseline=1
rates=100,200,400,800,1200,1600,2000,2500,3000,4000
seconds=10
bin=${SCAMGATE_BIN:-build/scamgate}
queue=9
keep=
sipp_buffer=4194304
workers=1
command_line="$0 $*"
while (($#)); do
    case $1 in
        --mode) mode=$2; shift 2 ;;
        --no-baseline) baseline=; shift ;;
        --rates) rates=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --queue) queue=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        --sipp-buffer) sipp_buffer=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "inline-rate: unknown argument '$1' (--help)" >&2; exit 2 ;;
    esac
done
case $mode in nfqueue | bridge) ;; *) echo "inline-rate: --mode nfqueue|bridge, not '$mode'" >&2; exit 2 ;; esac
[[ $workers -eq 1 || $mode == nfqueue ]] || { echo "inline-rate: --workers is for nfqueue mode" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "inline-rate: needs root (network namespaces, iptables, NFQUEUE)" >&2; exit 2; }
for tool in ip iptables sipp python3; do
    command -v $tool >/dev/null || { echo "inline-rate: $tool is missing" >&2; exit 2; }
done
[[ -x $bin ]] || { echo "inline-rate: no scamgate binary at $bin (--bin PATH)" >&2; exit 2; }
bin=$(realpath "$bin")

WORK=$(mktemp -d /tmp/scamgate-inline-rate.XXXXXX)
NS_UAC=sgb-uac-$$
NS_GW=sgb-gw-$$
NS_UAS=sgb-uas-$$
IF_UAC=sgbu$$ IF_GW1=sgbg1$$ IF_GW2=sgbg2$$ IF_UAS=sgbs$$
UAC_IP=203.0.113.2
UAC_IPS=("$UAC_IP")  # one SIPp UAC per address (--workers: one per queue, chosen by pick_uac_addresses)
CANDIDATES=($(seq -f "203.0.113.%g" 10 41))
UAS_IP=
SCAMGATE_PID=
UAS_PID=
cleanup() {
    for pid in $UAS_PID $SCAMGATE_PID; do
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    done
    teardown
    if [[ -n $keep ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
teardown() {
    local ns
    for ns in "$NS_UAC" "$NS_GW" "$NS_UAS"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- topologies ---
make_namespaces() {
    local ns
    teardown
    for ns in "$NS_UAC" "$NS_GW" "$NS_UAS"; do
        ip netns add "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip -n "$ns" link set lo up
    done
    ip link add "$IF_UAC" netns "$NS_UAC" type veth peer name "$IF_GW1" netns "$NS_GW"
    ip link add "$IF_UAS" netns "$NS_UAS" type veth peer name "$IF_GW2" netns "$NS_GW"
}
links_up() {
    ip -n "$NS_UAC" link set "$IF_UAC" up
    ip -n "$NS_GW" link set "$IF_GW1" up
    ip -n "$NS_GW" link set "$IF_GW2" up
    ip -n "$NS_UAS" link set "$IF_UAS" up
}
topology_routed() {  # with-nfqueue-rule (1 or "")
    make_namespaces
    UAS_IP=192.0.2.2
    ip -n "$NS_UAC" addr add "$UAC_IP/24" dev "$IF_UAC"
    if ((workers > 1)); then
        local candidate
        for candidate in "${CANDIDATES[@]}"; do ip -n "$NS_UAC" addr add "$candidate/24" dev "$IF_UAC"; done
    fi
    ip -n "$NS_GW" addr add 203.0.113.1/24 dev "$IF_GW1"
    ip -n "$NS_GW" addr add 192.0.2.1/24 dev "$IF_GW2"
    ip -n "$NS_UAS" addr add "$UAS_IP/24" dev "$IF_UAS"
    links_up
    ip -n "$NS_UAC" route add default via 203.0.113.1
    ip -n "$NS_UAS" route add default via 192.0.2.1
    ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
    if [[ -n $1 ]]; then
        if ((workers > 1)); then
            ip netns exec "$NS_GW" iptables -A FORWARD -p udp --dport 5060 -j NFQUEUE \
                --queue-balance "$queue:$((queue + workers - 1))" --queue-bypass
        else
            ip netns exec "$NS_GW" iptables -A FORWARD -p udp --dport 5060 -j NFQUEUE --queue-num "$queue" --queue-bypass
        fi
    fi
}
# Packets queued so far to each of our queues (the id sequence of /proc/net/netfilter/nfnetlink_queue).
queue_ids() {
    ip netns exec "$NS_GW" awk -v q="$queue" -v n="$workers" '$1 >= q && $1 < q + n { printf "%s=%s ", $1, $8 }' \
        /proc/net/netfilter/nfnetlink_queue
}
# One UAC address per queue: a probe datagram from each candidate to the UAS's port 5060 (nothing
# listens yet), and the queue whose id sequence moved. scamgate must have bound every queue.
pick_uac_addresses() {
    local candidate before after moved
    local -A taken=()
    UAC_IPS=()
    for candidate in "${CANDIDATES[@]}"; do
        before=$(queue_ids)
        ip netns exec "$NS_UAC" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 0)); s.sendto(b"\r\n\r\n", (sys.argv[2], 5060))' \
            "$candidate" "$UAS_IP"
        moved=
        for _ in $(seq 1 20); do
            after=$(queue_ids)
            moved=$(python3 -c '
import sys
pairs = lambda text: dict(x.split("=") for x in text.split())
b, a = pairs(sys.argv[1]), pairs(sys.argv[2])
print(" ".join(q for q in a if a[q] != b.get(q)))' "$before" "$after")
            [[ -n $moved ]] && break
            sleep 0.05
        done
        if [[ $moved =~ ^[0-9]+$ && -z ${taken[$moved]:-} ]]; then
            taken[$moved]=$candidate
            UAC_IPS+=("$candidate")
        fi
        ((${#UAC_IPS[@]} == workers)) && break
    done
    ((${#UAC_IPS[@]} == workers)) || { echo "inline-rate: found UAC addresses for ${#UAC_IPS[@]} of $workers queues" >&2; exit 1; }
    echo "UAC addresses, one per queue $queue..$((queue + workers - 1)): ${UAC_IPS[*]}"
}
# bridge: the middle namespace only carries the two veth ends, up, no address, no forwarding
# (scamgate opens them promiscuous). The end hosts compute their checksums in software (veth
# would leave them to an offload that never happens once a frame is re-injected).
topology_bridge() {
    make_namespaces
    UAS_IP=203.0.113.3
    ip -n "$NS_UAC" addr add "$UAC_IP/24" dev "$IF_UAC"
    ip -n "$NS_UAS" addr add "$UAS_IP/24" dev "$IF_UAS"
    ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=0
    ip -n "$NS_GW" link set "$IF_GW1" promisc on
    ip -n "$NS_GW" link set "$IF_GW2" promisc on
    links_up
    ip netns exec "$NS_UAC" ethtool -K "$IF_UAC" tx off >/dev/null
    ip netns exec "$NS_UAS" ethtool -K "$IF_UAS" tx off >/dev/null
}
ping_through() {  # seconds: waits until a UDP datagram from the UAC to the UAS (port 7) is echoed
    local srv rc=0
    ip netns exec "$NS_UAS" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 7)); s.settimeout(0.2)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        data, peer = s.recvfrom(64); s.sendto(data, peer)
    except socket.timeout:
        pass' "$UAS_IP" "$(($1 + 1))" &
    srv=$!
    ip netns exec "$NS_UAC" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    s.sendto(b"probe", (sys.argv[1], 7))
    try:
        s.recvfrom(64); sys.exit(0)
    except (socket.timeout, ConnectionRefusedError):
        time.sleep(0.1)
sys.exit(1)' "$UAS_IP" "$1" || rc=$?
    kill "$srv" 2>/dev/null || true
    wait "$srv" 2>/dev/null || true
    return "$rc"
}

# --- scamgate ---
mkdir -p "$WORK/config"
cp -r "$SRC"/config/. "$WORK/config/"
ln -s "$SRC/signatures" "$WORK/signatures"
sed -i -e 's/^mode: monitor/mode: enforce/' "$WORK/config/policy.yaml"
grep -q "^mode: enforce" "$WORK/config/policy.yaml" || { echo "inline-rate: could not set the policy to enforce" >&2; exit 1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
start_gate() {  # step-name
    local name=$1 _
    local args=(run -c "$WORK/config/scamgate.yaml" --control "$WORK/control" --events "$WORK/$name.jsonl"
        --stats json --duration 600)
    if [[ $mode == nfqueue ]]; then
        args+=(--mode nfqueue --queue "$queue" --workers "$workers")
    else
        args+=(--mode bridge --interface "$IF_GW1" --interface "$IF_GW2")
    fi
    ip netns exec "$NS_GW" "$bin" "${args[@]}" >"$WORK/$name.stats" 2>"$WORK/$name.log" &
    SCAMGATE_PID=$!
    for _ in $(seq 1 300); do
        kill -0 "$SCAMGATE_PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; echo "inline-rate: scamgate exited at start" >&2; exit 1; }
        if [[ $mode == nfqueue ]]; then
            grep -q "bound queue $((queue + workers - 1))" "$WORK/$name.log" 2>/dev/null && break
        else
            grep -q "bridging $IF_GW2" "$WORK/$name.log" 2>/dev/null && break
        fi
        sleep 0.1
    done
    ping_through 10 || { cat "$WORK/$name.log" >&2; echo "inline-rate: the UAS is unreachable through scamgate" >&2; exit 1; }
    if ((workers > 1 && ${#UAC_IPS[@]} != workers)); then pick_uac_addresses >&2; fi
    GATE_T0=$(date +%s.%N)
    GATE_CPU0=$(cpu_ticks "$SCAMGATE_PID")
}
stop_gate() {  # step-name; sets GATE_CPU (percent of one core)
    local t1 cpu1 rc=0
    t1=$(date +%s.%N)
    cpu1=$(cpu_ticks "$SCAMGATE_PID")
    GATE_CPU=$(python3 -c "print(round(100 * ($cpu1 - $GATE_CPU0) / $(getconf CLK_TCK) / ($t1 - $GATE_T0)))")
    kill -TERM "$SCAMGATE_PID"
    wait "$SCAMGATE_PID" || rc=$?
    SCAMGATE_PID=
    ((rc == 0)) || { tail -20 "$WORK/$1.log" >&2; echo "inline-rate: scamgate exited $rc" >&2; exit 1; }
}

# UDP datagrams the kernel dropped because a socket's receive buffer was full, in the UAC and UAS
# namespaces together (SIPp's sockets): a burst the load generator could not absorb.
rcvbuf_errors() {
    local ns total=0 n
    for ns in "$NS_UAC" "$NS_UAS"; do
        n=$(ip netns exec "$ns" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }' /proc/net/snmp)
        total=$((total + ${n:-0}))
    done
    echo "$total"
}

# --- one step ---
sed -e '/<pause milliseconds=/d' "$SRC/tests/sipp/uac-call.xml" >"$WORK/uac-short.xml"
printf 'SEQUENTIAL\n+442079460123;+84903002002;London caller\n+14155550123;+842437001001;SF caller\n+33142685300;+84903002003;Paris caller\n' \
    >"$WORK/foreign.csv"

row() {  # prints one table row; exits 1 from python when the step did not hold (stop)
    python3 - "$@" <<'PY'
import json, sys
label, rate, uac_csvs, uac_rc, stats_path, events_path, rule_pkts, cpu, rcvbuf = sys.argv[1:10]
rate = int(rate)
lasts = []
for uac_csv in uac_csvs.split(","):  # one per UAC (--workers): summed
    rows = [l.rstrip("\n").split(";") for l in open(uac_csv) if l.strip()]
    lasts.append((rows[0], rows[-1]))
def values(k):
    return [last[head.index(k)] for head, last in lasts]
total = lambda k: sum(int(v) for v in values(k))
epochs = lambda k: [float(v.split("\t")[-1]) for v in values(k)]
def to_ms(v):  # HH:MM:SS:uuuuuu
    h, m, s, us = (int(x) for x in v.split(":"))
    return ((h * 60 + m) * 60 + s) * 1000 + us / 1000
def ms(k):
    return sum(to_ms(v) for v in values(k)) / len(lasts)
ok, failed, retrans = total("SuccessfulCall(C)"), total("FailedCall(C)"), total("Retransmissions(C)")
timeouts = total("FailedTimeoutOnRecv(C)") + total("FailedMaxUDPRetrans(C)")
elapsed = max(max(epochs("CurrentTime")) - min(epochs("StartTime")), 1e-3)
achieved = ok / elapsed
stats = {}
if stats_path != "-":
    try:
        stats = json.load(open(stats_path))
    except (OSError, ValueError):
        stats = {}
def st(k):
    if stats_path == "-": return "-"
    v = stats.get(k)
    return "n/a" if v is None else str(v)
events = "-"
if events_path != "-":
    events = str(sum(1 for l in open(events_path) if '"kind":"call"' in l.replace(" ", "")))
bypass = "-"
if "bridge.packets" in stats:  # bridge: frames the kernel dropped before scamgate read them
    bypass = str(stats.get("capture.kernel_drops", 0) + stats.get("capture.interface_drops", 0))
elif rule_pkts not in ("-", "") and "nfqueue.packets" in stats:
    bypass = str(int(rule_pkts) - int(stats["nfqueue.packets"]))
elif rule_pkts == "n/a":
    bypass = "n/a"
def gate(key):
    return st(f"nfqueue.{key}") if "nfqueue.packets" in stats else st(f"bridge.{key}")
notes = []
if failed: notes.append("failed calls")
if retrans: notes.append("retransmissions")
if timeouts: notes.append("timeouts")
if rcvbuf != "0": notes.append("sipp socket overflow")
if uac_rc != "0": notes.append(f"sipp exit {uac_rc}")
if bypass not in ("-", "n/a", "0"): notes.append("packets around scamgate" if "nfqueue.packets" in stats else "frames lost")
if achieved < 0.9 * rate: notes.append("rate not held")
cpu = "-" if cpu == "-" else f"{cpu}%"
# --workers: the packets each worker read.
spread = ""
if stats.get("workers"):
    spread = " (per worker: " + "/".join(str(stats.get(f"worker.{i}.packets")) for i in range(stats["workers"])) + ")"
print(f"{label:<9} {rate:>8} {achieved:>9.1f} {ok:>7} {failed:>6} {retrans:>7} {timeouts:>8} {rcvbuf:>6} {ms('ResponseTime1(C)'):>6.1f} "
      f"{cpu:>8} {events:>7} {gate('packets'):>9} {gate('dropped'):>8} {bypass:>6} "
      f"{st('inline.latency_p50_us'):>7} {st('inline.latency_p99_us'):>7}  {', '.join(notes) or 'ok'}{spread}", flush=True)
sys.exit(1 if notes else 0)
PY
}
header() {
    printf '%-9s %8s %9s %7s %6s %7s %8s %6s %6s %8s %7s %9s %8s %6s %7s %7s  %s\n' \
        mode offered achieved ok failed retrans timeouts rcvbuf "rtd ms" "gate cpu" events "nfq pkts" "nfq drop" bypass \
        "p50 us" "p99 us" result
}

step() {  # label rate; returns 1 when the step did not hold
    local label=$1 rate=$2 calls name uac_rc=0 rule_pkts=- stats=- events=- rcvbuf0 _
    calls=$((rate * seconds))
    rcvbuf0=$(rcvbuf_errors)
    name=$label-$rate
    [[ $label == baseline ]] || start_gate "$name"
    (cd "$WORK" && exec ip netns exec "$NS_UAS" sipp -sf "$SRC/tests/sipp/uas-answer.xml" -i "$UAS_IP" -p 5060 \
        -m "$calls" -nostdin -timeout "$((seconds + 60))s" -trace_err -error_file "$WORK/$name-uas.err" ${sipp_buffer:+-buff_size "$sipp_buffer"} \
        >"$WORK/$name-uas.log" 2>&1) &
    UAS_PID=$!
    for _ in $(seq 1 50); do
        ip netns exec "$NS_UAS" ss -uln | grep -q "$UAS_IP:5060" && break
        sleep 0.1
    done
    # One UAC per address (several with --workers), each its share of the rate and calls.
    local uacs=${#UAC_IPS[@]} k pids=() csvs=() rc
    [[ $label == baseline ]] && uacs=1
    for ((k = 0; k < uacs; k++)); do
        local from=${UAC_IPS[$k]}
        (cd "$WORK" && exec ip netns exec "$NS_UAC" sipp "$UAS_IP:5060" -sf "$WORK/uac-short.xml" -inf "$WORK/foreign.csv" \
            -i "$from" -p 5060 -r "$((rate / uacs))" -rp 1000 -m "$((calls / uacs))" -nostdin -timeout "$((seconds + 60))s" \
            -cid_str "bench-$name-$k-%u@$from" -key ua scamgate-inline-rate -key dom "$from" ${sipp_buffer:+-buff_size "$sipp_buffer"} \
            -trace_err -error_file "$WORK/$name-uac$k.err" -trace_stat -stf "$WORK/$name-uac$k.csv" -fd 1 \
            >"$WORK/$name-uac$k.log" 2>&1) &
        pids+=($!)
        csvs+=("$WORK/$name-uac$k.csv")
    done
    for pid in "${pids[@]}"; do
        rc=0
        wait "$pid" || rc=$?
        ((rc > uac_rc)) && uac_rc=$rc
    done
    # The UAS ends by itself after `calls` calls; after failures it would wait for calls that never come.
    for _ in $(seq 1 50); do kill -0 "$UAS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$UAS_PID" 2>/dev/null && kill -TERM "$UAS_PID" 2>/dev/null
    wait "$UAS_PID" 2>/dev/null || true
    UAS_PID=
    GATE_CPU=-
    if [[ $label != baseline ]]; then
        if [[ $mode == nfqueue ]]; then
            rule_pkts=$(ip netns exec "$NS_GW" iptables -nvx -L FORWARD | awk '/NFQUEUE/ { print $1; exit }')
            ip netns exec "$NS_GW" iptables -Z FORWARD
        else
            rule_pkts=n/a
        fi
        stop_gate "$name"
        stats=$WORK/$name.stats
        events=$WORK/$name.jsonl
    fi
    [[ -s $WORK/$name-uac0.csv ]] || { tail -20 "$WORK/$name-uac0.log" >&2; echo "inline-rate: sipp wrote no stats" >&2; exit 1; }
    row "$label" "$rate" "$(IFS=,; echo "${csvs[*]}")" "$uac_rc" "$stats" "$events" "$rule_pkts" "$GATE_CPU" \
        "$(($(rcvbuf_errors) - rcvbuf0))"
}

run_steps() {  # label
    local rate best=0
    for rate in ${rates//,/ }; do
        if step "$1" "$rate"; then best=$rate; else break; fi
    done
    SUMMARY+=("$1: highest step that held (no failed call, retransmission, timeout, socket overflow or packet around scamgate): ${best} calls/s (of ${rates})")
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r)"
echo "command: $command_line"
echo "scamgate: $bin ($(git -C "$SRC" describe --always --dirty 2>/dev/null || echo '?'))"
echo "sipp: $({ sipp -v 2>&1 || true; } | grep -m1 -o 'SIPp v[^ ]*' || echo '?')"
echo "workers: $workers$( ((workers > 1)) && echo " (queues $queue..$((queue + workers - 1)), one SIPp UAC per queue)")"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "steps: ${rates} calls/s, ${seconds} s each; short answered calls (7 SIP messages each, no pause); sipp -buff_size ${sipp_buffer:-default} (net.core.rmem_max $(sysctl -n net.core.rmem_max))"
echo
SUMMARY=()
header
if [[ -n $baseline ]]; then
    topology_routed ""
    ping_through 10 || { echo "inline-rate: the routed topology does not forward" >&2; exit 1; }
    run_steps baseline
fi
if [[ $mode == nfqueue ]]; then
    topology_routed 1
else
    topology_bridge
fi
run_steps "$mode"
echo
printf '%s\n' "${SUMMARY[@]}"
