#!/usr/bin/env bash
# output.redis_stream in `scamgate run` (the daemon's events writer): a veth pair between two
# network namespaces made for this test, scamgate capturing passively in namespace B, tcpreplay
# sending the bundled captures from namespace A, a redis-server of this test on a Unix socket (a
# file: reachable from any namespace). Every event line the daemon writes, including the calls
# still open at SIGTERM, must be in the stream, in the file's order, and counted as sent.
# Needs root, `ip netns`, tcpreplay and redis-server; exits 77 (skipped) without them.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}
PPS=${LIVE_TEST_PPS:-2000}
TEST=test_live_redis_stream

skip() { echo "SKIP: $TEST: $*" >&2; exit 77; }
fail() { echo "FAIL: $TEST: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces and raw capture)"
command -v ip >/dev/null || skip "ip (iproute2) is missing"
command -v tcpreplay >/dev/null || skip "tcpreplay is missing (apt-get install tcpreplay)"
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || skip "redis-server is missing (scripts/deps test installs it)"
probe=sgprobe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed: no CAP_SYS_ADMIN?)"
ip netns del "$probe"

NS_A=sg-ra-$$
NS_B=sg-rb-$$
IF_A=sgra$$  # interface names: at most 15 characters
IF_B=sgrb$$
WORK=$(mktemp -d /tmp/scamgate-live-redis.XXXXXX)
SOCK=$WORK/r.sock
SCAMGATE_PID=
REDIS_PID=
cleanup() {
    [[ -n $SCAMGATE_PID ]] && kill -KILL "$SCAMGATE_PID" 2>/dev/null || true
    [[ -n $REDIS_PID ]] && kill -KILL "$REDIS_PID" 2>/dev/null || true
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

for ns in "$NS_A" "$NS_B"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B"
ip -n "$NS_A" link set "$IF_A" up
ip -n "$NS_B" link set "$IF_B" up

redis-server --port 0 --unixsocket "$SOCK" --save '' --appendonly no --daemonize no --logfile "$WORK/redis.log" --dir "$WORK" &
REDIS_PID=$!
for _ in $(seq 100); do [[ $(redis-cli -s "$SOCK" PING 2>/dev/null) == PONG ]] && break; sleep 0.05; done
[[ $(redis-cli -s "$SOCK" PING 2>/dev/null) == PONG ]] || fail "redis-server did not start"
printf 'output:\n  redis_stream: "unix://%s"\n  redis_stream_key: "live:events"\n' "$SOCK" >"$WORK/stream.yaml"

ip netns exec "$NS_B" "$BIN" run -c "$WORK/stream.yaml" --mode passive --interface "$IF_B" --events "$WORK/live.jsonl" \
    --stats json --duration 600 --control "$WORK/control.sock" >"$WORK/live.stats" 2>"$WORK/live.log" &
SCAMGATE_PID=$!
for _ in $(seq 1 1200); do
    grep -q "^scamgate: info: capturing on $IF_B" "$WORK/live.log" 2>/dev/null && break
    kill -0 "$SCAMGATE_PID" 2>/dev/null || { cat "$WORK/live.log" >&2; fail "scamgate exited before capturing"; }
    sleep 0.1
done
grep -q "^scamgate: info: capturing on $IF_B" "$WORK/live.log" || fail "scamgate did not start capturing within 120 s"

mapfile -t PCAPS < <(ls "$SRC"/pcaps/*.pcap | sort)
ip netns exec "$NS_A" tcpreplay -i "$IF_A" --pps="$PPS" "${PCAPS[@]}" >/dev/null 2>&1 || fail "tcpreplay failed"
# The file is flushed line by line: wait until it has stopped growing for 2 s.
last=-1
for _ in $(seq 1 120); do
    now=$(wc -l <"$WORK/live.jsonl")
    [[ $now -eq $last && $now -gt 0 ]] && break
    last=$now
    sleep 2
done
while_running=$(redis-cli -s "$SOCK" XLEN live:events)
echo "while running: $(wc -l <"$WORK/live.jsonl") lines in the file, $while_running entries in the stream"
[[ $while_running -gt 0 ]] || fail "no entry in the stream while scamgate was running"
kill -TERM "$SCAMGATE_PID"
rc=0
wait "$SCAMGATE_PID" || rc=$?
SCAMGATE_PID=
[[ $rc -eq 0 ]] || { cat "$WORK/live.log" >&2; fail "scamgate exited $rc after SIGTERM"; }

lines=$(wc -l <"$WORK/live.jsonl")
xlen=$(redis-cli -s "$SOCK" XLEN live:events)
echo "after SIGTERM: $lines lines in the file, $xlen entries in the stream"
[[ $lines -gt 20 ]] || fail "only $lines events from the bundled captures"
[[ $xlen -eq $lines ]] || fail "XLEN $xlen, file $lines lines"
redis-cli -s "$SOCK" --raw XRANGE live:events - + | awk 'NR % 3 == 0' >"$WORK/stream.jsonl"
cmp -s "$WORK/stream.jsonl" "$WORK/live.jsonl" || fail "the stream's entries differ from the file's lines"
python3 - "$WORK/live.stats" "$lines" <<'PY' || fail "redis.* counters"
import json, sys
s, lines = json.load(open(sys.argv[1])), int(sys.argv[2])
got = {k: s.get(k) for k in ("redis.commands_sent", "redis.commands_dropped", "redis.errors", "redis.connected")}
print("counters:", got)
assert got == {"redis.commands_sent": lines, "redis.commands_dropped": 0, "redis.errors": 0, "redis.connected": 1}, got
PY
echo "PASS: $TEST: $lines events in the file and in the stream, in the same order"
