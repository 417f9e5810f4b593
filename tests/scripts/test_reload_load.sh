#!/usr/bin/env bash
# Reload under load (docs/operations.md, "Reload" and "nfqueue mode"): a reload every second while
# SIPp runs 200 calls/s through `scamgate run --mode nfqueue`; no failed clean call, no missing
# verdict, and a broken policy file in the middle of the run changes nothing.
#
# Topology (as tests/scripts/test_inline_nfqueue.sh), three network namespaces made and removed here:
#   uac (203.0.113.2, on the international trunk 203.0.113.0/24)  --veth--  gw  --veth--  uas (192.0.2.2)
# gw forwards and queues every forwarded UDP datagram to port 5060 (both directions, since the UAC
# also uses port 5060):
#   iptables -A FORWARD -p udp --dport 5060 -j NFQUEUE --queue-num N --queue-bypass
# scamgate runs in gw with the bundled configuration (copied to a work folder), the policy in
# enforce mode, and a control socket in the work folder.
#
# While the SIPp UAC places CALLS (default 2200, 11 s) clean calls at RATE (default 200) calls/s
# presenting foreign numbers (+44..., +1..., +33...), short ones (INVITE, 100, 180, 200, ACK, BYE,
# 200, no pause), `scamgate reload --control` runs once a second. At the 2nd reload the policy file
# is broken (an unknown action): that reload must answer "error ...". At the 3rd a good policy is
# written back with one more rule, `alert-intl-carrier-load` (kind call, trunk intl-carrier ->
# alert), which every call of this test matches; it must answer "ok N signatures", and the later
# reloads load the same file. Checks:
#   - UAC: FailedCall 0, SuccessfulCall = CALLS, exit 0; UAS: exit 0, CALLS calls;
#   - every Call-ID of the UAC (sgload-PID-N@203.0.113.2, N = 1..CALLS) has exactly one event, with
#     an action (allow or alert, nothing dropped or rejected), final status 200, ended by BYE;
#   - the policy in force follows the reloads: calls whose INVITE came before the good reload was
#     asked for (including those between the broken reload and the good one) are decided by the
#     original policy (rule `default`, allow); calls whose INVITE came after it answered carry
#     `alert-intl-carrier-load` (timeline.invite against the reloads' wall-clock times; scamgate
#     stamps nfqueue packets with the wall clock);
#   - stats: reload.failures 1, reload.successes = the "ok" answers (>= 8), nfqueue.packets > 0,
#     nfqueue.dropped 0, inline.dropped/rejected 0;
#   - no packet went around scamgate (fail-open): the NFQUEUE rule's packet counter, the kernel
#     queue's id sequence (/proc/net/netfilter/nfnetlink_queue) and nfqueue.packets are equal, and
#     the kernel counted no queue or user drops.
# SIPp gets 4 MiB socket buffers (capped by net.core.rmem_max): with its default 64 KiB, a burst of
# responses released together can overflow the UAC's receive buffer (bench/inline-rate.sh, column
# rcvbuf) and fail a call for a reason that is not scamgate's.
# Takes about 15 s. Needs root, `ip netns`, iptables (with the NFQUEUE target) and sipp; exits 77
# (skipped) without them. KEEP_WORK=1 keeps the work folder.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}
QUEUE=${RELOAD_LOAD_QUEUE:-8}
RATE=${RELOAD_LOAD_RATE:-200}
CALLS=${RELOAD_LOAD_CALLS:-2200}
NAME=test_reload_load
NEW_RULE=alert-intl-carrier-load
# The reload that meets the broken policy; the next one loads the new good policy. Early in the run,
# so that even when each reload takes seconds (a sanitizer build on two busy cores: the control
# thread runs at nice +10) there are calls on both sides of the new policy.
BROKEN_AT=2

