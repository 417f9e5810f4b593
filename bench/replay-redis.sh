#!/usr/bin/env bash
# What output.redis_stream costs a replay: generates the SIP benchmark pcap (scamgate-pcapgen
# bench), starts a redis-server on a Unix socket in a temporary folder, and replays the file with
# --events FILE, alternately without and with the stream (RUNS times each, best wall time kept),
# printing events/s, the redis.* counters and the stream's length. Then, when bench/redis_bench was
# built, the cost per event line on the caller's thread (BM_EventStreamAdd_*).
# Usage: bench/replay-redis.sh [MESSAGES] [BUILD_DIR] [RUNS]   (default 1000000, build, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-1000000}
build=${2:-build}
runs=${3:-3}
command -v redis-server >/dev/null || { echo "redis-server is not installed (Debian redis-server)"; exit 1; }
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
pcap=$work/bench.pcap
sock=$work/r.sock

"$build/tools/pcapgen/scamgate-pcapgen" bench --messages "$messages" --out "$pcap" >/dev/null
redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no --daemonize no --logfile "$work/redis.log" --dir "$work" &
server_pid=$!
for _ in $(seq 100); do [ "$(redis-cli -s "$sock" PING 2>/dev/null)" = PONG ] && break; sleep 0.05; done
printf 'output:\n  redis_stream: "unix://%s"\n' "$sock" >"$work/stream.yaml"
printf 'output:\n  redis_stream: ""\n' >"$work/plain.yaml"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $messages SIP messages, $(($(stat -c %s "$pcap") / 1000000)) MB; redis-server $(redis-server --version | grep -o 'v=[0-9.]*') on a Unix socket"

best_plain=999999 best_stream=999999
for run in $(seq "$runs"); do
  for mode in plain stream; do
    redis-cli -s "$sock" DEL scamgate:events >/dev/null
    /usr/bin/time -f '%e %M' -o "$work/time" "$build/scamgate" replay -c "$work/$mode.yaml" --events "$work/$mode.jsonl" \
      --stats json "$pcap" >"$work/$mode.stats" 2>"$work/$mode.err"
    read -r wall rss <"$work/time"
    events=$(wc -l <"$work/$mode.jsonl")
    xlen=$(redis-cli -s "$sock" XLEN scamgate:events)
    redis=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join(f"{k[6:]}={v}" for k,v in s.items() if k.startswith("redis.")))' "$work/$mode.stats")
    printf 'run %d %-6s %8d events  %6.2f s  %9.0f events/s  peak %6.1f MiB  XLEN %s %s\n' "$run" "$mode" "$events" "$wall" \
      "$(python3 -c "print($events / max($wall, 0.01))")" "$(python3 -c "print($rss / 1024)")" "$xlen" "$redis"
    if [ "$mode" = plain ]; then best_plain=$(python3 -c "print(min($best_plain, $wall))"); else best_stream=$(python3 -c "print(min($best_stream, $wall))"); fi
  done
done
mean_line=$(python3 -c 'import sys; n=b=0
for l in open(sys.argv[1], "rb"): n += 1; b += len(l)
print(b // max(n, 1))' "$work/stream.jsonl")
echo "best of $runs: without the stream ${best_plain} s, with it ${best_stream} s ($(python3 -c "print(f'{($best_stream / $best_plain - 1) * 100:+.1f}')") %); mean event line ${mean_line} bytes"
echo "redis-server memory: $(redis-cli -s "$sock" INFO memory | grep -m1 used_memory_human | tr -d '\r')"
if [ -x "$build/bench/redis_bench" ]; then
  SCAMGATE_BENCH_REDIS="unix://$sock" "$build/bench/redis_bench" --benchmark_min_time=1
fi
