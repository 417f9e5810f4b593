#!/usr/bin/env bash
# Bad input through the whole program: damaged captures are counted and the run goes on; files
# that cannot be read at all fail the run with a clear message; a bad config names file:line.
set -uo pipefail
bin=${SCAMGATE_BIN:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fails=0 passes=0
check() {  # description, condition...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); echo "ok   $what"; else fails=$((fails + 1)); echo "FAIL $what"; fi
}
stat_of() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1]).get(sys.argv[1], 0))' "$1"; }

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
  echo "note: scamgate-pcapgen not built; truncated-file and garbage cases skipped"
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

if command -v editcap >/dev/null; then
  # INVITE, 100, 180 of the first call: a call still open when the capture ends.
  editcap -r "${SCAMGATE_SOURCE_DIR:-.}/pcaps/sipp-domestic-udp.pcap" "$work/open-call.pcap" 1-3
  out=$("$bin" replay --join --stats json "$work/open-call.pcap" "$work/text.pcap" 2>/dev/null)
  check "--join with an unreadable last file still ends the open call of the earlier file" \
    [ "$(stat_of calls.end.capture_end <<<"$out")" = 1 ]
else
  echo "SKIP --join flush check: editcap (from tshark) is not installed"
fi

printf 'sip:\n  ports: [5060, 99999]\n' >"$work/bad.yaml"
"$bin" check -c "$work/bad.yaml" >/dev/null 2>"$work/err"; rc=$?
check "bad config: exit 2" [ $rc -eq 2 ]
check "bad config: file:line and what to do" grep -q "$work/bad.yaml:2: 'sip.ports' holds '99999', not a port number 1..65535" "$work/err"
"$bin" check -c "${SCAMGATE_SOURCE_DIR:-.}/config/scamgate.yaml" >/dev/null; rc=$?
check "bundled config passes check" [ $rc -eq 0 ]

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
