#!/usr/bin/env bash
# Hot reload of `scamgate run` (docs/operations.md, "Reload"): passive capture on lo, SIP INVITEs
# (a Vietnamese CLI from 127.0.0.1, a trunk making 127.0.0.0/8 international) each answered 486 so
# the call ends and its event is written at once.
#  1. a broken policy (unknown check) + SIGHUP: FILE:LINE error logged, the old policy (drop) still
#     decides, reload.failures 1 in the stats at exit;
#  2. a policy that rejects + `scamgate reload --control PATH`: "ok N signatures", the next call
#     is decided by the new rule;
#  3. a reload every 0.2 s while INVITEs are sent for 3 s: every call has an event with a verdict.
# With WORKERS=N (N > 1; test_reload_workers.sh) scamgate runs `--workers N` and each step sends
# one call to a callee address on each worker (127.0.0.X, chosen so the fanout's IP-pair hash,
# capture::fanout_member_v4, hands the pair to worker I): every worker must decide with the new
# policy after a reload, each reload is logged "in force" once, and every worker read packets.
# Needs root (capture on lo) and python3; exits 77 (skipped) without them.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
WORKERS=${WORKERS:-1}
TEST=test_reload
[[ $WORKERS -gt 1 ]] && TEST=test_reload_workers

skip() {
    echo "SKIP: $TEST: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: $TEST: $*" >&2
    [[ -f ${WORK:-}/run.log ]] && tail -20 "$WORK/run.log" >&2
    exit 1
}

[[ $(id -u) -eq 0 ]] || skip "needs root to capture on lo (scamgate run --mode passive --interface lo); run as root"
command -v python3 >/dev/null || skip "python3 is missing"

