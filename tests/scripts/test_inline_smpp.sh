#!/usr/bin/env bash
# `scamgate run --mode nfqueue` inline on an SMPP bind between a real ESME (Kannel 1.4.5's
# bearerbox + smsbox, Debian `kannel`) and an SMSC (tests/kannel/test_smsc.py). Three network
# namespaces made (and removed) by this test:
#   esme (Kannel, 192.0.2.2) --veth-- gw (routes; NFQUEUE on TCP 2775 both ways) --veth-- smsc (198.51.100.2)
# scamgate runs in gw with the bundled configuration and policy, switched to enforce mode. The
# ESME binds as scamgate-esme1 (the bundled trunk bulk-sms-customers). Through smsbox's sendsms:
#   1. a clean text from a number        -> delivered (the SMSC answers ESME_ROK)
#   2. a bank-impersonation text from "VCB", a brand not registered to this account
#                                        -> rule reject-unregistered-brand (smpp_status 0x0A):
#      scamgate makes its dest_addr_ton invalid (same length), the SMSC refuses it with
#      ESME_RINVDSTTON, and scamgate turns that response's status into 0x0A: Kannel logs
#      "SMSC returned error code 0x0000000a"
#   3. a clean text again                -> delivered on the same bind
# and the bind stays up throughout: one bind, one TCP connection, no reconnect.
# Needs root, ip netns, iptables with NFQUEUE, ethtool, curl, python3 and Kannel's bearerbox and
# smsbox; exits 77 (skipped) without.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}
QUEUE=${INLINE_TEST_QUEUE:-9}
KDIR="$SRC/tests/kannel"
PORT=2775
ESME_IP=192.0.2.2
SMSC_IP=198.51.100.2

skip() {
    echo "SKIP: test_inline_smpp: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: test_inline_smpp: $*" >&2
    exit 1
}
log() { echo "test_inline_smpp: $*" >&2; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, iptables, NFQUEUE)"
for tool in ip iptables ethtool curl python3 /usr/sbin/bearerbox /usr/sbin/smsbox; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/deps test installs kannel, curl, ethtool, iptables)"
done
[[ -x $BIN ]] || fail "no scamgate binary at $BIN"
probe=sgprobe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed: no CAP_SYS_ADMIN?)"
if ! ip netns exec "$probe" iptables -A FORWARD -p tcp --dport $PORT -j NFQUEUE --queue-num "$QUEUE" --queue-bypass 2>/dev/null; then
    ip netns del "$probe"
    skip "iptables cannot add an NFQUEUE rule here (no nf_tables / xt_NFQUEUE in this kernel?)"
fi
ip netns del "$probe"

NS_ESME=sg-esme-$$
NS_GW=sg-smgw-$$
NS_SMSC=sg-smsc-$$
WORK=$(mktemp -d /tmp/scamgate-inline-smpp.XXXXXX)
chmod 0755 "$WORK"
# shellcheck source=routed_tcp_netns.sh
source "$SRC/tests/scripts/routed_tcp_netns.sh"
# Both directions of port 2775: submit_sm goes to it, its submit_sm_resp comes back from it.
routed_tcp_netns "$NS_ESME" "$NS_GW" "$NS_SMSC" "$ESME_IP" 192.0.2.1 198.51.100.1 "$SMSC_IP" "$PORT" "$QUEUE"

# scamgate: the bundled configuration, the policy in enforce mode.
mkdir -p "$WORK/config"
cp -r "$SRC"/config/. "$WORK/config/"
ln -s "$SRC/signatures" "$WORK/signatures"
sed -i 's/^mode: monitor/mode: enforce/' "$WORK/config/policy.yaml"
grep -q "^mode: enforce" "$WORK/config/policy.yaml" || fail "could not set enforce mode"
ip netns exec "$NS_GW" "$BIN" run -c "$WORK/config/scamgate.yaml" --mode nfqueue --queue "$QUEUE" --user nobody \
    --control "$WORK/control.sock" --events "$WORK/events.jsonl" --stats json --duration 600 \
    >"$WORK/scamgate.stats" 2>"$WORK/scamgate.log" &
SCAMGATE_PID=$!
PIDS+=("$SCAMGATE_PID")
wait_for 1200 grep -q "bound queue $QUEUE" "$WORK/scamgate.log" || { cat "$WORK/scamgate.log" >&2; fail "scamgate did not bind queue $QUEUE"; }

# The SMSC, then Kannel bound to it through the gateway.
CTL="$WORK/smsc.sock"
ip netns exec "$NS_SMSC" timeout 290 python3 "$KDIR/test_smsc.py" --listen "$SMSC_IP" --port $PORT --control "$CTL" \
    --log "$WORK/smsc.jsonl" --no-receipts --max-seconds 280 2>"$WORK/smsc.stderr" &
PIDS+=($!)
wait_for 300 test -S "$CTL" || fail "test SMSC did not start: $(cat "$WORK/smsc.stderr")"
ctl() { python3 "$KDIR/test_smsc.py" ctl "$CTL" "$1"; }
ctl_wait() {  # key=value...
    local json='{"cmd": "wait", "timeout": 60' kv
    for kv in "$@"; do json+=", \"${kv%%=*}\": ${kv#*=}"; done
    ctl "$json}" >"$WORK/ctl.last" || fail "SMSC did not reach $*: $(cat "$WORK/ctl.last")"
}
python3 "$KDIR/render_conf.py" "$KDIR/kannel.conf" "$WORK/kannel.conf" "$SMSC_IP" "$PORT" transceiver "$WORK" \
    || fail "cannot write kannel.conf"
