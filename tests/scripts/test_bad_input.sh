#!/usr/bin/env bash
# Bad input through the whole program: damaged captures are counted and the run goes on; files
# that cannot be read at all fail the run with a clear message; a bad config names file:line.
# A check that cannot run here is counted as skipped: with no failure, the script then exits 77 so
# that ctest reports the test as skipped, not passed.
set -uo pipefail
bin=${SCAMGATE_BIN:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fails=0 passes=0 skips=0
check() {  # description, condition...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); echo "ok   $what"; else fails=$((fails + 1)); echo "FAIL $what"; fi
}
# A counter from the last line of --stats json; "missing" (never equal to a number) when absent.
stat_of() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1]).get(sys.argv[1], "missing"))' "$1"; }

if [ -x "${PCAPGEN_BIN:-}" ]; then
  "$PCAPGEN_BIN" cases "$work/cases" >/dev/null
  out=$("$bin" replay --stats json "$work/cases/truncated-file.pcap" 2>"$work/err"); rc=$?
  check "truncated file: exit 0" [ $rc -eq 0 ]
  check "truncated file: counted" [ "$(stat_of capture.truncated_files <<<"$out")" = 1 ]
  check "truncated file: the 6 whole messages before the cut are read" [ "$(stat_of sip.messages <<<"$out")" = 6 ]
  check "truncated file: logged" grep -q "reading stopped early" "$work/err"

  out=$("$bin" replay --stats json "$work/cases/garbage-5060.pcap" 2>/dev/null)
  check "garbage on 5060: one call's 7 messages, junk counted apart" \
    [ "$(stat_of sip.messages <<<"$out")" = 7 -a "$(stat_of sip.non_sip_on_sip_port <<<"$out")" -ge 2 ]
else
  skips=$((skips + 1))
  echo "SKIP truncated-file and garbage cases: scamgate-pcapgen not built (PCAPGEN_BIN; ctest sets it)"
fi

echo "this is not a capture" >"$work/text.pcap"
"$bin" replay --stats json "$work/text.pcap" >/dev/null 2>"$work/err"; rc=$?
check "not a pcap: exit 1" [ $rc -eq 1 ]
check "not a pcap: message names the file" grep -q "cannot read $work/text.pcap" "$work/err"

# A classic pcap header with link type 147 (USER0) and one 4-byte record.
python3 - "$work/user0.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))
    f.write(struct.pack("<IIII", 1, 0, 4, 4) + b"abcd")
PY
"$bin" replay --stats json "$work/user0.pcap" >/dev/null 2>"$work/err"; rc=$?
check "unsupported link type: exit 1" [ $rc -eq 1 ]
check "unsupported link type: clear message" grep -q "unsupported link type 147 in $work/user0.pcap (.*); file skipped" "$work/err"

out=$("$bin" replay --stats json "$work/user0.pcap" "$work/text.pcap" 2>/dev/null)
check "skipped files are counted" [ "$(stat_of capture.unsupported_files <<<"$out")" = 1 -a "$(stat_of capture.unreadable_files <<<"$out")" = 1 ]

# INVITE, 100, 180 of the first call (the first 3 records of the classic pcap): a call still open
# when the capture ends.
python3 - "${SCAMGATE_SOURCE_DIR:-.}/pcaps/sipp-domestic-udp.pcap" "$work/open-call.pcap" 3 <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
out, at = [data[:24]], 24
for _ in range(int(sys.argv[3])):
    caplen = struct.unpack(order + "I", data[at + 8:at + 12])[0]
    out.append(data[at:at + 16 + caplen])
    at += 16 + caplen
open(sys.argv[2], "wb").write(b"".join(out))
PY
out=$("$bin" replay --join --stats json "$work/open-call.pcap" "$work/text.pcap" 2>/dev/null)
check "--join with an unreadable last file still ends the open call of the earlier file" \
  [ "$(stat_of calls.end.capture_end <<<"$out")" = 1 ]

