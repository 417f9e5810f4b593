#!/usr/bin/env bash
# tshark as an independent oracle for SMPP PDU counts and single-part SMS texts (see smpp_oracle.py)
# on the third-party corpus ($SCAMGATE_CORPUS_DIR/pcaps); skipped (77) when it is absent.
set -euo pipefail
here=$(dirname "$0")
if ! command -v tshark >/dev/null; then echo "SKIP: tshark is not installed (scripts/deps test installs it)"; exit 77; fi
export SCAMGATE_BIN=${SCAMGATE_BIN:-build/scamgate}
exec python3 "$here/smpp_oracle.py" --corpus
