#!/usr/bin/env bash
# The learned list through the control socket of `scamgate run` (docs/operations.md, "Learned
# list"): passive capture on lo with lists.learned in a temp folder.
#  1. `scamgate lists add` a number and a domain (--ttl), `lists show` lists both (by manual);
#  2. a SIP INVITE from the added number (answered 486) carries `learned`, rule reject-learned;
#  3. `lists remove` takes the domain off (a second remove is an error, exit 1);
#  4. `lists export -o FILE`: "# " header, +E164 entry, mode 0600;
#  5. `lists import FILE` adds its entries; a bad file is FILE:LINE (exit 2) before anything is sent;
#  6. the daemon has written lists.learned (mode 0600) within about a second of the changes;
#  7. after SIGTERM and a restart, `lists show` lists the same entries (kept across restarts).
# Needs root (capture on lo) and python3; exits 77 (skipped) without them.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
TEST=test_live_learned_lists

skip() { echo "SKIP: $TEST: $*" >&2; exit 77; }
fail() {
    echo "FAIL: $TEST: $*" >&2
    [[ -f ${WORK:-}/run.log ]] && tail -20 "$WORK/run.log" >&2
    exit 1
}

[[ $(id -u) -eq 0 ]] || skip "needs root to capture on lo (scamgate run --mode passive --interface lo); run as root"
command -v python3 >/dev/null || skip "python3 is missing"

