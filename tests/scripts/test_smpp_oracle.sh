#!/usr/bin/env bash
# tshark as an independent oracle for SMPP PDU counts and single-part SMS texts (see smpp_oracle.py).
set -euo pipefail
here=$(dirname "$0")
if ! command -v tshark >/dev/null; then echo "SKIP: tshark is not installed (scripts/deps test installs it)"; exit 77; fi
cases=$(mktemp -d); trap 'rm -rf "$cases"' EXIT
if [ -x "${PCAPGEN_BIN:-}" ]; then
  "$PCAPGEN_BIN" cases "$cases" >/dev/null
else
  echo "note: scamgate-pcapgen not built; generated cases are not checked"
fi
export SCAMGATE_BIN=${SCAMGATE_BIN:-build/scamgate}
exec python3 "$here/smpp_oracle.py" "$cases"
