#!/usr/bin/env bash
# tshark as an independent oracle for SMPP PDU counts and single-part SMS texts (see smpp_oracle.py):
# the project's captures and the generated decoding cases. The third-party corpus is checked by
# test_smpp_oracle_corpus.sh, a test of its own so that its absence shows as a skip.
set -euo pipefail
here=$(dirname "$0")
if ! command -v tshark >/dev/null; then echo "SKIP: tshark is not installed (scripts/deps test installs it)"; exit 77; fi
if [ ! -x "${PCAPGEN_BIN:-}" ]; then echo "SKIP: scamgate-pcapgen not built (PCAPGEN_BIN); ctest sets it"; exit 77; fi
cases=$(mktemp -d); trap 'rm -rf "$cases"' EXIT
"$PCAPGEN_BIN" cases "$cases" >/dev/null
export SCAMGATE_BIN=${SCAMGATE_BIN:-build/scamgate}
python3 "$here/smpp_oracle.py" "$cases"
