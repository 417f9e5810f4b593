#!/usr/bin/env bash
# The SIP differential test's table and report rules, without root or network (the live run is
# test_sip_differential.sh): every case of tests/differential/sip_requests.txt builds, its
# mutations change the request, the templates' Content-Length is right, the 64 KiB and 4 KiB
# cases have their sizes, and the report says FAIL for a routed request with no event, with
# another caller than Kamailio read, or with another action than the policy's; an unchanged
# template Kamailio did not route is a harness failure.
set -euo pipefail
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}
command -v python3 >/dev/null || { echo "SKIP: test_sip_differential_table: python3 is missing" >&2; exit 77; }
python3 "$SRC/tests/scripts/sip_differential.py" selftest "$SRC/tests/differential/sip_requests.txt"