skip() {
    echo "SKIP: $NAME: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: $NAME: $*" >&2
    if [[ -f ${WORK:-}/gate.log ]]; then
        echo "--- last lines of scamgate's log:" >&2
        tail -20 "$WORK/gate.log" >&2
    fi
    exit 1
}
log() { echo "$NAME: $*" >&2; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, iptables, NFQUEUE); run as root to test reload under inline load"
command -v ip >/dev/null || skip "ip (iproute2) is missing"
command -v iptables >/dev/null || skip "iptables is missing (apt-get install iptables)"
command -v sipp >/dev/null || skip "sipp is missing (apt-get install sip-tester)"
command -v python3 >/dev/null || skip "python3 is missing"
[[ -x $BIN ]] || fail "no scamgate binary at $BIN"
probe=sgprobe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed: no CAP_SYS_ADMIN?)"
if ! ip netns exec "$probe" iptables -A FORWARD -p udp --dport 5060 -j NFQUEUE --queue-num "$QUEUE" --queue-bypass 2>/dev/null; then
    ip netns del "$probe"
    skip "iptables cannot add an NFQUEUE rule here (no nf_tables / xt_NFQUEUE in this kernel?)"
fi
ip netns del "$probe"
"$BIN" run --help 2>&1 | grep -q -- "--control" || skip "this scamgate has no --control (no reload support)"

NS_UAC=sgl-uac-$$
NS_GW=sgl-gw-$$
NS_UAS=sgl-uas-$$
WORK=$(mktemp -d /tmp/scamgate-reload-load.XXXXXX)
SCAMGATE_PID=
UAS_PID=
UAC_PID=
RELOADER_PID=
UAC_IP=203.0.113.2
UAS_IP=192.0.2.2
SOCK=$WORK/control

