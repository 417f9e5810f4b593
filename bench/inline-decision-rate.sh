#!/usr/bin/env bash
# Inline decision rate (nfqueue): how many new calls per second scamgate judges inline, and the
# latency it adds, when the load generator is not the limit. bench/inline-rate.sh drives real
# calls with SIPp, which on a 2-core machine tops out well below scamgate (SIPp overflows its own
# sockets from about 2,000-4,000 calls/s while scamgate uses a few % of a core). Here tcpreplay
# sends initial INVITEs, each a new call with its own Call-ID (scamgate-pcapgen flood), through a
# routed namespace whose FORWARD rule queues them to scamgate; every INVITE is one decision (the
# call is looked up, built, judged by the detector and policy, and the verdict set). Each step
# sends RATE INVITEs/s for SECONDS and reports what scamgate read, what went around it (the rule's
# packets minus nfqueue.packets: fail-open on a full queue), its CPU and its latency histogram.
# A step holds when nothing went around scamgate and tcpreplay held the rate.
#
# Usage: bench/inline-decision-rate.sh [--rates 5000,10000,...] [--seconds S] [--workers N]
#                                      [--bin PATH] [--queue N] [--keep]
# Needs root, iproute2, iptables (NFQUEUE), tcpreplay and tcprewrite. The namespaces it makes are
# removed on exit; only their own addresses are used:
#   src 198.51.100.2/24 --veth-- gw 198.51.100.254 | 192.0.2.1 (ip_forward, NFQUEUE) --veth-- dst 192.0.2.2/24
# The flood's callers (198.51.100.x) call 198.51.100.1, rewritten to 192.0.2.2 so the INVITEs are
# routed through gw. Nothing answers them (each stays a pending call; calls.max_active bounds them).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)

rates=5000,10000,20000,40000
seconds=5
workers=1
bin=${SCAMGATE_BIN:-build/scamgate}
pcapgen=${PCAPGEN_BIN:-build/tools/pcapgen/scamgate-pcapgen}
queue=11
keep=
command_line="$0 $*"
while (($#)); do
    case $1 in
        --rates) rates=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --queue) queue=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "inline-decision-rate: unknown argument '$1' (--help)" >&2; exit 2 ;;
    esac
done
[[ $(id -u) -eq 0 ]] || { echo "inline-decision-rate: needs root (namespaces, iptables, NFQUEUE)" >&2; exit 2; }
for tool in ip iptables tcpreplay tcprewrite python3; do
    command -v $tool >/dev/null || { echo "inline-decision-rate: $tool is missing" >&2; exit 2; }
done
[[ -x $bin && -x $pcapgen ]] || { echo "inline-decision-rate: build scamgate and scamgate-pcapgen first (--bin, PCAPGEN_BIN)" >&2; exit 2; }
bin=$(realpath "$bin")

