#!/usr/bin/env bash
# replay --workers 2 and 3 against --workers 1 on the third-party corpus ($SCAMGATE_CORPUS_DIR/pcaps,
# see workers_equivalence.py); skipped (77) when the corpus is absent.
set -euo pipefail
here=$(dirname "$0")
if ! command -v tshark >/dev/null; then echo "SKIP: tshark is not installed (scripts/deps test installs it)"; exit 77; fi
exec python3 "$here/workers_equivalence.py" --corpus
