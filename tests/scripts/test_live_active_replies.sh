#!/usr/bin/env bash
# Passive mode with active replies (`scamgate run --mode passive --active-replies`): scamgate
# captures on the gateway's own interface and, for an enforced reject, injects the rule's SIP final
# response towards the caller with libpcap. Two network namespaces made (and removed) here:
#   uac (SIPp, 203.0.113.2, the international trunk)  --veth--  gw (203.0.113.1: scamgate, no SIP service)
# Nothing answers SIP in gw, so any final response the UAC gets was injected by scamgate:
#   - a call presenting a domestic number (+849..., rule set to reject 606) gets the 606: the UAC
#     scenario (tests/sipp/uac-inline-reject.xml) succeeds only then;
#   - a call presenting a foreign number gets nothing and times out (nothing to answer for);
#   - the events say reject (enforced false, not_enforced_reason passive: the INVITE still went on)
#     for the first and allow for the second, and
#     passive.replies_sent is 1 (plus re-sends for retransmissions: at least 1).
# Needs root, ip netns, sipp and ethtool; exits 77 (skipped) without.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}

skip() {
    echo "SKIP: test_live_active_replies: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: test_live_active_replies: $*" >&2
    exit 1
}
log() { echo "test_live_active_replies: $*" >&2; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, packet capture and injection)"
for tool in ip sipp ethtool python3; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/deps test installs it)"
done
[[ -x $BIN ]] || fail "no scamgate binary at $BIN"

NS_UAC=sg-auac-$$
NS_GW=sg-agw-$$
WORK=$(mktemp -d /tmp/scamgate-active.XXXXXX)
SCAMGATE_PID=
UAC_IP=203.0.113.2
GW_IP=203.0.113.1
cleanup() {
    [[ -n $SCAMGATE_PID ]] && kill -KILL "$SCAMGATE_PID" 2>/dev/null || true
    ip netns del "$NS_UAC" 2>/dev/null || true
    ip netns del "$NS_GW" 2>/dev/null || true
    [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$NS_UAC" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed)"
ip netns add "$NS_GW"
for ns in "$NS_UAC" "$NS_GW"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add sgau$$ netns "$NS_UAC" type veth peer name sgag$$ netns "$NS_GW"
ip -n "$NS_UAC" addr add "$UAC_IP/24" dev sgau$$
ip -n "$NS_GW" addr add "$GW_IP/24" dev sgag$$
ip -n "$NS_UAC" link set sgau$$ up
ip -n "$NS_GW" link set sgag$$ up
ip netns exec "$NS_UAC" ethtool -K sgau$$ tx off >/dev/null

mkdir -p "$WORK/config"
cp -r "$SRC"/config/. "$WORK/config/"
ln -s "$SRC/signatures" "$WORK/signatures"
sed -e 's/^mode: monitor/mode: enforce/' \
    -e "/name: drop-domestic-cli-from-international/,/then:/ s/then: {action: drop}/then: {action: reject, sip_status: 606, sip_reason: Not Acceptable}/" \
    "$SRC/config/policy.yaml" >"$WORK/config/policy.yaml"
grep -q "sip_status: 606" "$WORK/config/policy.yaml" || fail "policy: could not set the rule's action"
printf 'SEQUENTIAL\n+84912345678;+84903002002;Ngan hang\n' >"$WORK/domestic.csv"
printf 'SEQUENTIAL\n+442079460123;+84903002002;London caller\n' >"$WORK/foreign.csv"

ip netns exec "$NS_GW" "$BIN" run -c "$WORK/config/scamgate.yaml" --mode passive --interface sgag$$ --active-replies \
    --user nobody --control "$WORK/control.sock" --events "$WORK/events.jsonl" --stats json --duration 600 \
    >"$WORK/stats.json" 2>"$WORK/scamgate.log" &
SCAMGATE_PID=$!
for _ in $(seq 1 1200); do
    grep -q "active replies on" "$WORK/scamgate.log" 2>/dev/null && break
    kill -0 "$SCAMGATE_PID" 2>/dev/null || { cat "$WORK/scamgate.log" >&2; fail "scamgate exited early"; }
    sleep 0.1
done
grep -q "active replies on" "$WORK/scamgate.log" || fail "scamgate did not start capturing"
sleep 0.3

uac() {  # name scenario csv extra...
    local name=$1 scenario=$2 csv=$3 rc=0
    shift 3
    (cd "$WORK" && ip netns exec "$NS_UAC" sipp "$GW_IP:5060" -sf "$SRC/tests/sipp/$scenario" -inf "$csv" -i "$UAC_IP" \
        -p 5060 -m 1 -l 1 -nostdin -cid_str "sipp-$name-%u@$UAC_IP" -key ua scamgate-active-test -key dom "$UAC_IP" \
        -trace_err -error_file "$WORK/$name.err" "$@" >"$WORK/$name.log" 2>&1) || rc=$?
    echo "$rc"
}
rc=$(uac rejected uac-inline-reject.xml "$WORK/domestic.csv")
log "domestic-CLI call: sipp exit $rc (0: the injected 606 arrived)"
[[ $rc -eq 0 ]] || { cat "$WORK/rejected.log" "$WORK/scamgate.log" >&2; fail "the UAC did not get the injected 606"; }
rc=$(uac foreign uac-call.xml "$WORK/foreign.csv" -recv_timeout 2000)
log "foreign call: sipp exit $rc (1: no answer, nothing was injected)"
[[ $rc -eq 1 ]] || fail "the foreign call got an answer (sipp exit $rc); nothing should have answered it"

kill -TERM "$SCAMGATE_PID"
rc=0
wait "$SCAMGATE_PID" || rc=$?
SCAMGATE_PID=
[[ $rc -eq 0 ]] || { cat "$WORK/scamgate.log" >&2; fail "scamgate exited $rc"; }
grep -E "passive|running as" "$WORK/scamgate.log" >&2 || true
python3 - "$WORK" "$UAC_IP" <<'PY' || fail "checks failed (see above)"
import json, sys
work, uac = sys.argv[1], sys.argv[2]
stats = json.load(open(f"{work}/stats.json"))
assert stats.get("passive.replies_sent", 0) >= 1, stats.get("passive.replies_sent")
events = {e["call_id"]: e for e in (json.loads(l) for l in open(f"{work}/events.jsonl") if l.strip()) if "call_id" in e}
rejected, foreign = events[f"sipp-rejected-1@{uac}"], events[f"sipp-foreign-1@{uac}"]
# Passive: the caller got our answer, but the INVITE went on to the callee: not enforced.
assert rejected["action"] == "reject" and rejected["enforced"] is False, rejected
assert rejected["not_enforced_reason"] == "passive", rejected
assert rejected["final_status"] == 606 and rejected["end_reason"] == "rejected", (rejected["final_status"], rejected["end_reason"])
assert foreign["action"] == "allow" and foreign["final_status"] is None, foreign
print(f"replies_sent {stats['passive.replies_sent']}; rejected call final_status {rejected['final_status']}; foreign call {foreign['end_reason']}", file=sys.stderr)
PY
log "PASS"
