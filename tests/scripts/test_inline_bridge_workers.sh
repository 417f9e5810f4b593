#!/usr/bin/env bash
# scamgate inline in bridge mode with two workers (AF_PACKET fanout on both ports): see inline_test.sh.
WORKERS=2 exec bash "$(dirname "$0")/inline_test.sh" bridge