WORK=$(mktemp -d /tmp/scamgate-learned-live.XXXXXX)
SCAMGATE_PID=
cleanup() {
    if [[ -n $SCAMGATE_PID ]] && kill -0 "$SCAMGATE_PID" 2>/dev/null; then kill -KILL "$SCAMGATE_PID" 2>/dev/null || true; fi
    if [[ -n ${KEEP_WORK:-} ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

SOCK=$WORK/control.sock
cat >"$WORK/scamgate.yaml" <<YAML
control:
  socket: $SOCK
lists:
  learned: learned.txt
YAML

start() {  # log file
    "$BIN" run -c "$WORK/scamgate.yaml" --mode passive --interface lo --bpf "udp port 5060" \
        --events "$WORK/events.jsonl" --duration 120 >/dev/null 2>"$WORK/$1" &
    SCAMGATE_PID=$!
    for _ in $(seq 1 300); do
        grep -q "capturing on lo" "$WORK/$1" 2>/dev/null && [[ -S $SOCK ]] && return 0
        kill -0 "$SCAMGATE_PID" 2>/dev/null || fail "scamgate exited before capturing: $(cat "$WORK/$1")"
        sleep 0.1
    done
    fail "scamgate did not start capturing within 30 s"
}
stop() {
    kill -TERM "$SCAMGATE_PID"
    wait "$SCAMGATE_PID" || fail "scamgate exited with $? after SIGTERM"
    SCAMGATE_PID=
}
lists() { "$BIN" lists --control "$SOCK" "$@"; }

start run.log

# 1. add and show.
out=$(lists add +84912345678) || fail "lists add: $out"
[[ $out =~ ^ok\ added\ \+84912345678\ until\ 20[0-9-]+T[0-9:]+Z$ ]] || fail "lists add answered '$out'"
lists add Evil.Example --ttl 3600 >/dev/null || fail "lists add evil.example --ttl 3600"
show=$(lists show) || fail "lists show: $show"
[[ $(head -1 <<<"$show") == "ok 2 entries" ]] || fail "lists show: $show"
grep -q '^+84912345678  expires .*  by manual$' <<<"$show" || fail "lists show lacks the number: $show"
grep -q '^evil.example  expires .*  by manual$' <<<"$show" || fail "lists show lacks the domain: $show"
echo "1. lists add / show: $(tr '\n' ';' <<<"$show")"

# 2. A call from the listed number is on 'learned'.
python3 - >"$WORK/cid" <<'PY'
import socket, uuid
uac = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uac.bind(("127.0.0.1", 0))
uas = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uas.bind(("127.0.0.1", 5060))
port = uac.getsockname()[1]
cid = f"learned-{uuid.uuid4().hex[:8]}@127.0.0.1"
via = f"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{uuid.uuid4().hex[:10]}"
frm = f"<sip:+84912345678@127.0.0.1>;tag={uuid.uuid4().hex[:6]}"
to = "<sip:+842437001001@127.0.0.1:5060>"
invite = (f"INVITE sip:+842437001001@127.0.0.1:5060 SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\n"
          f"From: {frm}\r\nTo: {to}\r\nCall-ID: {cid}\r\nCSeq: 1 INVITE\r\n"
          f"Contact: <sip:+84912345678@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n")
uac.sendto(invite.encode(), ("127.0.0.1", 5060))
uas.recv(65535)
busy = (f"SIP/2.0 486 Busy Here\r\nVia: {via}\r\nFrom: {frm}\r\nTo: {to};tag=uas1\r\n"
        f"Call-ID: {cid}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
uas.sendto(busy.encode(), ("127.0.0.1", port))
uac.recv(65535)
print(cid)
PY
python3 - "$(cat "$WORK/cid")" "$WORK/events.jsonl" <<'PY' || fail "step 2"
import json, sys, time
deadline = time.time() + 10
event = None
while event is None and time.time() < deadline:
    for line in open(sys.argv[2]):
        e = json.loads(line)
        if e.get("call_id") == sys.argv[1]:
            event = e
    time.sleep(0.1)
assert event, "no event for the call"
assert event["lists"] == ["learned"], event["lists"]
assert event["rule"] == "reject-learned" and event["action"] == "reject", (event["rule"], event["action"])
print(f"2. call {sys.argv[1]}: lists {event['lists']}, rule {event['rule']}")
PY

# 3. remove.
out=$(lists remove evil.example) || fail "lists remove: $out"
[[ $out == "ok removed evil.example" ]] || fail "lists remove answered '$out'"
set +e
again=$(lists remove evil.example 2>&1)
code=$?
set -e
[[ $code -eq 1 && $again == "error evil.example is not on the list" ]] || fail "second remove: exit $code, '$again'"
echo "3. lists remove: '$out'; again: '$again' (exit 1)"

# 4. export.
lists export -o "$WORK/export.txt" || fail "lists export"
[[ $(stat -c %a "$WORK/export.txt") == 600 ]] || fail "export is mode $(stat -c %a "$WORK/export.txt")"
head -1 "$WORK/export.txt" | grep -q '^# scamgate learned list, 1 entries, written 20' || fail "export header: $(head -1 "$WORK/export.txt")"
grep -qE '^\+84912345678 [0-9]+ [0-9]+ manual$' "$WORK/export.txt" || fail "export: $(cat "$WORK/export.txt")"
echo "4. lists export: $(grep -v '^#' "$WORK/export.txt")"

# 5. import (a bank's plain list), and a bad file refused before anything is sent.
printf '# from a bank\n+84900000001\nphish.example\n' >"$WORK/bank.txt"
out=$(lists import "$WORK/bank.txt") || fail "lists import: $out"
[[ $out == "ok imported 2 entries (2 new or extended)" ]] || fail "lists import answered '$out'"
printf '+84900000002\n+84 not a number\n' >"$WORK/bad.txt"
set +e
bad=$(lists import "$WORK/bad.txt" 2>&1)
code=$?
set -e
[[ $code -eq 2 ]] && grep -qF "$WORK/bad.txt:2: expiry 'not' is not Unix seconds" <<<"$bad" || fail "bad import: exit $code, '$bad'"
[[ $(lists show | head -1) == "ok 3 entries" ]] || fail "after imports: $(lists show)"
echo "5. lists import: '$out'; bad file: $(grep -o 'bad.txt:2:.*' <<<"$bad")"

# 6. The daemon wrote the file (at most once a second, from its control thread).
for _ in $(seq 1 50); do
    [[ -f $WORK/learned.txt ]] && [[ $(grep -vc '^#' "$WORK/learned.txt") -eq 3 ]] && break
    sleep 0.1
done
[[ $(grep -vc '^#' "$WORK/learned.txt" 2>/dev/null) -eq 3 ]] || fail "learned.txt not written with 3 entries"
[[ $(stat -c %a "$WORK/learned.txt") == 600 ]] || fail "learned.txt is mode $(stat -c %a "$WORK/learned.txt")"
echo "6. learned.txt written: $(grep -v '^#' "$WORK/learned.txt" | awk '{print $1}' | tr '\n' ' ')"

# 7. Kept across a restart.
stop
start run2.log
show=$(lists show) || fail "lists show after restart: $show"
[[ $(head -1 <<<"$show") == "ok 3 entries" ]] || fail "after restart: $show"
for entry in +84912345678 +84900000001 phish.example; do
    grep -q "^$entry  expires" <<<"$show" || fail "after restart, $entry is missing: $show"
done
stop
echo "7. after a restart: $(head -1 <<<"$show")"
echo "PASS: $TEST"
