#!/usr/bin/env bash
# Captures a real SIP-over-WebSocket exchange (RFC 7118) for scamgate's reference pcaps: Kamailio 5.6
# with its websocket module (Debian kamailio-websocket-modules) as the server on TCP 5060, and
# tests/kamailio/ws_sip_client.py (Python standard library; SIPp has no WebSocket transport) as the
# client, in two network namespaces this script creates and deletes; dumpcap on the server side.
#
# Usage: scripts/capture-websocket.sh [OUTDIR]     (default: <repo>/pcaps; needs root)
#
#   sgws-peer (client)  peer0 203.0.113.10/24  <-- veth -->  gw0 203.0.113.1/24  sgws-gw (Kamailio)
#
# Output: OUTDIR/kamailio-ws-sip.pcap. Every process is bounded (timeout, dumpcap -a duration).
set -euo pipefail

readonly REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=${1:-$REPO/pcaps}
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
readonly OUTDIR
readonly NS_GW=sgws-gw NS_PEER=sgws-peer GW=203.0.113.1 PEER=203.0.113.10
# TCP 5060, one listener for SIP and WebSocket as many Kamailio deployments have it; the generated
# ws-* cases cover other ports. (tests/scripts/test_live_passive.sh replays pcaps/ through a filter
# built from sip.ports, so every committed capture must be on a configured port.)
readonly PORT=${SCAMGATE_WS_PORT:-5060}
readonly RUN_TIMEOUT=30

die() { echo "capture-websocket: $*" >&2; exit 1; }
log() { echo "capture-websocket: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (ip netns)"
for tool in ip kamailio dumpcap tshark timeout flock ss ethtool python3; do
  command -v "$tool" >/dev/null || die "missing $tool"
done
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so ] \
  || die "missing Kamailio's websocket module (apt-get install kamailio-websocket-modules)"

WORK=$(mktemp -d /tmp/scamgate-capture-ws.XXXXXX)
CAP_PID="" KAM_PID=""

cleanup() {
  local rc=$? ns pid
  for pid in "$CAP_PID" "$KAM_PID"; do
    [ -n "$pid" ] && { kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  done
  for ns in "$NS_GW" "$NS_PEER"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then log "failed (rc=$rc); logs kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}

exec 9>/tmp/scamgate-capture-websocket.lock
flock -w 120 9 || die "another capture-websocket.sh is running"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

wait_for() { # tries command...  -- polls every 0.1 s
  local tries=$1; shift
  while ! "$@" >/dev/null 2>&1; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

for ns in "$NS_GW" "$NS_PEER"; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; in_ns "$ns" ip link set lo up; done
ip link add gw0 netns "$NS_GW" type veth peer name peer0 netns "$NS_PEER"
in_ns "$NS_GW" ip addr add "$GW/24" dev gw0
in_ns "$NS_PEER" ip addr add "$PEER/24" dev peer0
in_ns "$NS_GW" ip link set gw0 up
in_ns "$NS_PEER" ip link set peer0 up
# veth hands packets over with CHECKSUM_PARTIAL: without this the capture shows wrong checksums.
in_ns "$NS_GW" ethtool -K gw0 tx off rx off tso off gso off gro off >/dev/null
in_ns "$NS_PEER" ethtool -K peer0 tx off rx off tso off gso off gro off >/dev/null

sed -e "s/@ADDRESS@/$GW/g" -e "s/@PORT@/$PORT/g" "$REPO/tests/kamailio/websocket.cfg" >"$WORK/kamailio.cfg"
in_ns "$NS_GW" timeout "$RUN_TIMEOUT" kamailio -f "$WORK/kamailio.cfg" -DD -E -m 32 -M 8 -Y "$WORK" \
  >"$WORK/kamailio.log" 2>&1 &
KAM_PID=$!
wait_for 100 in_ns "$NS_GW" ss -Hlnt "( sport = :$PORT )" || die "Kamailio is not listening (see $WORK/kamailio.log)"

f="$OUTDIR/kamailio-ws-sip.pcap"
rm -f "$f"
ip netns exec "$NS_GW" timeout "$RUN_TIMEOUT" dumpcap -q -P -i gw0 -f "tcp port $PORT" -a duration:$((RUN_TIMEOUT - 5)) \
  -w "$f" 2>"$WORK/dumpcap.log" &
CAP_PID=$!
wait_for 50 grep -q "Capturing on" "$WORK/dumpcap.log" || die "dumpcap did not start: $(cat "$WORK/dumpcap.log")"

in_ns "$NS_PEER" timeout "$RUN_TIMEOUT" python3 "$REPO/tests/kamailio/ws_sip_client.py" \
  --local "$PEER" --server "$GW" --port "$PORT" --path /ws >"$WORK/client.log" 2>&1 \
  || die "client failed: $(cat "$WORK/client.log"); Kamailio: $(tail -5 "$WORK/kamailio.log")"
sed 's/^/capture-websocket: client: /' "$WORK/client.log" >&2

sleep 0.5
kill -INT "$CAP_PID"; wait "$CAP_PID" 2>/dev/null || true; CAP_PID=""
chmod 0644 "$f"
sip=$(tshark -r "$f" -Y 'sip && websocket' -T fields -e sip.Call-ID 2>/dev/null | wc -l)
bad=$(tshark -r "$f" -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status==0' 2>/dev/null | wc -l)
log "$(basename "$f"): $(tshark -r "$f" 2>/dev/null | wc -l) packets, $sip SIP-over-WebSocket frames, $bad bad checksums"
[ "$bad" -eq 0 ] || die "bad checksums"
grep -h "ws-next-hop" "$WORK/kamailio.log" | sed 's/^/capture-websocket: kamailio: /' >&2 || true
