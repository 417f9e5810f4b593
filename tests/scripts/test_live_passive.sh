#!/usr/bin/env bash
# `scamgate run --mode passive` against real traffic: a veth pair between two network namespaces
# made for this test, scamgate capturing on the end in namespace B, tcpreplay sending the bundled
# captures (pcaps/*.pcap) into the end in namespace A. The events must equal those of
# `scamgate replay --join` of the same files (live sees one continuous stream), except the fields
# that depend on when packets were seen. Also: the capture counters (packets read = packets sent,
# kernel drops reported), SIGTERM stopping the run with exit 0, flushed events, and a second run
# with the port-based default filter (sip.detect_any_port: false).
# With WORKERS=N (N > 1; test_live_passive_workers.sh) scamgate runs `--workers N`: each worker
# gets its share of the interface (AF_PACKET fanout by IP address pair), and the same events must
# come out as from the one-worker replay; one marker frame per worker (an address pair the fanout
# hands to that worker: capture::fanout_member_v4), and every worker must have read packets.
# Needs root, `ip netns` and tcpreplay; exits 77 (skipped) without them.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}
PPS=${LIVE_TEST_PPS:-2000}
WORKERS=${WORKERS:-1}
TEST=test_live_passive
[[ $WORKERS -gt 1 ]] && TEST=test_live_passive_workers

skip() {
    echo "SKIP: $TEST: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: $TEST: $*" >&2
    exit 1
}

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces and raw capture); run as root to test live capture"
command -v ip >/dev/null || skip "ip (iproute2) is missing"
command -v tcpreplay >/dev/null || skip "tcpreplay is missing (apt-get install tcpreplay)"
command -v python3 >/dev/null || skip "python3 is missing"
probe=sgprobe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed: no CAP_SYS_ADMIN?)"
ip netns del "$probe"

NS_A=sg-a-$$
NS_B=sg-b-$$
IF_A=sga$$  # interface names: at most 15 characters
IF_B=sgb$$
WORK=$(mktemp -d /tmp/scamgate-live.XXXXXX)
SCAMGATE_PID=

