#!/usr/bin/env bash
# behaviour.redis (docs/behaviour.md, "Across gateways") with a real redis-server started here on a
# Unix socket, on the SIPp Wangiri capture (pcaps/sipp-behaviour-wangiri.pcap: 15 one-ring calls
# from one number; one instance flags calls 11-15, docs/behaviour-captures.md):
#  1. the capture cut in two by calls (tshark): calls 1-8 replayed by instance gw-a, then calls
#     9-15 by instance gw-b with the same Redis: gw-b flags exactly calls 11-15, as one instance
#     seeing everything does; without Redis gw-b flags none of them. Redis holds only key hashes.
#  2. Redis killed mid-run: a replay reads the capture from a FIFO; after calls 1-8 the server is
#     killed, then calls 9-15 follow. The replay exits 0 with as many events and the same findings
#     as a replay without Redis, and --stats counts behaviour.redis_errors.
#  3. Redis gone before the start: the same, and the start is not held up.
# Exit status: 0 all passed, 1 a check failed, 77 (skip) without redis-server, redis-cli or tshark.
set -uo pipefail
bin=${SCAMGATE_BIN:?SCAMGATE_BIN: the scamgate binary (ctest sets it)}
src=${SCAMGATE_SOURCE_DIR:-.}
pcap=$src/pcaps/sipp-behaviour-wangiri.pcap
[ -f "$pcap" ] || { echo "SKIP: $pcap missing (scripts/capture-sipp.sh pcaps wangiri)"; exit 77; }
REDIS_TEST_TOOLS=tshark
# shellcheck source=lib/redis_test.sh
source "$(dirname "$0")/lib/redis_test.sh"
# The calls (their number in the Call-ID sipp-wangiri-N@...) that carry behaviour.wangiri, sorted.
wangiri_calls() {
  python3 - "$1" <<'EOF'
import json, re, sys
found = []
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if e.get("kind") != "call":
        continue
    checks = list(e.get("checks", []))
    if any(c.get("name") == "behaviour.wangiri" for c in checks):
        found.append(int(re.match(r"sipp-wangiri-(\d+)@", e["call_id"]).group(1)))
print(" ".join(str(n) for n in sorted(found)))
EOF
}
calls_in() { python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("kind") == "call"))' "$1"; }
config() {  # file instance url
  printf 'behaviour:\n  redis: "%s"\n  redis_instance: "%s"\n  redis_interval: 0.05\n' "$3" "$2" >"$1"
}
replay() {  # config events stats input...
  local cfg=$1 events=$2 stats=$3; shift 3
  "$bin" replay -c "$cfg" --events "$events" --stats json "$@" >"$stats" 2>>"$work/stderr"
}

# The capture cut by calls: 1-8 and 9-15 (every packet of the capture is SIP with a Call-ID).
first='sip.Call-ID matches "^sipp-wangiri-[1-8]@"'
# pcap, not tshark's default pcapng: part 2 below is part b without its 24-byte file header.
tshark -r "$pcap" -Y "$first" -F pcap -w "$work/a.pcap" 2>/dev/null
tshark -r "$pcap" -Y "sip && !($first)" -F pcap -w "$work/b.pcap" 2>/dev/null
total=$(tshark -r "$pcap" 2>/dev/null | wc -l)
part_a=$(tshark -r "$work/a.pcap" 2>/dev/null | wc -l)
part_b=$(tshark -r "$work/b.pcap" 2>/dev/null | wc -l)
check "the two parts hold every packet ($part_a + $part_b = $total)" [ $((part_a + part_b)) -eq "$total" ]

config "$work/local.yaml" gw-local ""
replay "$work/local.yaml" "$work/whole.jsonl" "$work/whole.stats" "$pcap"
check "one instance, the whole capture: behaviour.wangiri on calls 11-15" [ "$(wangiri_calls "$work/whole.jsonl")" = "11 12 13 14 15" ]
replay "$work/local.yaml" "$work/b-alone.jsonl" "$work/b-alone.stats" "$work/b.pcap"
check "calls 9-15 alone, without Redis: 7 calls, no behaviour.wangiri" \
  [ "$(calls_in "$work/b-alone.jsonl"):$(wangiri_calls "$work/b-alone.jsonl")" = "7:" ]

# 1. Two instances, one Redis.
start_server
config "$work/a.yaml" gw-a "unix://$sock"
config "$work/b.yaml" gw-b "unix://$sock"
replay "$work/a.yaml" "$work/a.jsonl" "$work/a.stats" "$work/a.pcap"
check "gw-a replays calls 1-8: exit 0, no behaviour.wangiri" [ $? -eq 0 ] && [ -z "$(wangiri_calls "$work/a.jsonl")" ]
# (--stats is printed before the engine's last flush: Redis itself shows what gw-a wrote.)
wangiri_key=$(cli --raw KEYS 'scamgate:behaviour:{*}' | while read -r k; do
  [ "$(cli HEXISTS "$k" gw-a)" = 1 ] && [ "$(cli --raw HGET "$k" gw-a | head -c 2 | od -An -tu1 | xargs)" = "1 2" ] && echo "$k"; done)
