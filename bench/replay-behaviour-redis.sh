#!/usr/bin/env bash
# What behaviour.redis costs a replay: generates a SIP pcap (scamgate-pcapgen bench), starts a
# redis-server on a Unix socket in a temporary folder, and replays the file alternately without and
# with behaviour.redis (RUNS times each, best wall time kept), printing contacts/s (call events per
# second of wall time), the behaviour.redis_* counters and the keys in Redis. The Redis database is
# emptied before each run, so every run writes every key anew.
# Usage: bench/replay-behaviour-redis.sh [MESSAGES] [BUILD_DIR] [RUNS] [WORKERS]   (default 1000000, build, 3, 1)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-1000000}
build=${2:-build}
runs=${3:-3}
workers=${4:-1}
command -v redis-server >/dev/null || { echo "redis-server is not installed (Debian redis-server)"; exit 1; }
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
pcap=$work/bench.pcap
sock=$work/r.sock

"$build/tools/pcapgen/scamgate-pcapgen" bench --messages "$messages" --out "$pcap" >/dev/null
redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no --daemonize no --logfile "$work/redis.log" --dir "$work" &
server_pid=$!
for _ in $(seq 100); do [ "$(redis-cli -s "$sock" PING 2>/dev/null)" = PONG ] && break; sleep 0.05; done
printf 'behaviour:\n  redis: "unix://%s"\n  redis_instance: bench\n' "$sock" >"$work/shared.yaml"
printf 'behaviour:\n  redis: ""\n' >"$work/local.yaml"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $messages SIP messages, $(($(stat -c %s "$pcap") / 1000000)) MB; redis-server $(redis-server --version | grep -o 'v=[0-9.]*') on a Unix socket; --workers $workers"

# The signature databases are compiled once into this run's cache before anything is timed.
"$build/scamgate" replay -c "$work/local.yaml" pcaps/sipp-behaviour-wangiri.pcap >/dev/null 2>&1 || true

best_local=999999 best_shared=999999
for run in $(seq "$runs"); do
  for mode in local shared; do
    redis-cli -s "$sock" FLUSHALL >/dev/null
    /usr/bin/time -f '%e %M' -o "$work/time" "$build/scamgate" replay -c "$work/$mode.yaml" --workers "$workers" \
      --events "$work/$mode.jsonl" --stats json "$pcap" >"$work/$mode.stats" 2>"$work/$mode.err"
    read -r wall rss <"$work/time"
    contacts=$(grep -c '"kind":"call"' "$work/$mode.jsonl" || true)
    keys=$(redis-cli -s "$sock" DBSIZE)
    shared=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join(f"{k[10:]}={v}" for k,v in sorted(s.items()) if k.startswith("behaviour.redis") and not k.startswith("behaviour.redis_client")))' "$work/$mode.stats")
    printf 'run %d %-6s %8d contacts  %6.2f s  %9.0f contacts/s  peak %6.1f MiB  redis keys %s %s\n' "$run" "$mode" "$contacts" "$wall" \
      "$(python3 -c "print($contacts / max($wall, 0.01))")" "$(python3 -c "print($rss / 1024)")" "$keys" "$shared"
    if [ "$mode" = local ]; then best_local=$(python3 -c "print(min($best_local, $wall))"); else best_shared=$(python3 -c "print(min($best_shared, $wall))"); fi
  done
done
echo "best of $runs: without behaviour.redis ${best_local} s, with it ${best_shared} s ($(python3 -c "print(f'{($best_shared / $best_local - 1) * 100:+.1f}')") %); $contacts contacts: $(python3 -c "print(round($contacts / $best_shared))") contacts/s with Redis"
echo "redis-server memory: $(redis-cli -s "$sock" INFO memory | grep -m1 used_memory_human | tr -d '\r')"
