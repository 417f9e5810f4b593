#!/usr/bin/env bash
# Behaviour findings (issue 12) on the reference captures of real peers: each behaviour pcap
# (SIPp: pcaps/sipp-behaviour-*.pcap, Kannel: pcaps/kannel-smpp-behaviour-*.pcap) is replayed
# with the bundled configuration and its default `behaviour:` thresholds, and every behaviour.*
# finding on every call and SMS is compared with the exact set docs/behaviour-captures.md gives:
# which contacts carry which finding, and that the clean captures (a bank's call centre, a bank's
# OTP sender) and the contacts before each threshold carry none. Other checks (cli.*, url.*, ...)
# are not this test's business and are ignored.
#
# A contact is judged at its INVITE / submit_sm with the state up to that packet, so the first
# flagged contact is the one after the threshold is reached (the 11th Wangiri call, ...).
# Events: one JSON line per call or SMS; findings are its "checks": [{"name", "evidence", "score"}].
#
# Exit status: 0 all passed, 1 a check failed, 77 (skip) without python3 or a capture.
set -uo pipefail
bin=${SCAMGATE_BIN:?SCAMGATE_BIN: the scamgate binary (ctest sets it)}
src=${SCAMGATE_SOURCE_DIR:-.}
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
python3 -c "import jsonschema" 2>/dev/null || { echo "SKIP: python3-jsonschema is not installed (scripts/deps test)"; exit 77; }
captures=(sipp-behaviour-wangiri sipp-behaviour-simbox sipp-behaviour-sequential sipp-behaviour-register-flood
          sipp-behaviour-call-centre kannel-smpp-behaviour-campaign kannel-smpp-behaviour-otp)
for c in "${captures[@]}"; do
  [ -f "$src/pcaps/$c.pcap" ] || { echo "SKIP: $src/pcaps/$c.pcap missing (scripts/capture-sipp.sh, scripts/capture-smpp.sh make it)"; exit 77; }
done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache   # the signature cache of this test only
cfg=$src/config/scamgate.yaml

# The expectations, per capture: how many events of which kind, and for each behaviour finding
# the exact contacts (call: Call-ID; SMS: sender>recipient as on the wire) that carry it.
cat >"$work/expect.py" <<'EOF'
import json, sys

def calls(name, numbers, width=0, host="198.51.100.20"):
    return {f"sipp-{name}-{n:0{width}d}@{host}" for n in numbers}

def campaign_rows(path, senders):
    """SMS ids (sender>recipient, no '+') of the campaign file's rows whose sender is one of
    `senders` (1-based positions in the order senders first appear)."""
    order, ids = [], set()
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        frm, to = line.split("\t")[:2]
        if frm not in order:
            order.append(frm)
        if order.index(frm) + 1 in senders:
            ids.add(f"{frm.lstrip('+')}>{to.lstrip('+')}")
    return ids

src = sys.argv[3]
campaign = f"{src}/tests/kannel/behaviour-campaign.tsv"
EXPECT = {
    # 15 one-ring calls (CANCEL 2 s into ringing) from +22200990011 to 15 distinct mobiles: 10 ended
    # ones to >= 8 callees before call 11's INVITE.
    "sipp-behaviour-wangiri": dict(kind="call", count=15, keys={"behaviour.wangiri": "22200990011"}, findings={
        "behaviour.wangiri": calls("wangiri", range(11, 16), host="203.0.113.10")}),
    # 30 calls from +84977405218: after 20 ended attempts 5 were answered (0.25 <= 0.5), all of them
    # short (3.6-4.8 s): calls 21-30 carry short_calls. No Wangiri: its unanswered calls were
    # cancelled after 10 s of ringing (> 8 s), its answered ones lasted more than 3 s.
    "sipp-behaviour-simbox": dict(kind="call", count=30, keys={"behaviour.short_calls": "84977405218"}, findings={
        "behaviour.short_calls": calls("simbox", range(21, 31), 2)}),
    # +84912345600 ... 615 in order: the run reaches 8 callees at ...607 (call 08) and goes on.
    "sipp-behaviour-sequential": dict(kind="call", count=16, keys={"behaviour.sequential_callees": "84387120954"}, findings={
        "behaviour.sequential_callees": calls("sequential", range(8, 17), 2)}),
    # 400 REGISTERs in 2.7 s from 192.0.2.66 (no configured trunk: per-source counts apply), then 3
    # INVITEs 3.4-4.4 s after the first one.
    "sipp-behaviour-register-flood": dict(kind="call", count=3, keys={"behaviour.register_flood": "192.0.2.66"}, findings={
        "behaviour.register_flood": {f"sipp-regflood-invite-{n}@192.0.2.66" for n in (1, 2, 3)}}),
    # Clean: 30 answered calls of 30-60 s from one number, at most 18 at once, at most 28 in 60 s.
    "sipp-behaviour-call-centre": dict(kind="call", count=30, keys={}, findings={}),
    # 15 numeric senders, one template: senders 10-15 carry sms_campaign; xacminh-tk.top is linked
    # by senders 1-3, 5-8, 10-13 and 15, so its 10th sender is sender 12: senders 12, 13, 15 carry
    # url_spray (sender 14 links elsewhere).
    "kannel-smpp-behaviour-campaign": dict(kind="sms", count=28, keys={"behaviour.url_spray": "xacminh-tk.top"}, findings={
        "behaviour.sms_campaign": campaign_rows(campaign, set(range(10, 16))),
        "behaviour.url_spray": campaign_rows(campaign, {12, 13, 15})}),
    # Clean: VCB (registered to the bound account esme-vcb) sends 40 OTPs in well under 60 s.
    "kannel-smpp-behaviour-otp": dict(kind="sms", count=40, keys={}, findings={}),
}