check "gw-a wrote its keys, the Wangiri caller's among them (kind 2), no errors" \
  [ -n "$wangiri_key" ] && [ "$(stat_of "$work/a.stats" behaviour.redis_errors)" = 0 ]
replay "$work/b.yaml" "$work/b.jsonl" "$work/b.stats" "$work/b.pcap"
check "gw-b replays calls 9-15: exit 0" [ $? -eq 0 ]
check "gw-b flags exactly calls 11-15, as one instance seeing all does" [ "$(wangiri_calls "$work/b.jsonl")" = "11 12 13 14 15" ]
evidence=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("call_id", "").startswith("sipp-wangiri-11@"):
        print(next(c["evidence"] for c in e["checks"] if c["name"] == "behaviour.wangiri"))' "$work/b.jsonl")
check "call 11's evidence counts gw-a's calls: 10 short-ring calls ($evidence)" grep -q "22200990011: 10 short-ring calls" <<<"$evidence"
check "gw-b loaded gw-a's keys before its first packet (behaviour.redis_peer_keys > 0)" \
  [ "$(stat_of "$work/b.stats" behaviour.redis_peer_keys)" -gt 0 ]
check "gw-b: behaviour.redis_errors 0, behaviour.redis_bad_blobs 0" \
  [ "$(stat_of "$work/b.stats" behaviour.redis_errors):$(stat_of "$work/b.stats" behaviour.redis_bad_blobs)" = "0:0" ]
some_key=$(cli --raw KEYS 'scamgate:behaviour:{*}' | grep -v '{hot}' | head -n 1)
check "keys are scamgate:behaviour:{16 hex digits} ($some_key)" grep -Eq '^scamgate:behaviour:\{[0-9a-f]{16}\}$' <<<"$some_key"
check "each key has a TTL" [ "$(cli PTTL "$some_key")" -gt 0 ]
check "the hot set has a TTL" [ "$(cli PTTL 'scamgate:behaviour:{hot}')" -gt 0 ]
check "no phone number is stored in clear" [ -z "$(cli --raw KEYS '*2220099*')" ] && \
  ! cli --raw DUMP "$some_key" | grep -aq 22200990011

# 2. Redis killed mid-run: the replay reads a FIFO; the server dies between calls 1-8 and 9-15.
cli FLUSHALL >/dev/null
mkfifo "$work/fifo"
config "$work/c.yaml" gw-c "unix://$sock"
replay "$work/c.yaml" "$work/killed.jsonl" "$work/killed.stats" "$work/fifo" &
replay_pid=$!
exec 3>"$work/fifo"
cat "$work/a.pcap" >&3
# Until gw-c has written calls 1-8's keys (the replay is blocked on the FIFO meanwhile).
for _ in $(seq 200); do [ "$(cli EXISTS 'scamgate:behaviour:{hot}' 2>/dev/null)" = 1 ] && break; sleep 0.05; done
check "mid-run: gw-c shared calls 1-8 before the kill" [ "$(cli EXISTS 'scamgate:behaviour:{hot}')" = 1 ]
stop_server
sleep 1   # 20 intervals: gw-c's idle PING finds the connection gone (counted before part 2 comes)
tail -c +25 "$work/b.pcap" >&3   # calls 9-15, without the second file's pcap header
exec 3>&-
wait "$replay_pid"
check "mid-run kill: the replay exits 0" [ $? -eq 0 ]
check "mid-run kill: as many calls as without Redis ($(calls_in "$work/killed.jsonl"))" \
  [ "$(calls_in "$work/killed.jsonl")" = "$(calls_in "$work/whole.jsonl")" ]
check "mid-run kill: the same events as without Redis, line for line but for timestamps of processing" \
  [ "$(wc -l <"$work/killed.jsonl")" = "$(wc -l <"$work/whole.jsonl")" ]
check "mid-run kill: decisions go on: behaviour.wangiri on calls 11-15" [ "$(wangiri_calls "$work/killed.jsonl")" = "11 12 13 14 15" ]
check "mid-run kill: behaviour.redis_errors >= 1 ($(stat_of "$work/killed.stats" behaviour.redis_errors))" \
  [ "$(stat_of "$work/killed.stats" behaviour.redis_errors)" -ge 1 ]

# 3. Redis gone before the start.
started=$(date +%s%N)
replay "$work/c.yaml" "$work/gone.jsonl" "$work/gone.stats" "$pcap"
code=$?
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
check "Redis gone: the replay exits 0" [ "$code" -eq 0 ]
check "Redis gone: the same events and findings as without Redis" \
  [ "$(wc -l <"$work/gone.jsonl"):$(wangiri_calls "$work/gone.jsonl")" = "$(wc -l <"$work/whole.jsonl"):11 12 13 14 15" ]
check "Redis gone: behaviour.redis_errors >= 1" [ "$(stat_of "$work/gone.stats" behaviour.redis_errors)" -ge 1 ]
check "Redis gone: warned (once) on stderr" grep -q "behaviour.redis" "$work/stderr"
echo "     (the replay without Redis took ${elapsed_ms} ms)"

finish