cleanup() {
    for pid in $RELOADER_PID $UAC_PID $UAS_PID $SCAMGATE_PID; do
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns del "$NS_UAC" 2>/dev/null || true
    ip netns del "$NS_GW" 2>/dev/null || true
    ip netns del "$NS_UAS" 2>/dev/null || true
    if [[ -n ${KEEP_WORK:-} ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- topology (the same as test_inline_nfqueue.sh) ---
for ns in "$NS_UAC" "$NS_GW" "$NS_UAS"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add sglu$$ netns "$NS_UAC" type veth peer name sglg1$$ netns "$NS_GW"
ip link add sgls$$ netns "$NS_UAS" type veth peer name sglg2$$ netns "$NS_GW"
ip -n "$NS_UAC" addr add "$UAC_IP/24" dev sglu$$
ip -n "$NS_GW" addr add 203.0.113.1/24 dev sglg1$$
ip -n "$NS_GW" addr add 192.0.2.1/24 dev sglg2$$
ip -n "$NS_UAS" addr add "$UAS_IP/24" dev sgls$$
for link in "$NS_UAC sglu$$" "$NS_GW sglg1$$" "$NS_GW sglg2$$" "$NS_UAS sgls$$"; do
    set -- $link
    ip -n "$1" link set "$2" up
done
ip -n "$NS_UAC" route add default via 203.0.113.1
ip -n "$NS_UAS" route add default via 192.0.2.1
ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NS_GW" iptables -A FORWARD -p udp --dport 5060 -j NFQUEUE --queue-num "$QUEUE" --queue-bypass

# --- configuration: the bundled one, policy in enforce mode ---
mkdir -p "$WORK/config"
cp -r "$SRC"/config/. "$WORK/config/"
ln -s "$SRC/signatures" "$WORK/signatures"
# Behaviour off: 200 calls/s from three numbers is a dialler (behaviour.call_rate would alert on
# it), and this test is about which policy decides each call across reloads.
sed -i '/^behaviour:/,/^[a-z]/ s/^  enabled: true /  enabled: false/' "$WORK/config/scamgate.yaml"
grep -A1 "^behaviour:" "$WORK/config/scamgate.yaml" | grep -q "enabled: false" || fail "config: could not switch behaviour off"
POLICY=$WORK/config/policy.yaml
sed -e 's/^mode: monitor/mode: enforce/' "$SRC/config/policy.yaml" >"$WORK/policy.orig"
grep -q "^mode: enforce" "$WORK/policy.orig" || fail "policy: could not set enforce mode"
grep -q "^  - name: $NEW_RULE$" "$WORK/policy.orig" && fail "policy: the bundled policy already has $NEW_RULE"
# The good policy of the reload after the broken one: the original plus a rule every call of this test matches
# (nothing earlier in the policy matches a clean foreign call, so it decides them all).
{
    cat "$WORK/policy.orig"
    printf '\n  # Added by %s at a reload in the middle of the run.\n' "$NAME"
    printf '  - name: %s\n    when: {kind: call, trunk: [intl-carrier]}\n    then: {action: alert}\n' "$NEW_RULE"
} >"$WORK/policy.new"
# The broken one: an action that does not exist.
sed -e '/name: drop-domestic-cli-from-international/,/then:/ s/then: {action: drop}/then: {action: explode}/' \
    "$WORK/policy.orig" >"$WORK/policy.broken"
grep -qF "then: {action: explode}" "$WORK/policy.broken" || fail "policy: could not break the policy"
install_policy() { cp "$1" "$POLICY.tmp" && mv "$POLICY.tmp" "$POLICY"; }  # atomically
install_policy "$WORK/policy.orig"

# --- SIPp: short clean calls from foreign numbers ---
sed -e '/<pause milliseconds=/d' "$SRC/tests/sipp/uac-call.xml" >"$WORK/uac-short.xml"
grep -q "<pause" "$WORK/uac-short.xml" && fail "could not remove the pause from uac-call.xml"
printf 'SEQUENTIAL\n+442079460123;+84903002002;London caller\n+14155550123;+842437001001;SF caller\n+33142685300;+84903002003;Paris caller\n' \
    >"$WORK/foreign.csv"

# Field of sipp's -trace_stat CSV (last line), e.g. SuccessfulCall(C), FailedCall(C).
stat_of() {  # file column
    python3 - "$1" "$2" <<'PY'
import sys
rows = [l.rstrip("\n").split(";") for l in open(sys.argv[1]) if l.strip()]
print(rows[-1][rows[0].index(sys.argv[2])])
PY
}
now() { date +%s.%N; }

# --- scamgate ---
t_start=$(now)
ip netns exec "$NS_GW" "$BIN" run -c "$WORK/config/scamgate.yaml" --mode nfqueue --queue "$QUEUE" --control "$SOCK" \
    --events "$WORK/events.jsonl" --stats json --duration 300 >"$WORK/stats.json" 2>"$WORK/gate.log" &
SCAMGATE_PID=$!
for _ in $(seq 1 300); do
    grep -q "bound queue $QUEUE" "$WORK/gate.log" 2>/dev/null && [[ -S $SOCK ]] && break
    kill -0 "$SCAMGATE_PID" 2>/dev/null || fail "scamgate exited before binding the queue"
    sleep 0.1
done
grep -q "bound queue $QUEUE" "$WORK/gate.log" || fail "scamgate did not bind queue $QUEUE within 30 s"
[[ -S $SOCK ]] || fail "no control socket at $SOCK"

# --- UAS ---
(cd "$WORK" && exec ip netns exec "$NS_UAS" sipp -sf "$SRC/tests/sipp/uas-answer.xml" -i "$UAS_IP" -p 5060 \
    -m "$CALLS" -nostdin -timeout 120s -buff_size 4194304 -trace_err -error_file "$WORK/uas.err" -trace_stat -stf "$WORK/uas.csv" \
    >"$WORK/uas.log" 2>&1) &
UAS_PID=$!
for _ in $(seq 1 50); do
    ip netns exec "$NS_UAS" ss -uln | grep -q "$UAS_IP:5060" && break
    sleep 0.1
done
ip netns exec "$NS_UAS" ss -uln | grep -q "$UAS_IP:5060" || fail "UAS not listening"

# --- the reloader: one reload a second (on a fixed schedule, from 0.5 s in) until the UAC is done ---
# Each line of $WORK/reloads: index, wall time asked, wall time answered, exit status, answer.
# A slow reload (a sanitizer build) pushes the next one back: at least 0.3 s of calls between one
# answer and the next request, and a whole second after the refused one (calls decided under it).
reloader() {
    local i=0 t0 due gap asked answered=0 rc answer
    t0=$(now)
    while [[ ! -e $WORK/uac.done ]]; do
        i=$((i + 1))
        gap=0.3
        ((i == BROKEN_AT + 1)) && gap=1.0  # a second of calls under the refused policy
        due=$(python3 -c "import time; print(max(0.0, max($t0 + $i - 0.5, $answered + $gap) - time.time()))")
        sleep "$due"
        [[ -e $WORK/uac.done ]] && break
        case $i in
            "$BROKEN_AT") install_policy "$WORK/policy.broken" ;;
            "$((BROKEN_AT + 1))") install_policy "$WORK/policy.new" ;;
        esac
        asked=$(now)
        rc=0
        answer=$("$BIN" reload --control "$SOCK" 2>&1) || rc=$?
        answered=$(now)
        echo "$i $asked $answered $rc ${answer//$'\n'/ }" >>"$WORK/reloads"
    done
}
reloader &
RELOADER_PID=$!

# --- UAC: CALLS clean calls at RATE calls/s ---
t_uac=$(now)
uac_rc=0
(cd "$WORK" && ip netns exec "$NS_UAC" sipp "$UAS_IP:5060" -sf "$WORK/uac-short.xml" -inf "$WORK/foreign.csv" \
    -i "$UAC_IP" -p 5060 -r "$RATE" -rp 1000 -m "$CALLS" -nostdin -timeout 120s -buff_size 4194304 \
    -cid_str "sgload-$$-%u@$UAC_IP" -key ua scamgate-reload-load-test -key dom "$UAC_IP" \
    -trace_err -error_file "$WORK/uac.err" -trace_stat -stf "$WORK/uac.csv" -fd 1 \
    >"$WORK/uac.log" 2>&1) || uac_rc=$?
touch "$WORK/uac.done"
t_uac_end=$(now)
wait "$RELOADER_PID" || fail "the reloader failed"
RELOADER_PID=
uas_rc=0
wait "$UAS_PID" || uas_rc=$?
UAS_PID=

ok=$(stat_of "$WORK/uac.csv" "SuccessfulCall(C)")
failed=$(stat_of "$WORK/uac.csv" "FailedCall(C)")
retrans=$(stat_of "$WORK/uac.csv" "Retransmissions(C)")
uas_calls=$(stat_of "$WORK/uas.csv" "SuccessfulCall(C)")
log "UAC: $CALLS calls at $RATE/s in $(python3 -c "print(round($t_uac_end - $t_uac, 1))") s: sipp exit $uac_rc, successful $ok, failed $failed, retransmissions $retrans; UAS: exit $uas_rc, successful $uas_calls"
log "reloads (index, asked, answered, exit, answer):"
sed 's/^/    /' "$WORK/reloads" >&2

[[ $failed -eq 0 ]] || { tail -20 "$WORK/uac.err" >&2 2>/dev/null || true; fail "$failed failed clean calls"; }
[[ $ok -eq $CALLS ]] || fail "$ok successful calls of $CALLS"
[[ $uac_rc -eq 0 ]] || { tail -20 "$WORK/uac.log" >&2; fail "UAC sipp exit $uac_rc"; }
[[ $uas_rc -eq 0 ]] || { tail -20 "$WORK/uas.log" >&2; fail "UAS sipp exit $uas_rc"; }
[[ $uas_calls -eq $CALLS ]] || fail "the UAS completed $uas_calls calls of $CALLS"

# --- the reloads' answers ---
read -r broken_rc broken_answer < <(awk -v i="$BROKEN_AT" '$1 == i { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' "$WORK/reloads")
[[ -n ${broken_rc:-} ]] || fail "no reload number $BROKEN_AT (the broken policy) was made"
[[ $broken_rc -ne 0 ]] || fail "the reload of the broken policy exited 0: $broken_answer"
[[ $broken_answer == error* ]] || fail "the reload of the broken policy answered '$broken_answer', want 'error ...'"
grep -q "reload (control socket) failed, the previous configuration stays in force: .*policy.yaml:[0-9]*:" "$WORK/gate.log" ||
    fail "no FILE:LINE error in scamgate's log for the broken policy"
bad=$(awk -v i="$BROKEN_AT" '$1 != i && ($4 != 0 || $5 != "ok")' "$WORK/reloads")
[[ -z $bad ]] || fail "reloads of a good policy that did not answer ok: $bad"
oks=$(awk '$4 == 0 && $5 == "ok"' "$WORK/reloads" | wc -l)
# One reload a second needs a reload to take well under a second (about 0.1 s in a release build);
# a sanitizer build takes 1-2 s per reload, so there the reloader runs back to back instead and
# fewer fit into the run.
mean_reload=$(awk '{ t += $3 - $2; n++ } END { printf "%.2f", n ? t / n : 0 }' "$WORK/reloads")
want_oks=8
if python3 -c "import sys; sys.exit(0 if $mean_reload > 0.5 else 1)"; then
    want_oks=3
    log "reloads take $mean_reload s each here (a slow build): back to back, want >= $want_oks"
fi
((oks >= want_oks)) || fail "only $oks reloads answered ok during the run (want >= $want_oks; $mean_reload s each)"
read -r _ good_asked good_answered _ < <(awk -v i="$((BROKEN_AT + 1))" '$1 == i' "$WORK/reloads")
[[ -n ${good_answered:-} ]] || fail "no reload number $((BROKEN_AT + 1)) (the new policy) was made"
read -r _ _ broken_answered _ < <(awk -v i="$BROKEN_AT" '$1 == i' "$WORK/reloads")

# --- nothing went around scamgate: kernel counters, before scamgate lets go of the queue ---
rule_pkts=$(ip netns exec "$NS_GW" iptables -nvx -L FORWARD | awk '/NFQUEUE/ { print $1; exit }')
# queue_number peer_portid queue_total copy_mode copy_range queue_dropped user_dropped id_sequence 1
read -r _ _ q_total _ _ q_dropped u_dropped id_seq _ < <(ip netns exec "$NS_GW" awk -v q="$QUEUE" '$1 == q' /proc/net/netfilter/nfnetlink_queue)
kill -0 "$SCAMGATE_PID" 2>/dev/null || fail "scamgate died during the run"
kill -TERM "$SCAMGATE_PID"
gate_rc=0
wait "$SCAMGATE_PID" || gate_rc=$?
SCAMGATE_PID=
[[ $gate_rc -eq 0 ]] || fail "scamgate exited $gate_rc after SIGTERM"
log "kernel: NFQUEUE rule $rule_pkts packets; queue $QUEUE: id_sequence ${id_seq:-?}, queue_dropped ${q_dropped:-?}, user_dropped ${u_dropped:-?}, still queued ${q_total:-?}"

python3 - "$WORK/stats.json" "$oks" "$rule_pkts" "${id_seq:-}" "${q_dropped:-}" "${u_dropped:-}" "$CALLS" <<'PY' || fail "stats (see above)"
import json, sys
s = json.load(open(sys.argv[1]))
oks, rule_pkts, calls = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[7])
id_seq, q_dropped, u_dropped = sys.argv[4], sys.argv[5], sys.argv[6]
shown = {k: v for k, v in s.items() if k.startswith(("reload.", "nfqueue.", "inline.", "policy.", "calls."))}
print("test_reload_load: stats:", json.dumps(shown, sort_keys=True), file=sys.stderr)
errors = []
def want(cond, msg):
    if not cond: errors.append(msg)