def contact_id(e):
    if e.get("kind") == "call":
        return e.get("call_id", "")
    return f"{e.get('sender', {}).get('address', '')}>{e.get('recipient', {}).get('address', '')}"

def findings_of(e):
    checks = list(e.get("checks", []))
    checks += e.get("verdict", {}).get("checks", []) if isinstance(e.get("verdict"), dict) else []
    return [c for c in checks if str(c.get("name", "")).startswith("behaviour.")]

capture, events_file = sys.argv[1], sys.argv[2]
want = EXPECT[capture]
events = [json.loads(l) for l in open(events_file, encoding="utf-8") if l.strip()]
# Every event, behaviour findings included, is valid against the events schema.
import jsonschema
validator = jsonschema.Draft202012Validator(json.load(open(f"{src}/tests/schema/events.schema.json")))
invalid = [(i, next(iter(validator.iter_errors(e))).message) for i, e in enumerate(events) if not validator.is_valid(e)]
contacts = [e for e in events if e.get("kind") == want["kind"]
            and (want["kind"] == "call" or e.get("smpp", {}).get("command") == "submit_sm")]
fails = 0
def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + f"{capture}: {what}")
    fails += 0 if ok else 1

check(not invalid, f"all {len(events)} events valid against tests/schema/events.schema.json"
      + (f" (event {invalid[0][0]}: {invalid[0][1]})" if invalid else ""))
check(len(contacts) == want["count"], f"{want['count']} {want['kind']} events (got {len(contacts)})")
got = {}
for e in contacts:
    for f in findings_of(e):
        got.setdefault(f["name"], set()).add(contact_id(e))
        key = want["keys"].get(f["name"])
        if not str(f.get("evidence", "")).strip() or (key and key not in f["evidence"]):
            check(False, f"{f['name']} on {contact_id(e)}: evidence names {key or 'something'}: {f.get('evidence')!r}")
for name in sorted(set(want["findings"]) | set(got)):
    exp, have = want["findings"].get(name, set()), got.get(name, set())
    if exp == have:
        check(True, f"{name} on exactly {len(exp)} contacts")
    else:
        check(False, f"{name}: expected on {len(exp)} contacts, got {len(have)}; missing "
                     f"{sorted(exp - have)}, unexpected {sorted(have - exp)}")
# The bundled policy's rule for each blocking finding (config/policy.yaml): the event names it.
RULES = {"behaviour.wangiri": "reject-wangiri", "behaviour.sequential_callees": "reject-range-scanning",
         "behaviour.register_flood": "reject-register-flood", "behaviour.sms_campaign": "reject-sms-campaign"}
for e in contacts:
    names = {f["name"] for f in findings_of(e)}
    for name, rule in RULES.items():
        # An earlier rule may decide first: the flood's INVITEs also name a scanner's User-Agent.
        if name in names and e.get("rule") not in (rule, "reject-sip-scanners"):
            check(False, f"{contact_id(e)} carries {name} but its rule is {e.get('rule')!r}, not {rule}")
ruled = sum(1 for e in contacts if {f["name"] for f in findings_of(e)} & set(RULES))
if ruled:
    check(all(e.get("action") == "reject" for e in contacts if {f["name"] for f in findings_of(e)} & set(RULES)),
          f"the {ruled} contacts with a blocking finding are rejected by its rule")
if not want["findings"]:
    check(not got, "clean: no behaviour.* finding at all")
if want["findings"] and not got:
    print(f"     {capture}: no behaviour.* finding on any event: is the behaviour stage wired into replay?")
sys.exit(1 if fails else 0)
EOF

# With one worker, and with two: each pattern travels on one IP pair (one SIPp peer, one SMPP
# bind), so both give exactly the same findings on the same contacts.
fails=0
runs=0
for workers in 1 2; do
  for c in "${captures[@]}"; do
    runs=$((runs + 1))
    echo "--- $c, --workers $workers"
    if ! "$bin" replay -c "$cfg" --workers "$workers" --events "$work/$c.jsonl" "$src/pcaps/$c.pcap" >"$work/$c.out" 2>&1; then
      echo "FAIL $c: replay failed:"; sed 's/^/     /' "$work/$c.out"; fails=$((fails + 1)); continue
    fi
    python3 "$work/expect.py" "$c" "$work/$c.jsonl" "$src" || fails=$((fails + 1))
  done
done
echo "$((runs - fails)) of $runs capture runs as expected"
[ "$fails" -eq 0 ]
