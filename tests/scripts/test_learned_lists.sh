#!/usr/bin/env bash
# The learned block list in replay (docs/behaviour.md, "Learned list"):
#  1. replay of pcaps/sipp-behaviour-wangiri.pcap with --learn and lists.learned in a temp folder:
#     the file (mode 0600) then holds the Wangiri caller +22200990011 with behaviour.wangiri, an
#     expiry lists.learned_ttl after the finding's packet time;
#  2. a second replay of the same capture (without --learn): its first call already carries
#     `learned` in "lists", decided by rule reject-learned; the file is not written;
#  3. a bad line in the file stops the start with FILE:LINE (exit 2).
# Needs python3; exits 77 (skipped) without it or the capture.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-.}
PCAP=$SRC/pcaps/sipp-behaviour-wangiri.pcap

skip() { echo "SKIP: test_learned_lists: $*" >&2; exit 77; }
fail() { echo "FAIL: test_learned_lists: $*" >&2; exit 1; }

command -v python3 >/dev/null || skip "python3 is missing"
[[ -f $PCAP ]] || skip "$PCAP missing (scripts/capture-sipp.sh makes it)"

WORK=$(mktemp -d /tmp/scamgate-learned.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# lists.learned relative to the config file's folder, like the other lists.
cat >"$WORK/scamgate.yaml" <<YAML
lists:
  learned: state/learned.txt
  learned_ttl: 86400
YAML
mkdir "$WORK/state"

# 1. --learn writes the finding's number back.
"$BIN" replay -c "$WORK/scamgate.yaml" --learn --events "$WORK/first.jsonl" "$PCAP" 2>"$WORK/first.log" ||
    fail "first replay failed: $(cat "$WORK/first.log")"
[[ -f $WORK/state/learned.txt ]] || fail "--learn did not write state/learned.txt"
[[ $(stat -c %a "$WORK/state/learned.txt") == 600 ]] || fail "learned.txt is mode $(stat -c %a "$WORK/state/learned.txt"), not 0600"
python3 - "$WORK/state/learned.txt" "$WORK/first.jsonl" <<'PY' || fail "step 1"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0].startswith("# scamgate learned list, 1 entries, written "), lines[0]
entries = [l.split() for l in lines if l and not l.startswith("#")]
assert len(entries) == 1, entries
entry, expires, added, by = entries[0]
assert entry == "+22200990011" and by == "behaviour.wangiri", entries[0]
assert int(expires) - int(added) == 86400, entries[0]
# Added at the packet time of the call that fired the finding (the eleventh INVITE).
events = [json.loads(l) for l in open(sys.argv[2])]
fired = [e for e in events if any(c["name"] == "behaviour.wangiri" for c in e.get("checks", []))]
assert fired, "no behaviour.wangiri event"
# The calls before the finding and the one that fired it are not on the list; the later ones
# (sipp-wangiri-12..15) already are, in the same replay.
number = lambda e: int(e["call_id"].split("@")[0].rsplit("-", 1)[1])
first_fired = min(number(e) for e in fired)
assert first_fired == 11, first_fired
on_list = sorted(number(e) for e in events if "learned" in e.get("lists", []))
assert on_list == list(range(12, len(events) + 1)), on_list
print("step 1: learned.txt holds", " ".join(entries[0]))
PY

# 2. The next replay judges the capture with what the first one learned; without --learn, no write.
before=$(sha256sum "$WORK/state/learned.txt")
touch -d '2000-01-01' "$WORK/state/learned.txt"
"$BIN" replay -c "$WORK/scamgate.yaml" --events "$WORK/second.jsonl" "$PCAP" 2>"$WORK/second.log" ||
    fail "second replay failed: $(cat "$WORK/second.log")"
[[ $(stat -c %Y "$WORK/state/learned.txt") == $(date -d '2000-01-01' +%s) ]] || fail "a replay without --learn wrote the file"
[[ $(sha256sum "$WORK/state/learned.txt") == "$before" ]] || fail "the file changed"
python3 - "$WORK/second.jsonl" <<'PY' || fail "step 2"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
first = events[0]
assert first["caller"]["user"] == "+22200990011", first["caller"]
assert first["lists"] == ["learned"], first["lists"]
assert first["rule"] == "reject-learned" and first["action"] == "reject", (first["rule"], first["action"])
assert first["reject"]["sip_status"] == 603 and first["not_enforced_reason"] == "monitor", first["reject"]
assert all("learned" in e["lists"] for e in events), "every call from the learned number carries it"
print(f"step 2: {len(events)} calls, the first {first['call_id']} on 'learned', rule reject-learned")
PY

# 3. A bad line is a FILE:LINE error at the start.
printf '+22200990011 1 2 manual\nnot-a-number\n' >"$WORK/state/learned.txt"
set +e
"$BIN" replay -c "$WORK/scamgate.yaml" --events "$WORK/third.jsonl" "$PCAP" 2>"$WORK/third.log"
code=$?
set -e
[[ $code -eq 2 ]] || fail "a bad learned.txt gave exit $code, not 2"
grep -qF "$WORK/state/learned.txt:2: 'not-a-number' is neither a number" "$WORK/third.log" ||
    fail "no FILE:LINE error: $(cat "$WORK/third.log")"
echo "step 3: bad line refused: $(grep -o 'learned.txt:2:.*' "$WORK/third.log")"
echo "PASS: test_learned_lists"
