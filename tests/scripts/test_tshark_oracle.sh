#!/usr/bin/env bash
# tshark as an independent oracle for SIP message counts and INVITE Call-IDs (see tshark_oracle.py).
set -euo pipefail
here=$(dirname "$0")
if ! command -v tshark >/dev/null; then echo "SKIP: tshark is not installed (scripts/deps test installs it)"; exit 77; fi
cases=$(mktemp -d); trap 'rm -rf "$cases"' EXIT
if [ -x "${PCAPGEN_BIN:-}" ]; then
  "$PCAPGEN_BIN" cases "$cases" >/dev/null
else
  echo "note: scamgate-pcapgen not built; generated cases are not checked"
fi
exec python3 "$here/tshark_oracle.py" "$cases"