cleanup() {
    if [[ -n $SCAMGATE_PID ]] && kill -0 "$SCAMGATE_PID" 2>/dev/null; then kill -KILL "$SCAMGATE_PID" 2>/dev/null || true; fi
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# Two namespaces joined by a veth pair; IPv6 off so the kernel sends nothing of its own (router
# solicitations, DAD) and every captured frame is one tcpreplay sent.
for ns in "$NS_A" "$NS_B"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B"
ip -n "$NS_A" link set "$IF_A" up
ip -n "$NS_B" link set "$IF_B" up

mapfile -t PCAPS < <(ls "$SRC"/pcaps/*.pcap | sort)
[[ ${#PCAPS[@]} -gt 0 ]] || fail "no captures in $SRC/pcaps"

# Starts scamgate in namespace B and waits until it says it is capturing.
start_live() {  # name, extra args...
    local name=$1
    shift
    [[ $WORKERS -gt 1 ]] && set -- "$@" --workers "$WORKERS"
    ip netns exec "$NS_B" "$BIN" run --mode passive --interface "$IF_B" --events "$WORK/$name.jsonl" \
        --stats json --duration 600 "$@" >"$WORK/$name.stats" 2>"$WORK/$name.log" &
    SCAMGATE_PID=$!
    for _ in $(seq 1 1200); do
        grep -q "^scamgate: info: capturing on $IF_B" "$WORK/$name.log" 2>/dev/null && return 0
        kill -0 "$SCAMGATE_PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; fail "$name: scamgate exited before capturing"; }
        sleep 0.1
    done
    fail "$name: scamgate did not start capturing within 120 s"
}

# Sends every capture at $PPS packets per second; prints how many packets went out.
send_all() {
    local out
    out=$(ip netns exec "$NS_A" tcpreplay -i "$IF_A" --pps="$PPS" "${PCAPS[@]}" 2>&1) || { echo "$out" >&2; fail "tcpreplay failed"; }
    echo "$out" | awk '/Actual:/ { sum += $2 } END { print sum + 0 }'
}

# One malformed frame per worker (IPv4 total length 10, below its 20-byte header; a fragment, so
# the port filter keeps it too), sent after the captures: scamgate logs its anomaly with its packet
# number. The frames a worker gets are read in order, so once every marker's line is in the log
# every frame sent before them has been read and processed: no fixed sleep, however slow the build
# (sanitizers) or busy the machine. With several workers, marker I's address pair is one the
# fanout hands to worker I (capture::fanout_member_v4's arithmetic).
write_marker() {  # file
    python3 - "$1" "$WORKERS" <<'PY'
import struct, sys
workers, M = int(sys.argv[2]), 0xFFFFFFFF
def member(s, d):
    k = ((((s ^ d) * 0x9E3779B1) & M) + ((s + d) & M)) & M
    return (((k * 0x85EBCA6B) & M) >> 16) % workers
src = 0xC0000201  # 192.0.2.1
chosen = {}
for last in range(2, 255):
    dst = 0xC0000200 | last
    chosen.setdefault(member(src, dst) if workers > 1 else 0, dst)
assert len(chosen) == workers, chosen
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for worker in range(workers):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 10, 1, 0x2000, 64, 17, 0, src.to_bytes(4, "big"),
                         chosen[worker].to_bytes(4, "big"))
        frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + bytes(26)
        f.write(struct.pack("<IIII", 1, 0, len(frame), len(frame)) + frame)
PY
}
MARKER_ANOMALY=ipv4.bad_total_length

# Sends the marker frames and waits (at most 120 s) until scamgate has logged them all.
send_marker_and_wait() {  # name
    ip netns exec "$NS_A" tcpreplay -i "$IF_A" "$WORK/marker.pcap" >/dev/null 2>&1 || fail "$1: tcpreplay of the marker frame failed"
    for _ in $(seq 1 1200); do
        [[ $(grep -c "packet [0-9]*: $MARKER_ANOMALY" "$WORK/$1.log") -ge $WORKERS ]] && return 0
        kill -0 "$SCAMGATE_PID" 2>/dev/null || { cat "$WORK/$1.log" >&2; fail "$1: scamgate exited before the marker frame"; }
        sleep 0.1
    done
    fail "$1: scamgate did not log the marker frame ($MARKER_ANOMALY) within 120 s"
}

# SIGTERM, then the exit status must be 0.
stop_live() {  # name
    send_marker_and_wait "$1"
    # Events are flushed as each contact finishes: the calls that ended with a BYE and the
    # answered SMS are in the file before the run stops.
    local early
    early=$(wc -l <"$WORK/$1.jsonl")
    echo "$1: $early events in the file while scamgate was still running"
    [[ $early -gt 0 ]] || fail "$1: no event in the file before the stop (events not flushed line by line?)"
    kill -TERM "$SCAMGATE_PID"
    local rc=0
    wait "$SCAMGATE_PID" || rc=$?
    SCAMGATE_PID=
    [[ $rc -eq 0 ]] || { cat "$WORK/$1.log" >&2; fail "$1: scamgate exited $rc after SIGTERM (expected 0)"; }
    grep -q "SIGTERM received: stopping" "$WORK/$1.log" || fail "$1: no 'SIGTERM received' in the log"
}

stat_of() {  # name key
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "missing"))' "$WORK/$1.stats" "$2"
}

check_counters() {  # name sent
    local name=$1 sent=$2 packets drops ifdrops
    packets=$(stat_of "$name" capture.packets)
    drops=$(stat_of "$name" capture.kernel_drops)
    ifdrops=$(stat_of "$name" capture.interface_drops)
    echo "$name: sent $sent packets at $PPS pps and $WORKERS marker frame(s); captured $packets, kernel drops $drops, interface drops $ifdrops"
    [[ $drops != missing && $ifdrops != missing ]] || fail "$name: capture.kernel_drops / capture.interface_drops missing from --stats json"
    [[ $packets == $((sent + WORKERS)) ]] || fail "$name: captured $packets packets, tcpreplay sent $sent and $WORKERS marker(s) (kernel drops: $drops)"
    [[ $WORKERS -gt 1 ]] || return 0
    python3 - "$WORK/$name.stats" "$WORKERS" <<'PY' || fail "$name: not every worker read packets"
import json, sys
s, n = json.load(open(sys.argv[1])), int(sys.argv[2])
counts = [s.get(f"worker.{i}.packets") for i in range(n)]
print(f"packets per worker {counts}")
assert s.get("workers") == n and all(isinstance(c, int) and c > 0 for c in counts) and sum(counts) == s["capture.packets"], counts
PY
}

# Events equal, ignoring what depends on when a packet was seen and where it was read from.
compare_events() {  # live.jsonl replay.jsonl
    python3 - "$1" "$2" <<'EOF'
import json, re, sys
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
MASKED = {"ts", "first_seen", "source", "setup_time_s", "duration_s"}

def mask(value):
    if isinstance(value, dict):
        return {k: ("<masked>" if k in MASKED and v is not None else mask(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str) and TIME.match(value):
        return "<time>"  # timeline times
    return value

def load(path):
    with open(path) as f:
        return sorted(json.dumps(mask(json.loads(line)), sort_keys=True) for line in f if line.strip())

live, replay = load(sys.argv[1]), load(sys.argv[2])
only_live = [e for e in live if e not in replay]
only_replay = [e for e in replay if e not in live]
print(f"events: live {len(live)}, replay {len(replay)}")
for e in only_live[:5]:
    print("only live:  ", e[:600])
for e in only_replay[:5]:
    print("only replay:", e[:600])
sys.exit(0 if live == replay and live else 1)
EOF
}

write_marker "$WORK/marker.pcap"

# Behaviour is off in both runs: tcpreplay squeezes captures made hours apart into seconds, and
# behaviour counts on packet time, so live and replay would rightly see different rates
# (docs/behaviour.md). Behaviour on the captures' own time: test_behaviour_captures.sh.
NO_BEHAVIOUR=$(printf 'behaviour:\n  enabled: false\n'; sed -n '/^trunks:/,$p' "$SRC/config/scamgate.yaml")
printf '%s\n' "$NO_BEHAVIOUR" >"$WORK/default.yaml"

# 1. The default configuration (sip.detect_any_port: true, so the filter is "ip or ip6 or ether proto 0x8864 or vlan").
start_live default -c "$WORK/default.yaml"
sent=$(send_all)
stop_live default
check_counters default "$sent"
grep -q "filter: ip or ip6 or ether proto 0x8864 or vlan (the default" "$WORK/default.log" || fail "default: filter 'ip or ip6 or ether proto 0x8864 or vlan' not logged"
"$BIN" replay -c "$WORK/default.yaml" --join --events "$WORK/replay.jsonl" "${PCAPS[@]}" 2>/dev/null
compare_events "$WORK/default.jsonl" "$WORK/replay.jsonl" || fail "default: live events differ from replay --join"

# 2. SIP only on its ports: the default filter is built from sip.ports and smpp.ports.
cat >"$WORK/ports.yaml" <<EOF
sip:
  detect_any_port: false
EOF
printf '%s\n' "$NO_BEHAVIOUR" >>"$WORK/ports.yaml"
start_live ports -c "$WORK/ports.yaml"
sent=$(send_all)
stop_live ports
check_counters ports "$sent"
grep -q "filter: udp port 5060 or tcp port 5060 or " "$WORK/ports.log" || fail "ports: port filter not logged"
"$BIN" replay -c "$WORK/ports.yaml" --join --events "$WORK/replay-ports.jsonl" "${PCAPS[@]}" 2>/dev/null
compare_events "$WORK/ports.jsonl" "$WORK/replay-ports.jsonl" || fail "ports: live events differ from replay --join"

echo "PASS: $TEST"