want(s.get("reload.failures") == 1, f"reload.failures = {s.get('reload.failures')}, want 1")
want(s.get("reload.successes") == oks, f"reload.successes = {s.get('reload.successes')}, want {oks} (the ok answers)")
packets = s.get("nfqueue.packets", 0)
want(packets > 0, "nfqueue.packets is 0")
# 7 SIP messages a call, each one forwarded to port 5060 and queued.
want(packets >= 7 * calls, f"nfqueue.packets = {packets}, want >= {7 * calls}")
want(s.get("nfqueue.dropped") == 0, f"nfqueue.dropped = {s.get('nfqueue.dropped')}")
want(s.get("nfqueue.accepted") == packets, f"nfqueue.accepted = {s.get('nfqueue.accepted')}, want {packets}")
want(s.get("inline.dropped", 0) == 0, f"inline.dropped = {s.get('inline.dropped')}")
want(s.get("inline.rejected", 0) == 0, f"inline.rejected = {s.get('inline.rejected')}")
want(s.get("inline.sip_decided", 0) >= calls, f"inline.sip_decided = {s.get('inline.sip_decided')}, want >= {calls}")
# Fail-open: packets the kernel accepted without scamgate (queue full, netlink buffer full, or no
# program bound) pass the rule but never reach scamgate.
want(rule_pkts == packets, f"the NFQUEUE rule matched {rule_pkts} packets, scamgate saw {packets}: some went around it")
if id_seq:
    want(int(id_seq) == packets, f"the kernel queue numbered {id_seq} packets, scamgate saw {packets}")
    want(q_dropped == "0" and u_dropped == "0", f"kernel queue drops: queue_dropped {q_dropped}, user_dropped {u_dropped}")
