#!/usr/bin/env bash
# Time of a /metrics scrape of a live `scamgate run` while traffic flows (docs/performance.md,
# "Metrics"): scamgate captures (passive) in a network namespace made here, on one end of a veth
# pair; tcpreplay sends the bundled captures into the other end in a loop at PPS packets per
# second; curl scrapes http://127.0.0.1:PORT/metrics (scamgate's namespace's own loopback) COUNT
# times, SPACING seconds apart, and the script prints the median, p99 and maximum of curl's
# time_total (connect, request, whole body) and the packets scamgate read meanwhile.
# Usage (root): bench/metrics-scrape.sh [COUNT] [PPS] [BUILD_DIR] [SPACING]   (default 200, 2000, build, 0.05)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-200}
pps=${2:-2000}
build=${3:-build}
spacing=${4:-0.05}
[[ $(id -u) -eq 0 ]] || { echo "needs root (network namespaces, capture)" >&2; exit 1; }
ns_a=sg-ba-$$ ns_b=sg-bb-$$ if_a=sgba$$ if_b=sgbb$$
work=$(mktemp -d)
pid= sender=
cleanup() {
  [[ -z $sender ]] || kill "$sender" 2>/dev/null || true
  [[ -z $pid ]] || kill -KILL "$pid" 2>/dev/null || true
  ip netns del "$ns_a" 2>/dev/null || true
  ip netns del "$ns_b" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for ns in "$ns_a" "$ns_b"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add "$if_a" netns "$ns_a" type veth peer name "$if_b" netns "$ns_b"
ip -n "$ns_a" link set "$if_a" up
ip -n "$ns_b" link set "$if_b" up
{ printf 'behaviour:\n  enabled: false\n'; sed -n '/^trunks:/,$p' config/scamgate.yaml; } >"$work/config.yaml"
ip netns exec "$ns_b" "$build/scamgate" run --interface "$if_b" -c "$work/config.yaml" --control "$work/control.sock" \
  --metrics 9105 --stats json >"$work/stats.json" 2>"$work/run.log" &
pid=$!
for _ in $(seq 1 600); do grep -q "capturing on" "$work/run.log" && break; sleep 0.1; done
ip netns exec "$ns_a" tcpreplay -i "$if_a" --pps="$pps" --loop=0 pcaps/*.pcap >/dev/null 2>&1 &
sender=$!
sleep 2
for _ in $(seq 1 "$count"); do
  ip netns exec "$ns_b" curl -s -o /dev/null -w '%{time_total}\n' http://127.0.0.1:9105/metrics >>"$work/times"
  sleep "$spacing"
done
ip netns exec "$ns_b" curl -s http://127.0.0.1:9105/metrics >"$work/last.txt"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/times" "$work/last.txt" "$pps" <<'PY'
import statistics, sys
t = sorted(float(x) * 1000 for x in open(sys.argv[1]))
packets = next((l.split()[1] for l in open(sys.argv[2]) if l.startswith("scamgate_capture_packets_total ")), "?")
size = sum(len(l) for l in open(sys.argv[2]))
print(f"{len(t)} scrapes while tcpreplay sent {sys.argv[3]} pps: median {statistics.median(t):.2f} ms, "
      f"p99 {t[int(0.99 * (len(t) - 1))]:.2f} ms, max {t[-1]:.2f} ms; body {size} bytes; packets read {packets}")
PY
