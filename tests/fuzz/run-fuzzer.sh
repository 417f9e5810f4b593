#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a copy of its seed corpus (seeds stay untouched).
# Usage: run-fuzzer.sh FUZZER SEED_DIR WORK_DIR SECONDS
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 secs=$4
rm -rf "$work"; mkdir -p "$work/corpus"
[ -d "$seeds" ] && cp -r "$seeds"/. "$work/corpus/"
cd "$work"
exec "$fuzzer" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 corpus
