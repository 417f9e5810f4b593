#!/usr/bin/env bash
# The Prometheus endpoint of `scamgate run` (--metrics, metrics.listen; docs/metrics.md), scraped
# while traffic flows: scamgate captures (passive) on one end of a veth pair between two network
# namespaces made for this test, tcpreplay sends the bundled captures (pcaps/*.pcap) slowly into
# the other end, and curl scrapes /metrics inside scamgate's namespace (its own loopback: nothing
# listens outside the test). Checks:
#   - `--metrics PORT` listens on 127.0.0.1 only; GET /metrics answers 200 with the 0.0.0.4 text
#     format, another path 404;
#   - scrapes during the replay: counters never go down between two scrapes, packets grow;
#   - once every packet is read: scamgate_capture_packets_total = packets sent, and after SIGTERM
#     the last scrape's scamgate_sip_messages_total, scamgate_sms_messages_total,
#     scamgate_packets_total and the policy actions equal what --stats json says;
#   - `promtool check metrics` passes on every scrape (skipped loudly without promtool);
#   - a bad metrics.listen is a config error naming file:line (exit 2);
#   - packaging/grafana/scamgate-dashboard.json is valid JSON and every scamgate_* family its
#     queries use is in a scrape (or a known inline-only/reload-only family).
# Needs root, `ip netns`, tcpreplay, curl; exits 77 (skipped) without them or without promtool.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}
PPS=${METRICS_TEST_PPS:-400}
TEST=test_metrics

skip() {
    echo "SKIP: $TEST: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: $TEST: $*" >&2
    exit 1
}

command -v python3 >/dev/null || skip "python3 is missing"
DASHBOARD=$SRC/packaging/grafana/scamgate-dashboard.json
python3 -m json.tool "$DASHBOARD" >/dev/null || fail "$DASHBOARD is not valid JSON"

# A bad metrics.listen: refused at start with the file and line (no root needed).
WORK=$(mktemp -d /tmp/scamgate-metrics.XXXXXX)
NS_A=sg-ma-$$
NS_B=sg-mb-$$
SCAMGATE_PID=
SENDER_PID=
cleanup() {
    if [[ -n $SENDER_PID ]] && kill -0 "$SENDER_PID" 2>/dev/null; then kill "$SENDER_PID" 2>/dev/null || true; fi
    if [[ -n $SCAMGATE_PID ]] && kill -0 "$SCAMGATE_PID" 2>/dev/null; then kill -KILL "$SCAMGATE_PID" 2>/dev/null || true; fi
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

printf 'output:\n  events: ""\nmetrics:\n  listen: "example.com:9105"\n' >"$WORK/bad.yaml"
rc=0
"$BIN" run -c "$WORK/bad.yaml" --interface lo --duration 1 2>"$WORK/bad.log" || rc=$?
[[ $rc -eq 2 ]] || fail "bad metrics.listen: exit $rc, want 2"
grep -q "$WORK/bad.yaml:4: 'metrics.listen': 'example.com' is not an IPv4 address" "$WORK/bad.log" ||
    { cat "$WORK/bad.log" >&2; fail "bad metrics.listen: no FILE:LINE error"; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces and raw capture)"
command -v ip >/dev/null || skip "ip (iproute2) is missing"
command -v tcpreplay >/dev/null || skip "tcpreplay is missing (apt-get install tcpreplay)"
command -v curl >/dev/null || skip "curl is missing"
command -v promtool >/dev/null || skip "promtool is missing (apt-get install prometheus; scripts/deps test): the exposition cannot be checked"
probe=sgprobe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed)"
ip netns del "$probe"

IF_A=sgma$$
IF_B=sgmb$$
for ns in "$NS_A" "$NS_B"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B"
ip -n "$NS_A" link set "$IF_A" up
ip -n "$NS_B" link set "$IF_B" up

