#!/usr/bin/env bash
# The learned list shared through Redis between two running daemons (docs/behaviour.md, "Shared
# through Redis"): instances A and B, `scamgate run` in passive mode on lo (no traffic needed),
# each with its own control socket and lists.learned file, the same behaviour.redis (a
# redis-server started here on a Unix socket).
#  1. `lists add` on A: B's `lists show` has it within 2 s (measured), by manual;
#  2. `lists remove` on B: A's `lists show` loses it within 2 s, and it does not come back;
#  3. `lists import` of two entries on A: B has both;
#  4. after SIGTERM, A's stats count the retraction and no Redis error, B's file holds what A added.
# Needs root (capture on lo), redis-server and python3; exits 77 (skipped) without them. Run it
# under the machine-wide lock like the other live tests:
#   flock /tmp/scamgate-live.lock ctest --test-dir build -R test_live_learned_redis
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
TEST=test_live_learned_redis

skip() { echo "SKIP: $TEST: $*" >&2; exit 77; }
fail() {
    echo "FAIL: $TEST: $*" >&2
    for f in "${WORK:-}"/*.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -10 "$f" >&2; }; done
    exit 1
}

[[ $(id -u) -eq 0 ]] || skip "needs root to capture on lo (scamgate run --mode passive --interface lo); run as root"
command -v python3 >/dev/null || skip "python3 is missing"
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || skip "redis-server or redis-cli is not installed"

WORK=$(mktemp -d /tmp/scamgate-learned-redis-live.XXXXXX)
PIDS=()
REDIS_PID=
cleanup() {
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    [[ -n $REDIS_PID ]] && { kill -KILL "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; }
    if [[ -n ${KEEP_WORK:-} ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

REDIS_SOCK=$WORK/r.sock
redis-server --port 0 --unixsocket "$REDIS_SOCK" --save '' --appendonly no --daemonize no \
    --logfile "$WORK/redis.txt" --dir "$WORK" &
REDIS_PID=$!
for _ in $(seq 100); do [[ $(redis-cli -s "$REDIS_SOCK" PING 2>/dev/null) == PONG ]] && break; sleep 0.05; done
[[ $(redis-cli -s "$REDIS_SOCK" PING 2>/dev/null) == PONG ]] || fail "redis-server did not start"

declare -A PID_OF
start() {  # instance
    mkdir -p "$WORK/$1"
    cat >"$WORK/$1/scamgate.yaml" <<YAML
control:
  socket: $WORK/$1/control.sock
lists:
  learned: learned.txt
behaviour:
  redis: "unix://$REDIS_SOCK"
YAML
    "$BIN" run -c "$WORK/$1/scamgate.yaml" --mode passive --interface lo --bpf "udp port 5999" \
        --events "$WORK/$1/events.jsonl" --duration 120 --stats json >"$WORK/$1/stats.json" 2>"$WORK/$1.log" &
    PID_OF[$1]=$!
    PIDS+=("$!")
    for _ in $(seq 1 300); do
        grep -q "capturing on lo" "$WORK/$1.log" 2>/dev/null && [[ -S $WORK/$1/control.sock ]] && return 0
        kill -0 "${PID_OF[$1]}" 2>/dev/null || fail "$1 exited before capturing"
        sleep 0.1
    done
    fail "$1 did not start capturing within 30 s"
}
stop() {  # instance
    kill -TERM "${PID_OF[$1]}"
    wait "${PID_OF[$1]}" || fail "$1 exited with $? after SIGTERM"
}
lists() {  # instance args...
    local who=$1; shift
    "$BIN" lists --control "$WORK/$who/control.sock" "$@"
}
# Waits up to 2 s until `lists show` on INSTANCE does (want=1) or does not (want=0) list ENTRY;
# prints the milliseconds it took.
wait_for() {  # instance entry want
    local started now
    started=$(date +%s%N)
    for _ in $(seq 1 200); do
        if lists "$1" show | grep -q "^$2  expires"; then [[ $3 == 1 ]] && break; else [[ $3 == 0 ]] && break; fi
        sleep 0.01
    done
    now=$(date +%s%N)
    if lists "$1" show | grep -q "^$2  expires"; then [[ $3 == 1 ]] || return 1; else [[ $3 == 0 ]] || return 1; fi
    echo $(((now - started) / 1000000))
}

start a
start b

# 1. Added on A, listed on B.
lists a add +84912345678 >/dev/null || fail "lists add on A"
ms=$(wait_for b +84912345678 1) || fail "B does not list +84912345678 within 2 s: $(lists b show)"
lists b show | grep -q '^+84912345678  expires .*  by manual$' || fail "B lists it without 'by manual': $(lists b show)"
echo "1. lists add on A: listed on B after ${ms} ms"

# 2. Removed on B, gone on A, and not written back by A.
out=$(lists b remove +84912345678) || fail "lists remove on B: $out"
ms=$(wait_for a +84912345678 0) || fail "A still lists +84912345678 2 s after the removal on B: $(lists a show)"
sleep 1.2  # two more polls on both
lists a show | grep -q '^+84912345678 ' && fail "A lists +84912345678 again"
lists b show | grep -q '^+84912345678 ' && fail "B lists +84912345678 again"
[[ -z $(redis-cli -s "$REDIS_SOCK" ZSCORE 'scamgate:{learned}:entries' n:84912345678) ]] || fail "back in Redis"
echo "2. lists remove on B: gone on A after ${ms} ms, still gone 1.2 s later"

# 3. An import on A reaches B.
printf '# from a bank\n+84900000001\nphish.example\n' >"$WORK/bank.txt"
lists a import "$WORK/bank.txt" >/dev/null || fail "lists import on A"
wait_for b +84900000001 1 >/dev/null || fail "B lacks +84900000001: $(lists b show)"
wait_for b phish.example 1 >/dev/null || fail "B lacks phish.example: $(lists b show)"
echo "3. lists import on A: both entries on B"

# 4. Stats and files at the end.
stop a
stop b
python3 - "$WORK/a/stats.json" "$WORK/b/stats.json" <<'PY' || fail "step 4"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["lists.learned_redis.entries_sent"] == 3, a["lists.learned_redis.entries_sent"]
assert a["lists.learned_redis.entries_retracted"] == 1, a["lists.learned_redis.entries_retracted"]
assert b["lists.learned_redis.removals_sent"] == 1, b["lists.learned_redis.removals_sent"]
for s in (a, b):
    assert s["lists.learned_redis.errors"] == 0 and s["lists.learned_redis.anomalies"] == 0, s
    assert s["lists.learned_redis.loaded"] == 1, s
print("4. stats: A sent 3 entries and retracted 1, B sent 1 removal, no errors")
PY
grep -q '^+84900000001 ' "$WORK/b/learned.txt" || fail "B's file lacks what A imported"
grep -q '^+84912345678 ' "$WORK/a/learned.txt" && fail "A's file still has the removed number"
echo "PASS: $TEST"
