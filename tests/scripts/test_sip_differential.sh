#!/usr/bin/env bash
# SIP differential test: whatever a real SIP stack routes, scamgate must judge. Every case of
# tests/differential/sip_requests.txt (malformed-but-plausible INVITEs and MESSAGEs over UDP and
# TCP) is sent through scamgate inline to Kamailio (tests/kamailio/differential.cfg), which logs
# one line per run of its request route. Three network namespaces made (and removed) here:
#   uac (203.0.113.2: tests/scripts/sip_differential.py) --veth-- gw (routes; NFQUEUE on UDP and
#   TCP 5060, both ways; scamgate run --mode nfqueue; dumpcap on the uac side) --veth-- proxy
#   (192.0.2.2: Kamailio)
# The policy is in monitor mode and tags every call and every SMS: every judged request gets
# action "tag" (not carried out, so every request reaches Kamailio unchanged), and the inline gate
# logs each request it decides on its own packet ("nfqueue: call-id X: tag -> forwarded
# unchanged"). Afterwards the capture goes through `scamgate replay`. For every case Kamailio
# routed as an INVITE or a MESSAGE, both scamgate's inline events and the replay's must hold an
# event for the Call-ID, From user and Request-URI user Kamailio read, with the policy's action;
# otherwise the test fails. Whether the gate decided the request on its packet (what enforcement
# needs) is reported beside it. A case Kamailio refuses is reported, whether scamgate judges it or
# not. One row per case is printed.
# Needs root, ip netns, iptables with NFQUEUE, ethtool, kamailio, dumpcap and python3; exits 77
# (skipped) without.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}
QUEUE=${DIFFERENTIAL_TEST_QUEUE:-13}
TABLE=${DIFFERENTIAL_TABLE:-$SRC/tests/differential/sip_requests.txt}
DRIVER=$SRC/tests/scripts/sip_differential.py
UAC_IP=203.0.113.2
PROXY_IP=192.0.2.2

skip() {
    echo "SKIP: test_sip_differential: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: test_sip_differential: $*" >&2
    exit 1
}
log() { echo "test_sip_differential: $*" >&2; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, iptables, NFQUEUE)"
for tool in ip iptables ethtool python3 kamailio dumpcap; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/deps test installs it)"
done
[[ -x $BIN ]] || fail "no scamgate binary at $BIN"
python3 "$DRIVER" show "$TABLE" >/dev/null || fail "the case table $TABLE does not load"
probe=sgprobe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed)"
if ! ip netns exec "$probe" iptables -A FORWARD -p udp --dport 5060 -j NFQUEUE --queue-num "$QUEUE" --queue-bypass 2>/dev/null; then
    ip netns del "$probe"
    skip "iptables cannot add an NFQUEUE rule here (no nf_tables / xt_NFQUEUE in this kernel?)"
fi
ip netns del "$probe"

NS_UAC=sg-duac-$$
NS_GW=sg-dgw-$$
NS_PROXY=sg-dpx-$$
WORK=$(mktemp -d /tmp/scamgate-differential.XXXXXX)
t_start=$(date +%s.%N)
# shellcheck source=routed_tcp_netns.sh
source "$SRC/tests/scripts/routed_tcp_netns.sh"
routed_tcp_netns "$NS_UAC" "$NS_GW" "$NS_PROXY" "$UAC_IP" 203.0.113.1 192.0.2.1 "$PROXY_IP" 5060 "$QUEUE" "tcp udp"

# Kamailio, the oracle.
sed "s/@ADDRESS@/$PROXY_IP/g" "$SRC/tests/kamailio/differential.cfg" >"$WORK/kamailio.cfg"
ip netns exec "$NS_PROXY" kamailio -f "$WORK/kamailio.cfg" -DD -E -Y "$WORK" >"$WORK/kamailio.log" 2>&1 &
PIDS+=($!)
wait_for 300 ip netns exec "$NS_PROXY" sh -c "ss -Hltn 'sport = :5060' | grep -q '$PROXY_IP' && ss -Hlun 'sport = :5060' | grep -q '$PROXY_IP'" \
    || { cat "$WORK/kamailio.log" >&2; fail "kamailio is not listening on $PROXY_IP:5060 (UDP and TCP)"; }

