#!/usr/bin/env bash
# Hot reload of `scamgate run --workers 2`: every worker decides with the new policy; see test_reload.sh.
WORKERS=2 exec bash "$(dirname "$0")/test_reload.sh"
