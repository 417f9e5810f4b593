#!/usr/bin/env bash
# tshark as an independent oracle for SIP message counts and INVITE Call-IDs (see tshark_oracle.py)
# on the third-party corpus ($SCAMGATE_CORPUS_DIR/pcaps); skipped (77) when it is absent.
set -euo pipefail
here=$(dirname "$0")
if ! command -v tshark >/dev/null; then echo "SKIP: tshark is not installed (scripts/deps test installs it)"; exit 77; fi
exec python3 "$here/tshark_oracle.py" --corpus