# A free port on scamgate's own loopback (a fresh namespace: any is, but ask the kernel anyway).
PORT=$(ip netns exec "$NS_B" python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT/metrics

mapfile -t PCAPS < <(ls "$SRC"/pcaps/*.pcap | sort)
[[ ${#PCAPS[@]} -gt 0 ]] || fail "no captures in $SRC/pcaps"

# Behaviour off (tcpreplay squeezes the captures' times; see test_live_passive.sh).
{ printf 'behaviour:\n  enabled: false\n'; sed -n '/^trunks:/,$p' "$SRC/config/scamgate.yaml"; } >"$WORK/config.yaml"

ip netns exec "$NS_B" "$BIN" run --mode passive --interface "$IF_B" -c "$WORK/config.yaml" \
    --events "$WORK/events.jsonl" --stats json --duration 600 --control "$WORK/control.sock" \
    --metrics "$PORT" >"$WORK/stats.json" 2>"$WORK/run.log" &
SCAMGATE_PID=$!
for _ in $(seq 1 1200); do
    grep -q "^scamgate: info: capturing on $IF_B" "$WORK/run.log" 2>/dev/null && break
    kill -0 "$SCAMGATE_PID" 2>/dev/null || { cat "$WORK/run.log" >&2; fail "scamgate exited before capturing"; }
    sleep 0.1
done
grep -q "metrics: serving http://127.0.0.1:$PORT/metrics" "$WORK/run.log" || { cat "$WORK/run.log" >&2; fail "no 'metrics: serving' line"; }

# `--metrics PORT` binds the loopback address only.
listeners=$(ip netns exec "$NS_B" ss -Hltn "sport = :$PORT" | awk '{print $4}')
[[ $listeners == "127.0.0.1:$PORT" ]] || fail "--metrics $PORT listens on '$listeners', want 127.0.0.1:$PORT only"

scrape() {  # file
    local code
    local answer code seconds
    answer=$(ip netns exec "$NS_B" curl -sS -o "$1" -D "$1.head" -w '%{http_code} %{time_total}' "$URL") || fail "curl $URL failed"
    read -r code seconds <<<"$answer"
    echo "$seconds" >>"$WORK/scrape_times"
    [[ $code == 200 ]] || fail "GET /metrics answered $code"
    grep -qi '^content-type: text/plain; version=0.0.4' "$1.head" || fail "GET /metrics: no text format 0.0.4 content type"
    promtool check metrics <"$1" >"$1.promtool" 2>&1 || { cat "$1.promtool" >&2; fail "promtool check metrics failed on $1"; }
}
value() {  # file sample: the sample's value, 0 when absent
    awk -v s="$2" '$1 == s { v = $2 } END { print v == "" ? 0 : v }' "$1"
}

code=$(ip netns exec "$NS_B" curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/") || true
[[ $code == 404 ]] || fail "GET / answered $code, want 404 (only /metrics is served)"

scrape "$WORK/s0.txt"
ip netns exec "$NS_A" tcpreplay -i "$IF_A" --pps="$PPS" "${PCAPS[@]}" >"$WORK/tcpreplay.log" 2>&1 &
SENDER_PID=$!
sleep 2.5
scrape "$WORK/s1.txt"
sleep 2
scrape "$WORK/s2.txt"
wait "$SENDER_PID" || { cat "$WORK/tcpreplay.log" >&2; fail "tcpreplay failed"; }
SENDER_PID=
sent=$(awk '/Actual:/ { sum += $2 } END { print sum + 0 }' "$WORK/tcpreplay.log")

# Counters between scrapes during the replay: none goes down, the packets grow.
python3 - "$WORK/s0.txt" "$WORK/s1.txt" "$WORK/s2.txt" <<'PY' || fail "counters went down between scrapes, or did not grow"
import sys
def load(path):
    types, samples = {}, {}
    for line in open(path):
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            types[name] = kind
        elif line.strip() and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return types, samples
scrapes = [load(p) for p in sys.argv[1:]]
bad = []
for (types, a), (_, b) in zip(scrapes, scrapes[1:]):
    for sample, v in a.items():
        family = sample.split("{")[0]
        if types.get(family) == "counter" and sample in b and b[sample] < v:
            bad.append(f"{sample}: {v} -> {b[sample]}")
print(bad[:10])
packets = [s.get("scamgate_capture_packets_total", 0) for _, s in scrapes]
sip = [s.get("scamgate_sip_messages_total", 0) for _, s in scrapes]
print(f"capture packets per scrape {packets}, SIP messages {sip}")
assert not bad
assert packets[0] < packets[1] < packets[2], packets
assert sip[2] > 0, sip
PY

# Wait until the endpoint has seen every packet sent (workers publish about once a second).
for _ in $(seq 1 300); do
    scrape "$WORK/final.txt"
    [[ $(value "$WORK/final.txt" scamgate_capture_packets_total) -ge $sent ]] && break
    sleep 0.2
done
read_packets=$(value "$WORK/final.txt" scamgate_capture_packets_total)
[[ $read_packets -eq $sent ]] || fail "scamgate_capture_packets_total is $read_packets, tcpreplay sent $sent"
sleep 1.5  # one more publication after the last packet's records
scrape "$WORK/final.txt"

[[ -z ${METRICS_TEST_KEEP:-} ]] || cp "$WORK/final.txt" "$METRICS_TEST_KEEP"  # the last scrape, for docs
kill -TERM "$SCAMGATE_PID"
rc=0
wait "$SCAMGATE_PID" || rc=$?
SCAMGATE_PID=
[[ $rc -eq 0 ]] || { cat "$WORK/run.log" >&2; fail "scamgate exited $rc after SIGTERM"; }

# The last scrape against --stats json (written at exit: the same counters, summed once more).
python3 - "$WORK/final.txt" "$WORK/stats.json" <<'PY' || fail "the last scrape differs from --stats json"
import json, sys
samples = {}
for line in open(sys.argv[1]):
    if line.strip() and not line.startswith("#"):
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
stats = json.load(open(sys.argv[2]))
want = {
    "scamgate_sip_messages_total": stats["sip.messages"],
    "scamgate_sip_requests_total": stats["sip.requests"],
    "scamgate_sms_messages_total": stats["sms.messages"],
    "scamgate_packets_total": stats["packets"],
    "scamgate_capture_packets_total": stats["capture.packets"],
    "scamgate_detect_contacts_total": stats["detect.contacts"],
}
for k, v in stats.items():
    if k.startswith("anomaly."):
        want[f'scamgate_anomalies_total{{anomaly="{k[len("anomaly."):]}"}}'] = v
actions = {k[len("policy.action."):]: v for k, v in stats.items() if k.startswith("policy.action.")}
for action, total in actions.items():
    got = sum(samples.get(f'scamgate_policy_actions_total{{action="{action}",enforced="{e}"}}', 0) for e in ("true", "false"))
    if got != total:
        print(f"policy action {action}: scrape {got}, stats {total}")
        sys.exit(1)
bad = [f"{k}: scrape {samples.get(k)}, stats {v}" for k, v in want.items() if samples.get(k) != v]
print(f"sip.messages {stats['sip.messages']}, sms.messages {stats['sms.messages']}, packets {stats['packets']}, "
      f"actions {actions}; mismatches: {bad}")
assert stats["sip.messages"] > 0 and stats["sms.messages"] > 0 and actions, "no traffic counted"
assert not bad
PY

# Every family the dashboard queries exists in a scrape, or is one that only inline modes, a
# reload, behaviour (off here) or an anomaly (none in the bundled captures) produce.
python3 - "$DASHBOARD" "$WORK/final.txt" <<'PY' || fail "the dashboard queries families the endpoint does not serve"
import json, re, sys
dash = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
used = set(re.findall(r"scamgate_[a-z0-9_]+", " ".join(exprs))) | {"scamgate_build_info"}
served = {line.split()[2] for line in open(sys.argv[2]) if line.startswith("# TYPE ")}
elsewhere = {"scamgate_inline_latency_seconds", "scamgate_inline_service_seconds",
             "scamgate_inline_reload_service_seconds", "scamgate_reload_last_success",
             "scamgate_behaviour_findings_total", "scamgate_anomalies_total"}
missing = sorted(used - served - elsewhere)
print(f"dashboard uses {len(used)} families; missing from the scrape: {missing}")
assert not missing
PY

# Scrape times as curl saw them (connect, request, the whole body), for docs/performance.md.
python3 - "$WORK/scrape_times" <<'PY'
import statistics, sys
t = sorted(float(x) * 1000 for x in open(sys.argv[1]))
print(f"{len(t)} scrapes: median {statistics.median(t):.2f} ms, max {t[-1]:.2f} ms (curl time_total)")
PY

echo "PASS: $TEST (sent $sent packets at $PPS pps, 4+ scrapes checked by promtool)"