for e in errors: print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

python3 - "$WORK/events.jsonl" "$CALLS" "sgload-$$-" "@$UAC_IP" "$NEW_RULE" "$broken_answered" "$good_asked" "$good_answered" "$RATE" <<'PY' || fail "events (see above)"
import json, sys
from datetime import datetime, timezone
path, calls, prefix, suffix, new_rule = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
broken_answered, good_asked, good_answered = map(float, sys.argv[6:9])
MARGIN = 0.25  # s: an INVITE stamped this long before the reload was asked is decided before the swap

def seconds(ts):  # RFC 3339 UTC with nanoseconds
    head, _, frac = ts.rstrip("Z").partition(".")
    return datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() + float("0." + (frac or "0"))

by_cid = {}
others = 0
for line in open(path):
    if not line.strip(): continue
    e = json.loads(line)
    cid = e.get("call_id", "")
    if e.get("kind") == "call" and cid.startswith(prefix) and cid.endswith(suffix):
        by_cid.setdefault(cid, []).append(e)
    else:
        others += 1
errors = []
before = after = after_new = between = middle = 0
window = []
for n in range(1, calls + 1):
    cid = f"{prefix}{n}{suffix}"
    evs = by_cid.pop(cid, [])
    if len(evs) != 1:
        errors.append(f"{cid}: {len(evs)} events, want 1")
        continue
    e = evs[0]
    action, rule = e.get("action"), e.get("rule")
    if action not in ("allow", "alert"):
        errors.append(f"{cid}: action {action!r} (rule {rule!r}): no verdict, or a clean call blocked")
        continue
    if e.get("final_status") != 200 or e.get("end_reason") != "bye":
        errors.append(f"{cid}: final_status {e.get('final_status')} end_reason {e.get('end_reason')}")
    invite = seconds(e["timeline"]["invite"])
    new = rule == new_rule and action == "alert"
    if not new and (rule != "default" or action != "allow"):
        errors.append(f"{cid}: rule {rule!r} action {action!r}: neither the old policy's default allow nor {new_rule}")
    if invite < good_asked - MARGIN:
        before += 1
        if broken_answered < invite: between += 1
        if new: errors.append(f"{cid}: INVITE {good_asked - invite:.3f} s before the new policy was asked for, but decided by {new_rule}")
    elif invite > good_answered:
        after += 1
        after_new += new
        if not new: errors.append(f"{cid}: INVITE {invite - good_answered:.3f} s after the new policy was in force, but decided by {rule!r} {action!r}")
    else:
        middle += 1
        window.append(new)
for cid, evs in sorted(by_cid.items()):
    errors.append(f"{cid}: {len(evs)} events of a call the UAC did not place")
print(f"test_reload_load: events: {calls} calls, {calls - len([1 for x in errors if 'events, want 1' in x])} with one event; {before} decided before the new policy "
      f"({between} of them after the broken one was refused), {after} after it ({after_new} by {new_rule} alert), "
      f"{middle} during the swap ({sum(window)} new); {others} other events", file=sys.stderr)
# Enough calls on each side to tell, in proportion to the rate (at 200 calls/s: 100, 40, 100).
rate = int(sys.argv[9])
if before < rate // 2 or between < rate // 5 or after < rate // 2:
    errors.append(f"too few calls on either side of the reloads to tell (before {before}, between {between}, after {after})")
for e in errors[:20]: print("  " + e, file=sys.stderr)
if len(errors) > 20: print(f"  ... {len(errors) - 20} more", file=sys.stderr)
sys.exit(1 if errors else 0)
PY

log "PASS ($oks reloads ok, 1 refused, $CALLS calls at $RATE/s, $retrans SIPp retransmissions, $(python3 -c "print(round($(now) - $t_start, 1))") s)"
