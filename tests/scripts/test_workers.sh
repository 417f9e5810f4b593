#!/usr/bin/env bash
# replay --workers 2 and 3 give the same set of events and the same merged counters as --workers 1
# (see workers_equivalence.py): the project's captures, the generated decoding cases and two
# generated multi-peer captures. The third-party corpus is test_workers_corpus.sh, a test of its
# own so that its absence shows as a skip. tshark names the dialogs that cross IP pairs.
set -euo pipefail
here=$(dirname "$0")
if ! command -v tshark >/dev/null; then echo "SKIP: tshark is not installed (scripts/deps test installs it)"; exit 77; fi
if [ ! -x "${PCAPGEN_BIN:-}" ]; then echo "SKIP: scamgate-pcapgen not built (PCAPGEN_BIN); ctest sets it"; exit 77; fi
exec python3 "$here/workers_equivalence.py"
