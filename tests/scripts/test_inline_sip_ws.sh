#!/usr/bin/env bash
# `scamgate run --mode nfqueue` on SIP over WebSocket (RFC 7118): a WebSocket client
# (tests/kamailio/ws_sip_client.py, Python standard library) sends four calls over ONE WebSocket
# connection on TCP 8089 through scamgate to Kamailio with its websocket module (Debian kamailio +
# kamailio-websocket-modules, tests/kamailio/websocket.cfg). Three network namespaces made (and
# removed) by this test:
#   client (203.0.113.2, international trunk) --veth-- gw (routes; NFQUEUE on TCP 8089 both ways) --veth-- server (192.0.2.2)
# The calls, in order: a foreign caller; a caller presenting a domestic number (policy: reject 606)
# in one masked frame; a foreign caller; the domestic caller again in three continuation frames.
# (The foreign calls are tagged by the bundled policy, for the bank's name in the display name:
# an alert only on a TCP connection.)
#   - the refused INVITE's Max-Forwards is zeroed inside its masked frame (the bytes written are
#     '0' XOR the frame's key), Kamailio answers 483, and scamgate turns that 483, inside Kamailio's
#     frame, into "606 Not Acceptabl";
#   - the fragmented one is judged when its last frame arrives, but its first frame (with the
#     Max-Forwards digits) has gone by: it reaches Kamailio (486), is counted inline.tcp_unsafe, and
#     its event says reject, enforced false, tcp_unsafe;
#     the tagged calls' events say enforced false, tcp_tag_unsupported;
#   - the foreign calls reach Kamailio intact, before and after, on the same connection.
# Needs root, ip netns, iptables with NFQUEUE, ethtool, python3, kamailio and its websocket module;
# exits 77 (skipped) without.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}
QUEUE=${INLINE_TEST_QUEUE:-13}
CLIENT_IP=203.0.113.2
SERVER_IP=192.0.2.2
PORT=8089

skip() {
    echo "SKIP: test_inline_sip_ws: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: test_inline_sip_ws: $*" >&2
    exit 1
}
log() { echo "test_inline_sip_ws: $*" >&2; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, iptables, NFQUEUE)"
for tool in ip iptables ethtool python3 kamailio; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/deps test installs it)"
done
[[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so ]] \
    || skip "Kamailio's websocket module is missing (apt-get install kamailio-websocket-modules)"
[[ -x $BIN ]] || fail "no scamgate binary at $BIN"
probe=sgprobe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed)"
if ! ip netns exec "$probe" iptables -A FORWARD -p tcp --dport "$PORT" -j NFQUEUE --queue-num "$QUEUE" --queue-bypass 2>/dev/null; then
    ip netns del "$probe"
    skip "iptables cannot add an NFQUEUE rule here (no nf_tables / xt_NFQUEUE in this kernel?)"
fi
ip netns del "$probe"

NS_CLIENT=sg-wcl-$$
NS_GW=sg-wgw-$$
NS_SERVER=sg-wsv-$$
WORK=$(mktemp -d /tmp/scamgate-sip-ws.XXXXXX)
# shellcheck source=routed_tcp_netns.sh
source "$SRC/tests/scripts/routed_tcp_netns.sh"
routed_tcp_netns "$NS_CLIENT" "$NS_GW" "$NS_SERVER" "$CLIENT_IP" 203.0.113.1 192.0.2.1 "$SERVER_IP" "$PORT" "$QUEUE"

sed -e "s/@ADDRESS@/$SERVER_IP/g" -e "s/@PORT@/$PORT/g" "$SRC/tests/kamailio/websocket.cfg" >"$WORK/kamailio.cfg"
ip netns exec "$NS_SERVER" kamailio -f "$WORK/kamailio.cfg" -DD -E -m 32 -M 8 -Y "$WORK" >"$WORK/kamailio.log" 2>&1 &
PIDS+=($!)
wait_for 100 ip netns exec "$NS_SERVER" sh -c "ss -Hltn 'sport = :$PORT' | grep -q '$SERVER_IP'" \
    || { cat "$WORK/kamailio.log" >&2; fail "kamailio is not listening on $SERVER_IP:$PORT"; }

# scamgate: the bundled configuration, enforce mode, the domestic-CLI rule set to reject 606.
mkdir -p "$WORK/config"
cp -r "$SRC"/config/. "$WORK/config/"
ln -s "$SRC/signatures" "$WORK/signatures"
sed -e 's/^mode: monitor/mode: enforce/' \
    -e "/name: drop-domestic-cli-from-international/,/then:/ s/then: {action: drop}/then: {action: reject, sip_status: 606, sip_reason: Not Acceptable}/" \
    "$SRC/config/policy.yaml" >"$WORK/config/policy.yaml"