# The capture for the replay: everything on the gateway's uac-side port (requests as sent,
# answers as delivered; IP fragments too, so no filter).
ip netns exec "$NS_GW" dumpcap -q -i "sgg1$$" -w "$WORK/capture.pcapng" >"$WORK/dumpcap.log" 2>&1 &
DUMPCAP_PID=$!
PIDS+=("$DUMPCAP_PID")
wait_for 300 grep -q "Capturing on" "$WORK/dumpcap.log" || { cat "$WORK/dumpcap.log" >&2; fail "dumpcap did not start"; }

# scamgate: the bundled configuration with a policy that tags every call and every SMS, in
# monitor mode (decided and logged, never carried out).
mkdir -p "$WORK/config"
cp -r "$SRC"/config/. "$WORK/config/"
ln -s "$SRC/signatures" "$WORK/signatures"
cat >"$WORK/config/policy.yaml" <<'EOF'
mode: monitor
default: allow
rules:
  - name: tag-every-call
    when: {kind: call}
    then: {action: tag, tags: [differential]}
  - name: tag-every-sms
    when: {kind: sms}
    then: {action: tag, tags: [differential]}
EOF
ip netns exec "$NS_GW" "$BIN" run -c "$WORK/config/scamgate.yaml" --mode nfqueue --queue "$QUEUE" \
    --control "$WORK/control.sock" --events "$WORK/inline.jsonl" --stats json --duration 300 \
    >"$WORK/inline.stats" 2>"$WORK/scamgate.log" &
SCAMGATE_PID=$!
PIDS+=("$SCAMGATE_PID")
wait_for 600 grep -q "bound queue $QUEUE" "$WORK/scamgate.log" || { cat "$WORK/scamgate.log" >&2; fail "scamgate did not bind queue $QUEUE"; }

# Every case, from the uac namespace; returns once Kamailio has logged the end sentinels.
rc=0
ip netns exec "$NS_UAC" python3 "$DRIVER" send "$TABLE" --src "$UAC_IP" --dst "$PROXY_IP" --work "$WORK" \
    --kamailio-log "$WORK/kamailio.log" --capture "$WORK/capture.pcapng" || rc=$?
[[ $rc -eq 0 ]] || { tail -n 30 "$WORK/kamailio.log" "$WORK/scamgate.log" >&2; fail "sending the cases failed (driver exit $rc)"; }

kill -TERM "$SCAMGATE_PID"
gate_rc=0
wait "$SCAMGATE_PID" || gate_rc=$?
[[ $gate_rc -eq 0 ]] || { cat "$WORK/scamgate.log" >&2; fail "scamgate exited $gate_rc"; }
kill -TERM "$DUMPCAP_PID"
wait "$DUMPCAP_PID" || true

# The same traffic, replayed.
"$BIN" replay -c "$WORK/config/scamgate.yaml" --events "$WORK/replay.jsonl" --stats json "$WORK/capture.pcapng" \
    >"$WORK/replay.stats" 2>"$WORK/replay.log" || { cat "$WORK/replay.log" >&2; fail "scamgate replay failed"; }

python3 - "$WORK" <<'PY' >&2 || true
import json, sys
work = sys.argv[1]
for name in ("inline", "replay"):
    stats = json.load(open(f"{work}/{name}.stats"))
    shown = {k: v for k, v in sorted(stats.items()) if v and k.startswith(("anomaly.sip", "sip.", "inline.", "nfqueue."))}
    print(f"{name} counters: {shown}")
PY

rc=0
python3 "$DRIVER" report "$TABLE" --work "$WORK" --kamailio-log "$WORK/kamailio.log" \
    --inline "$WORK/inline.jsonl" --replay "$WORK/replay.jsonl" --gate-log "$WORK/scamgate.log" --action tag || rc=$?
log "$(python3 -c "print(round($(date +%s.%N) - $t_start, 1))") s"
[[ $rc -eq 0 ]] || fail "scamgate did not judge every request Kamailio routed (table above; KEEP_WORK=1 keeps the work folder)"
log "PASS"
