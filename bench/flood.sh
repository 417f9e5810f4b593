#!/usr/bin/env bash
# Memory per pending call: generates a flood of N initial INVITEs with distinct Call-IDs, none
# answered (`scamgate-pcapgen flood`), replays it with the bundled config (detection on) and
# prints the peak memory, the same for a one-INVITE file (the process's own baseline), and the
# bytes each pending call costs: (peak - baseline) / N. Every INVITE stays pending (the setup
# timeout, 180 s, is longer than the flood) unless N exceeds calls.max_calls.
# Usage: bench/flood.sh [INVITES] [BUILD_DIR] [RATE]   (default 1000000, build, 100000 per second)
set -euo pipefail
cd "$(dirname "$0")/.."
invites=${1:-1000000}
build=${2:-build}
rate=${3:-100000}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

gen() { "$build/tools/pcapgen/scamgate-pcapgen" flood --invites "$1" --rate "$rate" --out "$2" >/dev/null; }
gen 1 "$work/one.pcap"
gen "$invites" "$work/flood.pcap"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $invites INVITEs at $rate/s, $(( $(stat -c %s "$work/flood.pcap") / 1000000 )) MB"

peak_kib() {  # file -> prints "wall_s peak_kib", checks every INVITE became a call
  /usr/bin/time -f '%e %M' -o "$work/time" "$build/scamgate" replay -q --stats json "$1" >"$work/stats.json"
  cat "$work/time"
}
read -r _ base_kib < <(peak_kib "$work/one.pcap")
read -r wall peak_kib < <(peak_kib "$work/flood.pcap")
calls=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["calls"])' "$work/stats.json")
python3 - "$invites" "$calls" "$wall" "$base_kib" "$peak_kib" <<'PY'
import sys
n, calls, wall, base, peak = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"calls recorded {calls:,} (every INVITE pending until the end of the capture)")
print(f"baseline {base / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, {wall:.2f} s ({n / max(wall, 0.01):,.0f} INVITEs/s)")
print(f"per pending call: {(peak - base) * 1024 / n:,.0f} bytes")
PY