grep -q "sip_status: 606" "$WORK/config/policy.yaml" || fail "policy: could not set the rule's action"
ip netns exec "$NS_GW" "$BIN" run -c "$WORK/config/scamgate.yaml" --mode nfqueue --queue "$QUEUE" --user nobody \
    --control "$WORK/control.sock" --events "$WORK/events.jsonl" --stats json --duration 90 \
    >"$WORK/scamgate.stats" 2>"$WORK/scamgate.log" &
SCAMGATE_PID=$!
PIDS+=("$SCAMGATE_PID")
wait_for 300 grep -q "bound queue $QUEUE" "$WORK/scamgate.log" || { cat "$WORK/scamgate.log" >&2; fail "scamgate did not bind queue $QUEUE"; }

rc=0
ip netns exec "$NS_CLIENT" timeout 60 python3 "$SRC/tests/kamailio/ws_sip_client.py" --local "$CLIENT_IP" \
    --server "$SERVER_IP" --port "$PORT" --path /ws --timeout 10 \
    --call "+442079460123:486" --call "+84912345678:606" --call "+33142685300:486" --call "+84912345678:486:3" \
    >"$WORK/client.log" 2>&1 || rc=$?
cat "$WORK/client.log" >&2
[[ $rc -eq 0 ]] || { cat "$WORK/kamailio.log" "$WORK/scamgate.log" >&2; fail "the client's calls did not get the expected answers"; }

kill -TERM "$SCAMGATE_PID"
gate_rc=0
wait "$SCAMGATE_PID" || gate_rc=$?
[[ $gate_rc -eq 0 ]] || { cat "$WORK/scamgate.log" >&2; fail "scamgate exited $gate_rc"; }
grep -E "nfqueue" "$WORK/scamgate.log" >&2 || true
grep "ws-next-hop:" "$WORK/kamailio.log" | sed 's/^/kamailio: /' >&2 || true

python3 - "$WORK" "$CLIENT_IP" <<'PY' || fail "checks failed (see above)"
import json, sys
work, client = sys.argv[1], sys.argv[2]
log = open(f"{work}/client.log").read()
assert "INVITE sgws-2 in 1 frame(s): SIP/2.0 606 Not Acceptabl" in log, "the refused call did not get 606"
proxy = open(f"{work}/kamailio.log", errors="replace").read()
assert f"ws-next-hop: 483 to sgws-2@{client} (Max-Forwards 00)" in proxy, "Kamailio did not see Max-Forwards 00"
for n in (1, 3, 4):
    assert f"ws-next-hop: INVITE sgws-{n}@{client}" in proxy, f"Kamailio did not route call {n}"
events = {e["call_id"]: e for e in (json.loads(l) for l in open(f"{work}/events.jsonl") if l.strip()) if "call_id" in e}
calls = [events[f"sgws-{i}@{client}"] for i in (1, 2, 3, 4)]
# The client's display name "Ngan hang" (a bank) makes the bundled policy tag the foreign calls:
# over WebSocket, as over TCP, a tag is an alert only (inline.not_applied).
assert [c["action"] for c in calls] == ["tag", "reject", "tag", "reject"], [c["action"] for c in calls]
assert all(c["ingress"]["transport"] == "ws" for c in calls), [c["ingress"] for c in calls]
# enforced is true only for what was carried out: the tags are never applied on a connection, the
# fragmented reject could not be changed from one packet.
enforcement = [(c["enforced"], c.get("not_enforced_reason")) for c in calls]
print(f"enforcement: {enforcement}", file=sys.stderr)
assert enforcement == [(False, "tcp_tag_unsupported"), (True, None), (False, "tcp_tag_unsupported"),
                       (False, "tcp_unsafe")], enforcement
# The worker is fed each packet as it arrived (before the gate's change), so the refused call's
# event records Kamailio's 483, as for SIP over TCP; the client got 606 (checked above).
assert [c["final_status"] for c in calls] == [486, 483, 486, 486], [c["final_status"] for c in calls]
assert len({c["ingress"]["src_port"] for c in calls}) == 1
stats = json.load(open(f"{work}/scamgate.stats"))
assert stats["inline.tcp_rewritten"] == 1 and stats["inline.tcp_responses_rewritten"] == 1, stats
assert stats["inline.tcp_unsafe"] == 1 and stats["inline.not_applied"] == 2, stats
assert stats["sip.websocket_streams"] == 1, stats
assert stats["nfqueue.dropped"] == 0 and stats["nfqueue.not_seen"] == 0, stats
print(f"one WebSocket connection; calls: {[(c['call_id'], c['action'], c['final_status']) for c in calls]}", file=sys.stderr)
PY
log "PASS"
