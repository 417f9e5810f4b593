#!/usr/bin/env bash
# `scamgate run --mode passive --workers 2` (AF_PACKET fanout) against real traffic: see test_live_passive.sh.
WORKERS=2 exec bash "$(dirname "$0")/test_live_passive.sh"