(cd "$WORK" && exec ip netns exec "$NS_ESME" timeout 290 /usr/sbin/bearerbox -v 4 "$WORK/kannel.conf" >"$WORK/bearerbox.out" 2>&1) &
PIDS+=($!)
ctl_wait "bound=1"
(cd "$WORK" && exec ip netns exec "$NS_ESME" timeout 290 /usr/sbin/smsbox -v 4 "$WORK/kannel.conf" >"$WORK/smsbox.out" 2>&1) &
PIDS+=($!)
wait_for 300 ip netns exec "$NS_ESME" curl -s -o /dev/null "http://127.0.0.1:13013/" || fail "smsbox sendsms port not up"
wait_for 300 grep -q "Client connected from <127.0.0.1>" "$WORK/bearerbox.log" || fail "smsbox did not connect to bearerbox"
log "Kannel bound as scamgate-esme1 to $SMSC_IP:$PORT through scamgate"

sendsms() {  # from to text
    local out
    out=$(ip netns exec "$NS_ESME" curl -sS -G "http://127.0.0.1:13013/cgi-bin/sendsms" \
        --data-urlencode "username=scamgate" --data-urlencode "password=sendsms-test" \
        --data-urlencode "from=$1" --data-urlencode "to=$2" --data-urlencode "text=$3" --data-urlencode "charset=UTF-8")
    case "$out" in 0:* | 3:*) ;; *) fail "sendsms refused: $out" ;; esac
}

sendsms +84977111222 +84912345678 "Chieu nay hop luc 3h o phong 2 nhe"
ctl_wait "submits=1"
log "clean message 1: delivered"
sendsms VCB +84912345678 "Tai khoan cua ban da bi khoa, truy cap http://vcb-secure.top de mo khoa"
ctl_wait "refused=1"
wait_for 300 grep -q "SMSC returned error code 0x0000000a" "$WORK/bearerbox.log" \
    || { grep -i "error code\|submit_sm" "$WORK/bearerbox.log" | tail -5 >&2; fail "Kannel did not get command_status 0x0000000a for the scam"; }
log "scam message: refused; Kannel: $(grep -o "SMSC returned error code 0x0000000a[^.]*" "$WORK/bearerbox.log" | head -1)"
sendsms +84977111222 +84912345678 "Nho mang tai lieu cuoc hop nhe"
ctl_wait "submits=2"
log "clean message 2: delivered on the same bind"
ctl '{"cmd": "stats"}' >"$WORK/smsc.stats"

kill -TERM "$SCAMGATE_PID"
rc=0
wait "$SCAMGATE_PID" || rc=$?
[[ $rc -eq 0 ]] || { cat "$WORK/scamgate.log" >&2; fail "scamgate exited $rc after SIGTERM"; }
grep -E "nfqueue|running as" "$WORK/scamgate.log" >&2 || true

python3 - "$WORK" <<'PY' || fail "checks failed (see above)"
import json, sys
work = sys.argv[1]
smsc = json.loads(open(f"{work}/smsc.stats").read())
assert smsc["binds"] == 1 and smsc["connections"] == 1 and smsc["bound"] == 1, f"the bind did not stay up: {smsc}"
assert smsc["submits"] == 2 and smsc["refused"] == 1, f"SMSC counters: {smsc}"
log = [json.loads(l) for l in open(f"{work}/smsc.jsonl") if l.strip()]
refused = [e for e in log if e.get("refused")]
assert len(refused) == 1 and refused[0]["source_addr"] == "VCB" and refused[0]["dest_ton_npi"][0] == 7, refused
delivered = [e.get("text") for e in log if e.get("cmd") == "submit_sm" and "message_id" in e]
assert delivered == ["Chieu nay hop luc 3h o phong 2 nhe", "Nho mang tai lieu cuoc hop nhe"], delivered
events = [json.loads(l) for l in open(f"{work}/events.jsonl") if l.strip()]
sms = [e for e in events if e.get("kind") == "sms"]
verdicts = sorted((e["text"][:12], e["rule"], e["action"], e["enforced"]) for e in sms)
print(f"events: {verdicts}", file=sys.stderr)
assert len(sms) == 3, verdicts
assert ("Tai khoan cu", "reject-unregistered-brand", "reject", True) in verdicts, verdicts
assert sum(1 for v in verdicts if v[2] == "allow") == 2, verdicts
# Events describe the traffic as it arrived at scamgate: the SMSC's own refusal (0x50) is
# recorded; what the ESME was told (0x0A) is the verdict's reject.smpp_status.
scam = next(e for e in sms if e["action"] == "reject")
assert "not_enforced_reason" not in scam, scam
assert scam["smpp"]["command_status"] == 0x50 and scam["reject"]["smpp_status"] == 0x0A, (scam["smpp"], scam["reject"])
stats = json.load(open(f"{work}/scamgate.stats"))
assert stats["inline.smpp_rewritten"] == 1 and stats["inline.smpp_responses_rewritten"] == 1, stats
assert stats["inline.rejected"] == 1, stats
print({k: v for k, v in stats.items() if k.startswith(("inline.smpp", "inline.rejected", "nfqueue."))}, file=sys.stderr)
print(f"SMSC: {smsc}", file=sys.stderr)
PY
log "PASS"
