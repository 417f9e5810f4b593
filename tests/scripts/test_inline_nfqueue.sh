#!/usr/bin/env bash
# scamgate inline in nfqueue mode between a SIPp UAC and UAS: see inline_test.sh.
exec bash "$(dirname "$0")/inline_test.sh" nfqueue
