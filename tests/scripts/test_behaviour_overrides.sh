#!/usr/bin/env bash
# behaviour.overrides on the reference captures of real peers (docs/behaviour.md, "Overrides";
# the captures: docs/behaviour-captures.md). Each replay uses a short config (the bundled
# defaults, the bundled trunks) with one set of overrides, and the exact calls carrying
# behaviour.wangiri / behaviour.concurrent_calls are compared:
#  1. wangiri, no override: calls 11-15 (the bundled expectation, as the reference);
#  2. wangiri, trunk intl-carrier with wangiri.min_calls 13: calls 14-15 only;
#  3. wangiri, the caller's range +22200 exempt (enabled: false) and its narrower block
#     +222009900 with min_calls 12 on top of the trunk's 13: the longest prefix wins, calls 13-15;
#  4. wangiri, only the +22200 exemption: no behaviour finding at all;
#  5. call-centre with concurrent_calls.per_caller lowered to 10 for everyone: calls 10-30 (from
#     call 10 on, 10 or more of its calls are open at each INVITE);
#  6. the same, with the call centre's block +8428362211 raised back to 20: no call flagged.
# Exit status: 0 all passed, 1 a check failed, 77 (skip) without python3 or a capture.
set -uo pipefail
bin=${SCAMGATE_BIN:?SCAMGATE_BIN: the scamgate binary (ctest sets it)}
src=${SCAMGATE_SOURCE_DIR:-.}
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
for c in sipp-behaviour-wangiri sipp-behaviour-call-centre; do
  [ -f "$src/pcaps/$c.pcap" ] || { echo "SKIP: $src/pcaps/$c.pcap missing (scripts/capture-sipp.sh makes it)"; exit 77; }
done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache   # the signature cache of this test only

# The bundled trunks (config/scamgate.yaml); everything else is the built-in default.
trunks='trunks:
  - name: intl-carrier
    role: international
    cidrs: [203.0.113.0/24]
  - name: domestic-peer
    role: domestic
    cidrs: [198.51.100.0/24]'

fails=0
# run NAME CAPTURE FINDING EXPECTED BEHAVIOUR_YAML: EXPECTED is "none", "some" or a list of call
# numbers ("14 15"); the calls are sipp-<pattern>-N@host.
run() {
  local name=$1 capture=$2 finding=$3 expected=$4 behaviour=$5
  printf '%s\n%s\n' "$trunks" "$behaviour" >"$work/$name.yaml"
  if ! "$bin" replay -c "$work/$name.yaml" --events "$work/$name.jsonl" "$src/pcaps/$capture.pcap" >"$work/$name.out" 2>&1; then
    echo "FAIL $name: replay failed:"; sed 's/^/     /' "$work/$name.out"; fails=$((fails + 1)); return
  fi
  python3 - "$work/$name.jsonl" "$finding" "$expected" "$name" <<'PY' || fails=$((fails + 1))
import json, re, sys
events_file, finding, expected, name = sys.argv[1:5]
calls = [e for e in map(json.loads, filter(str.strip, open(events_file))) if e.get("kind") == "call"]
def number(call_id):
    return int(re.match(r"sipp-[a-z]+-0*(\d+)@", call_id).group(1))
def checks(e):
    verdict = e.get("verdict")
    return list(e.get("checks", [])) + (verdict.get("checks", []) if isinstance(verdict, dict) else [])
behaviour = {c["call_id"]: sorted(f["name"] for f in checks(c) if f["name"].startswith("behaviour.")) for c in calls}
flagged = sorted(number(i) for i, names in behaviour.items() if finding in names)
others = sorted({n for names in behaviour.values() for n in names} - {finding})
if expected == "none":
    ok = not flagged and not others
elif expected == "some":
    ok = bool(flagged) and not others
else:
    ok = flagged == [int(n) for n in expected.split()] and not others
print(("ok   " if ok else "FAIL ") + f"{name}: {finding} on calls {flagged} (expected {expected})"
      + (f", other behaviour findings {others}" if others else "") + f", {len(calls)} calls")
sys.exit(0 if ok else 1)
PY
}

run base sipp-behaviour-wangiri behaviour.wangiri "11 12 13 14 15" 'behaviour:
  overrides: []'
run trunk sipp-behaviour-wangiri behaviour.wangiri "14 15" 'behaviour:
  overrides:
    - trunk: intl-carrier
      wangiri: {min_calls: 13}'
run longest-prefix sipp-behaviour-wangiri behaviour.wangiri "13 14 15" 'behaviour:
  overrides:
    - trunk: intl-carrier
      wangiri: {min_calls: 13}
    - prefix: "+22200"
      enabled: false
    - prefix: "+222009900"
      wangiri: {min_calls: 12}'
run exempt sipp-behaviour-wangiri behaviour.wangiri none 'behaviour:
  overrides:
    - prefix: "+22200"
      enabled: false'
run busy-call-centre sipp-behaviour-call-centre behaviour.concurrent_calls "$(seq -s " " 10 30)" 'behaviour:
  concurrent_calls: {per_caller: 10}'
run call-centre-block sipp-behaviour-call-centre behaviour.concurrent_calls none 'behaviour:
  concurrent_calls: {per_caller: 10}
  overrides:
    - prefix: "+8428362211"
      concurrent_calls: {per_caller: 20}'
[ "$fails" -eq 0 ]
