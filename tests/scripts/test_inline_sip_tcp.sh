#!/usr/bin/env bash
# `scamgate run --mode nfqueue` on a SIP trunk over TCP: a SIPp UAC sends three calls over ONE TCP
# connection (sipp -t t1) through scamgate to a real next-hop proxy, Kamailio (Debian `kamailio`,
# tests/kamailio/next-hop.cfg). Three network namespaces made (and removed) by this test:
#   uac (203.0.113.2, international trunk) --veth-- gw (routes; NFQUEUE on TCP 5060 both ways) --veth-- proxy (192.0.2.2)
# The calls, in order: a foreign caller, a caller presenting a domestic number (+849..., rule
# drop-domestic-cli-from-international set to reject 606), a foreign caller again.
#   - scamgate never drops a segment of the shared connection: it rewrites the refused INVITE's
#     Max-Forwards to 00 (same length), Kamailio answers it 483 Too Many Hops, and scamgate turns
#     that 483 into the policy's "606 Not Acceptabl" (the reason fitted into the same length);
#   - the foreign calls reach Kamailio intact and get its 486, before and after the refused one,
#     on the same connection.
# Needs root, ip netns, iptables with NFQUEUE, ethtool, sipp and kamailio; exits 77 (skipped) without.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}
QUEUE=${INLINE_TEST_QUEUE:-11}
UAC_IP=203.0.113.2
PROXY_IP=192.0.2.2

skip() {
    echo "SKIP: test_inline_sip_tcp: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: test_inline_sip_tcp: $*" >&2
    exit 1
}
log() { echo "test_inline_sip_tcp: $*" >&2; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, iptables, NFQUEUE)"
for tool in ip iptables ethtool sipp python3 kamailio; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/deps test installs it)"
done
[[ -x $BIN ]] || fail "no scamgate binary at $BIN"
probe=sgprobe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed)"
if ! ip netns exec "$probe" iptables -A FORWARD -p tcp --dport 5060 -j NFQUEUE --queue-num "$QUEUE" --queue-bypass 2>/dev/null; then
    ip netns del "$probe"
    skip "iptables cannot add an NFQUEUE rule here (no nf_tables / xt_NFQUEUE in this kernel?)"
fi
ip netns del "$probe"

NS_UAC=sg-tuac-$$
NS_GW=sg-tgw-$$
NS_PROXY=sg-tpx-$$
WORK=$(mktemp -d /tmp/scamgate-sip-tcp.XXXXXX)
# shellcheck source=routed_tcp_netns.sh
source "$SRC/tests/scripts/routed_tcp_netns.sh"
routed_tcp_netns "$NS_UAC" "$NS_GW" "$NS_PROXY" "$UAC_IP" 203.0.113.1 192.0.2.1 "$PROXY_IP" 5060 "$QUEUE"

# Kamailio, the next hop.
sed "s/@ADDRESS@/$PROXY_IP/g" "$SRC/tests/kamailio/next-hop.cfg" >"$WORK/kamailio.cfg"
ip netns exec "$NS_PROXY" kamailio -f "$WORK/kamailio.cfg" -DD -E -Y "$WORK" >"$WORK/kamailio.log" 2>&1 &
PIDS+=($!)
wait_for 300 ip netns exec "$NS_PROXY" sh -c "ss -Hltn 'sport = :5060' | grep -q '$PROXY_IP'" \
    || { cat "$WORK/kamailio.log" >&2; fail "kamailio is not listening on $PROXY_IP:5060"; }

# scamgate: the bundled configuration, enforce mode, the domestic-CLI rule set to reject 606.
mkdir -p "$WORK/config"
cp -r "$SRC"/config/. "$WORK/config/"
ln -s "$SRC/signatures" "$WORK/signatures"
sed -e 's/^mode: monitor/mode: enforce/' \
    -e "/name: drop-domestic-cli-from-international/,/then:/ s/then: {action: drop}/then: {action: reject, sip_status: 606, sip_reason: Not Acceptable}/" \
    "$SRC/config/policy.yaml" >"$WORK/config/policy.yaml"