# Hostile SMS: bad text encodings, a UDH past its payload, sm_length past the PDU, a TPDU with more
# septets than data, and 3000 first parts that never complete against a table of 500.
python3 "$(dirname "$0")/make_bad_sms_pcap.py" "$work/bad-sms.pcap" 3000
printf 'sms:\n  max_concat_messages: 500\n' >"$work/small-concat.yaml"
out=$("$bin" replay -c "$work/small-concat.yaml" --stats json "$work/bad-sms.pcap" 2>"$work/err"); rc=$?
check "bad SMS: exit 0" [ $rc -eq 0 ]
for anomaly in sms.ucs2_odd_length sms.ucs2_unpaired_surrogate sms.udh_past_payload sms.gsm7_high_bit \
               sms.septets_past_data smpp.sm_length_past_body; do
  check "bad SMS: anomaly.$anomaly counted once" [ "$(stat_of "anomaly.$anomaly" <<<"$out")" = 1 ]
  check "bad SMS: $anomaly logged" grep -q "$anomaly" "$work/err"
done
check "bad SMS: the PDU that does not parse is a parse error" [ "$(stat_of smpp.parse_errors <<<"$out")" = 1 ]
check "bad SMS: 4 damaged texts + 3000 incomplete + 1 SIP MESSAGE recorded" [ "$(stat_of sms.messages <<<"$out")" = 3005 ]
check "bad SMS: 3000 incomplete" [ "$(stat_of sms.incomplete <<<"$out")" = 3000 ]
check "bad SMS: the concatenation table stayed at 500 (2500 evicted)" [ "$(stat_of sms.concat_evicted <<<"$out")" = 2500 ]
check "bad SMS: the bind password is in no log line" bash -c "! grep -q never-logged '$work/err'"
"$bin" replay -c "$work/small-concat.yaml" --events - "$work/bad-sms.pcap" 2>/dev/null >"$work/bad-sms.jsonl"
check "bad SMS: the bind password is in no event" bash -c "! grep -q never-logged '$work/bad-sms.jsonl'"
check "bad SMS: every text is valid UTF-8 with U+FFFD for the bad units" \
  python3 -c 'import json,sys; ev=[json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]; sys.exit(0 if sum("\ufffd" in e["text"] for e in ev) == 3 else 1)' "$work/bad-sms.jsonl"

printf 'sip:\n  ports: [5060, 99999]\n' >"$work/bad.yaml"
"$bin" check -c "$work/bad.yaml" >/dev/null 2>"$work/err"; rc=$?
check "bad config: exit 2" [ $rc -eq 2 ]
check "bad config: file:line and what to do" grep -q "$work/bad.yaml:2: 'sip.ports' holds '99999', not a port number 1..65535" "$work/err"
"$bin" check -c "${SCAMGATE_SOURCE_DIR:-.}/config/scamgate.yaml" >/dev/null; rc=$?
check "bundled config passes check" [ $rc -eq 0 ]

# A bad command line exits 2 whatever CLI11 calls the mistake (a value out of a set or range, an
# unknown option); --help exits 0.
for args in "replay --stats xml $work/text.pcap" "replay --workers 0 $work/text.pcap" "replay --no-such-option x"; do
  # shellcheck disable=SC2086  # the words of $args are the arguments
  "$bin" $args >/dev/null 2>"$work/err"; rc=$?
  check "bad command line ($args): exit 2 ($rc)" [ $rc -eq 2 ]
done
check "bad command line: the message names the option" grep -q -- "--no-such-option" "$work/err"
"$bin" replay --help >/dev/null 2>&1; rc=$?
check "--help: exit 0" [ $rc -eq 0 ]

echo "$passes passed, $fails failed, $skips skipped"
[ $fails -eq 0 ] || exit 1
[ $skips -eq 0 ] || exit 77
