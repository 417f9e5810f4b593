#!/usr/bin/env bash
# Golden cases: captures -> expected JSONL events, each event validated against the schema.
set -euo pipefail
here=$(dirname "$0")
cases=$(mktemp -d); trap 'rm -rf "$cases"' EXIT
if [ -x "${PCAPGEN_BIN:-}" ]; then "$PCAPGEN_BIN" cases "$cases" >/dev/null; fi
exec python3 "$here/golden.py" "$cases" "$@"