grep -q "sip_status: 606" "$WORK/config/policy.yaml" || fail "policy: could not set the rule's action"
ip netns exec "$NS_GW" "$BIN" run -c "$WORK/config/scamgate.yaml" --mode nfqueue --queue "$QUEUE" --user nobody \
    --control "$WORK/control.sock" --events "$WORK/events.jsonl" --stats json --duration 600 \
    >"$WORK/scamgate.stats" 2>"$WORK/scamgate.log" &
SCAMGATE_PID=$!
PIDS+=("$SCAMGATE_PID")
wait_for 1200 grep -q "bound queue $QUEUE" "$WORK/scamgate.log" || { cat "$WORK/scamgate.log" >&2; fail "scamgate did not bind queue $QUEUE"; }

# Three calls, one at a time, over one TCP connection.
printf 'SEQUENTIAL\n+442079460123;+84903002002;London caller\n+84912345678;+84903002002;Ngan hang\n+33142685300;+84903002003;Paris caller\n' >"$WORK/calls.csv"
rc=0
(cd "$WORK" && ip netns exec "$NS_UAC" sipp "$PROXY_IP:5060" -t t1 -sf "$SRC/tests/sipp/uac-tcp-next-hop.xml" \
    -inf "$WORK/calls.csv" -i "$UAC_IP" -p 5070 -m 3 -l 1 -r 2 -nostdin -timeout 120s -recv_timeout 15000 \
    -cid_str "sgtcp-%u@$UAC_IP" -key ua scamgate-tcp-test -key dom "$UAC_IP" -trace_msg -message_file "$WORK/uac-msgs.log" \
    -trace_err -error_file "$WORK/uac.err" >"$WORK/uac.log" 2>&1) || rc=$?
[[ $rc -eq 0 ]] || { cat "$WORK/uac.log" "$WORK/kamailio.log" "$WORK/scamgate.log" >&2; fail "the UAC's calls did not complete (sipp exit $rc)"; }

kill -TERM "$SCAMGATE_PID"
gate_rc=0
wait "$SCAMGATE_PID" || gate_rc=$?
[[ $gate_rc -eq 0 ]] || { cat "$WORK/scamgate.log" >&2; fail "scamgate exited $gate_rc"; }
grep -E "nfqueue" "$WORK/scamgate.log" >&2 || true
grep "next-hop:" "$WORK/kamailio.log" | sed 's/^/kamailio: /' >&2 || true

python3 - "$WORK" "$UAC_IP" <<'PY' || fail "checks failed (see above)"
import json, re, sys
work, uac = sys.argv[1], sys.argv[2]
msgs = open(f"{work}/uac-msgs.log", errors="replace").read()
finals = re.findall(r"^SIP/2\.0 (\d{3}) ([^\r\n]*)\r?$", msgs, re.M)
finals = [(code, reason) for code, reason in finals if code != "100"]
print(f"UAC received: {finals}", file=sys.stderr)
assert finals == [("486", "Busy Here"), ("606", "Not Acceptabl"), ("486", "Busy Here")], finals
proxy = open(f"{work}/kamailio.log", errors="replace").read()
assert f"next-hop: 483 to sgtcp-2@{uac} (Max-Forwards 00)" in proxy, "the proxy did not see Max-Forwards 00 on the refused call"
assert proxy.count("next-hop: 486 to") == 2, "the proxy did not answer both foreign calls"
events = {e["call_id"]: e for e in (json.loads(l) for l in open(f"{work}/events.jsonl") if l.strip()) if "call_id" in e}
calls = [events[f"sgtcp-{i}@{uac}"] for i in (1, 2, 3)]
assert [c["action"] for c in calls] == ["allow", "reject", "allow"], [c["action"] for c in calls]
assert calls[1]["enforced"] is True and "not_enforced_reason" not in calls[1], calls[1]
ports = {c["ingress"]["src_port"] for c in calls}
assert len(ports) == 1 and all(c["ingress"]["transport"] == "tcp" for c in calls), ports
stats = json.load(open(f"{work}/scamgate.stats"))
assert stats["inline.tcp_rewritten"] == 1 and stats["inline.tcp_responses_rewritten"] == 1, stats
assert stats["nfqueue.dropped"] == 0 and stats["nfqueue.not_seen"] == 0, stats
print(f"one TCP connection (source port {ports.pop()}); calls: {[(c['call_id'], c['action'], c['final_status']) for c in calls]}", file=sys.stderr)
PY
log "PASS"
