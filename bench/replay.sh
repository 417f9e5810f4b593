#!/usr/bin/env bash
# Replay benchmark: generates a large SIP pcap (scamgate-pcapgen bench), replays it with scamgate
# and with `tshark -r FILE -Y sip` on the same file in the same run, and prints messages/s, MB/s
# and peak memory for both.
# Usage: bench/replay.sh [MESSAGES] [BUILD_DIR] [WORKERS] [PEERS]
#   (default 1000000, build, 1, 16): WORKERS is scamgate's --workers (N or auto); PEERS the
#   generator's --peers (IP addresses calling the gateway: --workers shards by IP pair).
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-1000000}
build=${2:-build}
workers=${3:-1}
peers=${4:-16}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pcap=$work/bench.pcap

"$build/tools/pcapgen/scamgate-pcapgen" bench --messages "$messages" --peers "$peers" --out "$pcap" >/dev/null
size=$(stat -c %s "$pcap")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $messages SIP messages, $((size / 1000000)) MB, $peers peers; scamgate --workers $workers"

measure() {  # label, command...: prints wall seconds, peak RSS (KiB) into globals
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/$label.out" 2>"$work/$label.err"
  read -r wall rss <"$work/time"
}

measure scamgate "$build/scamgate" replay -q --workers "$workers" --stats json "$pcap"
sg_wall=$wall sg_rss=$rss
sg_msgs=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["sip.messages"])' "$work/scamgate.out")

measure tshark tshark -n -r "$pcap" -Y sip -T fields -e sip.CSeq
ts_wall=$wall ts_rss=$rss
ts_msgs=$(grep -c . "$work/tshark.out" || true)

report() {  # label msgs wall rss
  python3 - "$@" "$size" <<'PY'
import sys
label, msgs, wall, rss, size = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
wall = max(wall, 0.01)
print(f"{label:<9} {msgs:>9} msgs  {wall:8.2f} s  {msgs / wall:12,.0f} msgs/s  {size / wall / 1e6:8.1f} MB/s  peak {rss / 1024:7.1f} MiB")
PY
}
report scamgate "$sg_msgs" "$sg_wall" "$sg_rss"
report tshark "$ts_msgs" "$ts_wall" "$ts_rss"