WORK=$(mktemp -d /tmp/scamgate-decision-rate.XXXXXX)
NS_SRC=sgd-src-$$ NS_GW=sgd-gw-$$ NS_DST=sgd-dst-$$
IF_SRC=sgds$$ IF_GW1=sgdg1$$ IF_GW2=sgdg2$$ IF_DST=sgdd$$
SCAMGATE_PID=
cleanup() {
    [[ -n $SCAMGATE_PID ]] && kill -KILL "$SCAMGATE_PID" 2>/dev/null || true
    local ns
    for ns in "$NS_SRC" "$NS_GW" "$NS_DST"; do ip netns del "$ns" 2>/dev/null || true; done
    if [[ -n $keep ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in "$NS_SRC" "$NS_GW" "$NS_DST"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
done
ip link add "$IF_SRC" netns "$NS_SRC" type veth peer name "$IF_GW1" netns "$NS_GW"
ip link add "$IF_DST" netns "$NS_DST" type veth peer name "$IF_GW2" netns "$NS_GW"
ip -n "$NS_SRC" addr add 198.51.100.2/24 dev "$IF_SRC"
ip -n "$NS_GW" addr add 198.51.100.254/24 dev "$IF_GW1"
ip -n "$NS_GW" addr add 192.0.2.1/24 dev "$IF_GW2"
ip -n "$NS_DST" addr add 192.0.2.2/24 dev "$IF_DST"
for pair in "$NS_SRC $IF_SRC" "$NS_GW $IF_GW1" "$NS_GW $IF_GW2" "$NS_DST $IF_DST"; do
    set -- $pair
    ip -n "$1" link set "$2" up
done
ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.$IF_GW1.rp_filter=0"
if ((workers > 1)); then
    ip netns exec "$NS_GW" iptables -A FORWARD -p udp --dport 5060 -j NFQUEUE \
        --queue-balance "$queue:$((queue + workers - 1))" --queue-bypass
else
    ip netns exec "$NS_GW" iptables -A FORWARD -p udp --dport 5060 -j NFQUEUE --queue-num "$queue" --queue-bypass
fi
gw_mac=$(ip -n "$NS_GW" -br link show "$IF_GW1" | awk '{ print $3 }')
src_mac=$(ip -n "$NS_SRC" -br link show "$IF_SRC" | awk '{ print $3 }')

# The INVITEs: enough for the fastest step, addressed to go through gw.
most=0
for rate in ${rates//,/ }; do ((rate > most)) && most=$rate; done
"$pcapgen" flood --invites "$((most * seconds))" --rate "$most" --out "$WORK/flood.pcap" >/dev/null
tcprewrite --infile "$WORK/flood.pcap" --outfile "$WORK/routed.pcap" --dstipmap 198.51.100.1/32:192.0.2.2/32 \
    --enet-dmac "$gw_mac" --enet-smac "$src_mac" --fixcsum

mkdir -p "$WORK/config"
cp -r "$SRC"/config/. "$WORK/config/"
ln -s "$SRC/signatures" "$WORK/signatures"
sed -i -e 's/^mode: monitor/mode: enforce/' "$WORK/config/policy.yaml"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

step() {  # rate; prints a row, returns 1 when the step did not hold
    local rate=$1 name=step-$1 t0 t1 cpu0 cpu1 rule_pkts replay_rc=0
    ip netns exec "$NS_GW" "$bin" run -c "$WORK/config/scamgate.yaml" --control "$WORK/control" --mode nfqueue \
        --queue "$queue" --workers "$workers" --events "$WORK/$name.jsonl" --stats json --duration 600 \
        >"$WORK/$name.stats" 2>"$WORK/$name.log" &
    SCAMGATE_PID=$!
    for _ in $(seq 1 300); do
        grep -q "bound queue $((queue + workers - 1))" "$WORK/$name.log" 2>/dev/null && break
        kill -0 "$SCAMGATE_PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; exit 1; }
        sleep 0.1
    done
    sleep 0.5
    ip netns exec "$NS_GW" iptables -Z FORWARD
    t0=$(date +%s.%N)
    cpu0=$(cpu_ticks "$SCAMGATE_PID")
    ip netns exec "$NS_SRC" tcpreplay -q -i "$IF_SRC" --pps "$rate" --limit "$((rate * seconds))" "$WORK/routed.pcap" \
        >"$WORK/$name.replay" 2>&1 || replay_rc=$?
    sleep 1  # the queue drains
    t1=$(date +%s.%N)
    cpu1=$(cpu_ticks "$SCAMGATE_PID")
    rule_pkts=$(ip netns exec "$NS_GW" iptables -nvx -L FORWARD | awk '/NFQUEUE/ { print $1; exit }')
    kill -TERM "$SCAMGATE_PID"
    wait "$SCAMGATE_PID" || { tail -5 "$WORK/$name.log" >&2; exit 1; }
    SCAMGATE_PID=
    python3 - "$rate" "$seconds" "$WORK/$name.stats" "$WORK/$name.replay" "$rule_pkts" \
        "$(python3 -c "print(round(100 * ($cpu1 - $cpu0) / $(getconf CLK_TCK) / ($t1 - $t0)))")" "$replay_rc" <<'PY'
import json, re, sys
rate, seconds, stats_path, replay_path, rule_pkts, cpu, replay_rc = sys.argv[1:8]
rate, seconds, rule_pkts = int(rate), int(seconds), int(rule_pkts or 0)
stats = json.load(open(stats_path))
replay = open(replay_path).read()
m = re.search(r"Actual: (\d+) packets .*? in ([\d.]+) seconds", replay, re.S)
sent, took = (int(m.group(1)), float(m.group(2))) if m else (0, 0.0)
achieved = sent / took if took else 0.0
queued = stats.get("nfqueue.packets", 0)
bypass = rule_pkts - queued
decided = stats.get("inline.sip_decided", 0)
notes = []
if replay_rc != "0": notes.append(f"tcpreplay exit {replay_rc}")
if achieved < 0.95 * rate: notes.append("rate not held by tcpreplay")
if bypass: notes.append("packets around scamgate")
if decided < 0.99 * sent: notes.append("not every INVITE decided")
spread = ""
if stats.get("workers"):
    spread = " (per worker: " + "/".join(str(stats.get(f"worker.{i}.packets")) for i in range(stats["workers"])) + ")"
print(f"{rate:>8} {achieved:>9.0f} {sent:>8} {queued:>8} {bypass:>7} {decided:>8} {cpu + '%':>6} "
      f"{stats.get('inline.latency_p50_us', 'n/a'):>7} {stats.get('inline.latency_p99_us', 'n/a'):>7} "
      f"{stats.get('inline.latency_max_us', 'n/a'):>8}  {', '.join(notes) or 'ok'}{spread}", flush=True)
sys.exit(1 if notes else 0)
PY
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
echo "command: $command_line"
echo "scamgate: $bin ($(git -C "$SRC" describe --always --dirty 2>/dev/null || echo '?')), workers $workers"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "steps: ${rates} INVITEs/s (each a new call: one decision), ${seconds} s each"
echo
printf '%8s %9s %8s %8s %7s %8s %6s %7s %7s %8s  %s\n' offered achieved sent queued bypass decided cpu "p50 us" "p99 us" "max us" result
best=0
for rate in ${rates//,/ }; do
    if step "$rate"; then best=$rate; else break; fi
done
echo
echo "highest step that held (every INVITE queued and decided, none around scamgate): $best INVITEs/s (of $rates)"
