#!/usr/bin/env bash
# scamgate inline in nfqueue mode with two workers (one queue each, --queue-balance): see inline_test.sh.
WORKERS=2 exec bash "$(dirname "$0")/inline_test.sh" nfqueue