WORK=$(mktemp -d /tmp/scamgate-reload.XXXXXX)
SCAMGATE_PID=
cleanup() {
    if [[ -n $SCAMGATE_PID ]] && kill -0 "$SCAMGATE_PID" 2>/dev/null; then kill -KILL "$SCAMGATE_PID" 2>/dev/null || true; fi
    if [[ -n ${KEEP_WORK:-} ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

SOCK=$WORK/control.sock
cat >"$WORK/scamgate.yaml" <<YAML
detection:
  policy: policy.yaml
control:
  socket: $SOCK
YAML

write_policy() {  # rule name, action
    cat >"$WORK/policy.yaml.new" <<YAML
mode: monitor
default: allow
rules:
  - name: $1
    when: {kind: call, checks: [cli.domestic_on_international]}
    then: {action: $2}
YAML
    mv "$WORK/policy.yaml.new" "$WORK/policy.yaml"
}
write_policy domestic-cli-drop drop

# The callee addresses: 127.0.0.1 with one worker; with N, one per worker.
mapfile -t UAS_IPS < <(python3 - "$WORKERS" <<'PY'
import sys
n, M = int(sys.argv[1]), 0xFFFFFFFF
if n == 1:
    print("127.0.0.1")
    sys.exit()
def member(s, d):
    k = ((((s ^ d) * 0x9E3779B1) & M) + ((s + d) & M)) & M
    return (((k * 0x85EBCA6B) & M) >> 16) % n
chosen = {}
for last in range(2, 255):
    chosen.setdefault(member(0x7F000001, 0x7F000000 | last), f"127.0.0.{last}")
for i in range(n):
    print(chosen[i])
PY
)

# Sends INVITEs from 127.0.0.1 to each callee address's port 5060 in turn (each answered 486 from
# there) for `seconds` (0: one call to each), one every `gap` seconds; prints the Call-IDs, one a line.
send_calls() {  # tag, seconds, gap
    python3 - "$@" "${UAS_IPS[@]}" <<'PY'
import socket, sys, time, uuid
tag, seconds, gap, callees = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
uac = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uac.bind(("127.0.0.1", 0))
uases = []
for address in callees:
    uas = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uas.bind((address, 5060))
    uases.append((address, uas))
port = uac.getsockname()[1]
end = time.time() + seconds
n = 0
while True:
  for callee, uas in uases:
    n += 1
    cid = f"{tag}-{n}-{uuid.uuid4().hex[:8]}@127.0.0.1"
    via = f"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{uuid.uuid4().hex[:10]}"
    frm = f"<sip:+84912345678@127.0.0.1>;tag={uuid.uuid4().hex[:6]}"
    to = f"<sip:+842437001001@{callee}:5060>"
    invite = (f"INVITE sip:+842437001001@{callee}:5060 SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\n"
              f"From: {frm}\r\nTo: {to}\r\nCall-ID: {cid}\r\nCSeq: 1 INVITE\r\n"
              f"Contact: <sip:+84912345678@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n")
    uac.sendto(invite.encode(), (callee, 5060))
    uas.recv(65535)
    busy = (f"SIP/2.0 486 Busy Here\r\nVia: {via}\r\nFrom: {frm}\r\nTo: {to};tag=uas{n}\r\n"
            f"Call-ID: {cid}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
    uas.sendto(busy.encode(), ("127.0.0.1", port))
    uac.recv(65535)
    print(cid, flush=True)
    time.sleep(gap)
  if time.time() >= end:
    break
PY
}

# Waits until every Call-ID in file $1 has an event; prints "CALLID RULE ACTION" lines.
verdicts() {  # callids file
    python3 - "$1" "$WORK/events.jsonl" <<'PY'
import json, sys, time
want = [l.strip() for l in open(sys.argv[1]) if l.strip()]
deadline = time.time() + 10
while True:
    got = {}
    for line in open(sys.argv[2]):
        e = json.loads(line)
        if e.get("call_id") in want:
            got[e["call_id"]] = e
    if len(got) == len(want) or time.time() > deadline:
        break
    time.sleep(0.1)
for cid in want:
    e = got.get(cid)
    print(cid, e.get("rule", "-") if e else "MISSING", e.get("action", "-") if e else "MISSING")
PY
}

# Every call in file $1 (one per callee, so one per worker) decided by rule $2 with action $3.
all_decided() {  # callids rule action
    local got
    got=$(verdicts "$1")
    [[ $(wc -l <<<"$got") -eq ${#UAS_IPS[@]} ]] || return 1
    ! grep -qv " $2 $3\$" <<<"$got"
}

workers_args=()
[[ $WORKERS -gt 1 ]] && workers_args=(--workers "$WORKERS")
"$BIN" run -c "$WORK/scamgate.yaml" --mode passive --interface lo --bpf "udp port 5060" "${workers_args[@]}" \
    --trunk intl:international:127.0.0.0/8 --events "$WORK/events.jsonl" --stats json --duration 120 \
    >"$WORK/stats.json" 2>"$WORK/run.log" &
SCAMGATE_PID=$!
for _ in $(seq 1 300); do
    grep -q "capturing on lo" "$WORK/run.log" 2>/dev/null && [[ -S $SOCK ]] && break
    kill -0 "$SCAMGATE_PID" 2>/dev/null || fail "scamgate exited before capturing"
    sleep 0.1
done
grep -q "capturing on lo" "$WORK/run.log" || fail "scamgate did not start capturing within 30 s"
[[ -S $SOCK ]] || fail "no control socket at $SOCK"
[[ $(stat -c %a "$SOCK") == 600 ]] || fail "control socket mode is $(stat -c %a "$SOCK"), not 600"

send_calls before 0 0 >"$WORK/c0"
all_decided "$WORK/c0" domestic-cli-drop drop || fail "first calls: $(verdicts "$WORK/c0" | tr '\n' ';'), want domestic-cli-drop drop"

# 1. A broken policy and SIGHUP: refused with FILE:LINE, the old policy stays.
cat >"$WORK/policy.yaml" <<YAML
mode: monitor
default: allow
rules:
  - name: broken
    when: {kind: call, checks: [cli.no_such_check]}
    then: {action: reject}
YAML
kill -HUP "$SCAMGATE_PID"
for _ in $(seq 1 100); do grep -q "reload (SIGHUP) failed" "$WORK/run.log" && break; sleep 0.1; done
grep -q "reload (SIGHUP) failed.*$WORK/policy.yaml:[0-9]*:.*unknown check 'cli.no_such_check'" "$WORK/run.log" ||
    fail "no FILE:LINE error for the broken policy after SIGHUP"
send_calls after-bad 0 0 >"$WORK/c1"
all_decided "$WORK/c1" domestic-cli-drop drop || fail "after a failed reload: $(verdicts "$WORK/c1" | tr '\n' ';'), want the old drop"
echo "1. broken policy + SIGHUP: $(grep -o "policy.yaml:[0-9]*: .*unknown check '[a-z_.]*'" "$WORK/run.log" | head -1); old rule still decides (drop, ${#UAS_IPS[@]} callee(s))"

# 2. A new policy through the control socket.
write_policy domestic-cli-reject reject
answer=$("$BIN" reload --control "$SOCK") || fail "scamgate reload failed: $answer"
[[ $answer =~ ^ok\ [0-9]+\ signatures$ ]] || fail "reload answer '$answer'"
send_calls after-good 0 0 >"$WORK/c2"
all_decided "$WORK/c2" domestic-cli-reject reject || fail "after reload: $(verdicts "$WORK/c2" | tr '\n' ';'), want domestic-cli-reject reject on every worker"
echo "2. scamgate reload: '$answer'; new rule decides (reject, ${#UAS_IPS[@]} callee(s))"

# 3. Reloads under traffic: a fixed number, one after another (each waits for its answer), while
# calls are sent. The assertions are about correctness, not speed: a sanitizer build reloads
# several times slower, so no rate is asserted.
RELOADS=5
(
    for ((i = 0; i < RELOADS; i++)); do
        "$BIN" reload --control "$SOCK" >>"$WORK/reloads" 2>>"$WORK/reloads.err" || echo "FAILED" >>"$WORK/reloads"
        sleep 0.2
    done
) &
reloader=$!
send_calls storm 3 0.01 >"$WORK/c3"
wait "$reloader"
verdicts "$WORK/c3" >"$WORK/v3"
sent=$(wc -l <"$WORK/c3")
decided=$(grep -c " domestic-cli-reject reject$" "$WORK/v3" || true)
reloads=$(grep -c "^ok " "$WORK/reloads" || true)
! grep -q FAILED "$WORK/reloads" || fail "a reload under traffic failed: $(cat "$WORK/reloads.err")"
[[ $decided -eq $sent ]] || fail "under reloads: $sent calls sent, $decided with a verdict: $(grep -v reject "$WORK/v3" | head -3)"
((reloads == RELOADS)) || fail "$reloads of $RELOADS reloads under traffic answered ok"
kill -0 "$SCAMGATE_PID" 2>/dev/null || fail "scamgate died under reloads"
echo "3. $reloads reloads while $sent calls were sent: $decided events, every one with a verdict"

kill -TERM "$SCAMGATE_PID"
wait "$SCAMGATE_PID" || fail "scamgate exited with $?"
SCAMGATE_PID=
read -r failures successes < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["reload.failures"], s["reload.successes"])' "$WORK/stats.json")
[[ $failures -eq 1 ]] || fail "reload.failures is $failures, want 1"
[[ $successes -eq $((reloads + 1)) ]] || fail "reload.successes is $successes, want $((reloads + 1))"
[[ ! -e $SOCK ]] || fail "control socket left behind"
# Each successful reload is logged in force once, whatever the number of workers.
in_force=$(grep -c "): in force: " "$WORK/run.log" || true)
[[ $in_force -eq $successes ]] || fail "$in_force 'in force' lines in the log for $successes successful reloads"
if [[ $WORKERS -gt 1 ]]; then
    python3 - "$WORK/stats.json" "$WORKERS" <<'PY' || fail "not every worker read packets"
import json, sys
s, n = json.load(open(sys.argv[1])), int(sys.argv[2])
counts = [s.get(f"worker.{i}.packets") for i in range(n)]
print(f"packets per worker {counts}")
assert s.get("workers") == n and all(isinstance(c, int) and c > 0 for c in counts), counts
PY
fi
echo "PASS: $TEST: reload.failures $failures, reload.successes $successes"
