#!/usr/bin/env bash
# SMPP replay benchmark: generates an SMPP-heavy pcap (scamgate-pcapgen bench-smpp: N submit_sm over
# B binds, each answered; a mix of GSM-7, UCS-2, multipart UDH, Latin-1 and message_payload),
# replays it with scamgate and with tshark's SMPP dissector (decoding the texts too) on the same file
# in the same run, and prints PDUs/s, SMS/s, MB/s and peak memory for both.
# Usage: bench/replay-smpp.sh [SUBMITS] [BUILD_DIR] [WORKERS]   (default 500000, build, 1)
#   WORKERS is scamgate's --workers (N or auto); the 50 binds come from 50 addresses.
set -euo pipefail
cd "$(dirname "$0")/.."
submits=${1:-500000}
build=${2:-build}
workers=${3:-1}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pcap=$work/bench-smpp.pcap

"$build/tools/pcapgen/scamgate-pcapgen" bench-smpp --pdus "$submits" --out "$pcap" >"$work/gen.out"
size=$(stat -c %s "$pcap")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $submits submit_sm, $((size / 1000000)) MB; generator: $(tr '\n' ' ' <"$work/gen.out"); scamgate --workers $workers"

measure() {  # label, command...: wall seconds and peak RSS (KiB) into globals
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/$label.out" 2>"$work/$label.err"
  read -r wall rss <"$work/time"
}

measure scamgate "$build/scamgate" replay -q --workers "$workers" --stats json "$pcap"
sg_wall=$wall sg_rss=$rss
read -r sg_pdus sg_sms < <(python3 -c 'import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(s["smpp.pdus"], s["sms.messages"])' "$work/scamgate.out")

# tshark: the SMPP dissector with GSM 7-bit for data_coding 0, printing each PDU's command and text.
measure tshark tshark -n -r "$pcap" -o smpp.decode_sms_over_smpp:"GSM 7-bit" -o smpp.gsm7_unpacked:TRUE \
  -Y smpp -T fields -e smpp.command_id -e smpp.message_text
ts_wall=$wall ts_rss=$rss
ts_pdus=$(cut -f1 "$work/tshark.out" | tr ',' '\n' | grep -c . || true)

python3 - "$size" scamgate "$sg_pdus" "$sg_sms" "$sg_wall" "$sg_rss" tshark "$ts_pdus" "-" "$ts_wall" "$ts_rss" <<'PY'
import sys
size = int(sys.argv[1])
args = sys.argv[2:]
for i in range(0, len(args), 5):
    label, pdus, sms, wall, rss = args[i], int(args[i + 1]), args[i + 2], max(float(args[i + 3]), 0.01), int(args[i + 4])
    sms_rate = f"{int(sms) / wall:10,.0f} SMS/s" if sms != "-" else f"{'-':>10} SMS/s"
    print(f"{label:<9} {pdus:>9} PDUs  {wall:8.2f} s  {pdus / wall:11,.0f} PDUs/s  {sms_rate}  "
          f"{size / wall / 1e6:7.1f} MB/s  peak {rss / 1024:7.1f} MiB")
PY
