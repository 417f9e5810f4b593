#!/usr/bin/env bash
# Captures scamgate's reference pcaps from real SIPp peers (Debian sip-tester) in private
# network namespaces, with dumpcap on the gateway's interfaces.
#
# Usage: scripts/capture-sipp.sh [OUTDIR [CAPTURE...]]   (default: <repo>/pcaps, all captures; needs root)
#   CAPTURE: domestic-udp intl-trunk tcp failures ipv6 identity service-numbers sctp
#            wangiri simbox sequential register-flood call-centre   (behaviour captures, below)
#
# SIP over SCTP (sipp -t s1) needs a kernel with SCTP. When the running kernel has none (no
# CONFIG_IP_SCTP, no sctp module), the sctp capture runs the same namespaces inside a User-mode
# Linux guest (Debian packages user-mode-linux and kmod, installed if missing): the guest's root is
# the host's file system read-only (hostfs), it loads the UML kernel's own sctp and veth modules,
# and writes the capture into OUTDIR through a hostfs mount. The traffic is the guest kernel's SCTP.
#
# Layout (all addresses are documentation ranges, inside namespaces this script creates
# and deletes itself; nothing is sent anywhere else):
#
#   sgcap-intl (international carrier)          sgcap-gw (the gateway)          sgcap-dom (domestic peer)
#   intl0 203.0.113.10/24      <-- veth -->  gw-intl 203.0.113.1/24
#         2001:db8:113::10/64                        2001:db8:113::1/64
#         192.0.2.66/32 (scanner)                    route 192.0.2.66/32 dev gw-intl
#                                            gw-dom  198.51.100.1/24  <-- veth -->  dom0 198.51.100.20/24
#
# The scanner (register-flood) sits outside every trunk of config/scamgate.yaml (TEST-NET-1, not
# intl-carrier's 203.0.113.0/24): the behaviour stage counts per-source requests only for sources
# that are no configured peer, since a trunk's SBC carries many callers. It shares the carrier's
# veth pair: the gateway routes 192.0.2.66 on-link over gw-intl; the scanner reaches 203.0.113.1
# through intl0's connected 203.0.113.0/24 (SIPp binds 192.0.2.66 as the source).
#
# The gateway runs the SIPp UAS on 5060, the carrier/peer runs the SIPp UAC on 5060; dumpcap
# captures on gw-intl or gw-dom (Ethernet, libpcap format, filter "port 5060").
# Every run is bounded: fixed call counts (-m), fixed rate, one call at a time (-l 1),
# SIPp -timeout, coreutils timeout around every process, dumpcap -a duration.
#
# Behaviour captures (pcaps/sipp-behaviour-*.pcap; docs/behaviour-captures.md says what each one
# must and must not trigger): patterns that only show over many calls, so they run longer (up to
# ~2.5 min), each still bounded by its own RUN_SECONDS, call count and dumpcap duration:
#   wangiri        15 one-ring calls from one foreign number, cancelled after 2 s of ringing
#   simbox         30 calls from one SIM: 8 short answered calls, 22 busy/unavailable/unanswered
#   sequential     16 calls to +84912345600..615 in order, rejected 404/486
#   register-flood 400 REGISTERs in ~3 s from a scanner (192.0.2.66, no trunk), 401 each, then 3 INVITEs
#   call-centre    clean: 30 answered calls of 30-60 s from one bank number, up to 18 at once
set -euo pipefail

readonly REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly SCEN="$REPO/tests/sipp"
readonly ALL_CAPTURES="domestic-udp intl-trunk tcp failures ipv6 identity service-numbers sctp wangiri simbox sequential register-flood call-centre"

# Inside the User-mode Linux guest (PID 1, started by capture_sctp_in_uml below): the kernel
# passes SCAMGATE_UML_OUTDIR in the environment. Mount what a booted system would have, load SCTP.
uml_guest_setup() {
  export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp
  guest_mount() { mountpoint -q "$3" || mount -t "$1" "$2" "$3"; }
  guest_mount proc proc /proc; guest_mount sysfs sys /sys; guest_mount devtmpfs dev /dev
  guest_mount tmpfs tmp /tmp; guest_mount tmpfs run /run; mkdir -p /dev/shm; guest_mount tmpfs shm /dev/shm
  mkdir -p "$SCAMGATE_UML_OUTDIR" 2>/dev/null || true
  mount -t hostfs none "$SCAMGATE_UML_OUTDIR" -o "$SCAMGATE_UML_OUTDIR"
  local modules; modules=/usr/lib/uml/modules/$(uname -r)
  uml_load() { # module name: its dependencies first (no modules.dep in the UML package)
    grep -q "^$1 " /proc/modules && return 0
    local path dep; path=$(find "$modules" -name "$1.ko" | head -1)
    [ -n "$path" ] || { echo "capture-sipp (uml): no module $1" >&2; return 1; }
    for dep in $(modinfo -F depends "$path" | tr ',' ' '); do uml_load "$dep"; done
    insmod "$path"
  }
  # SCTP signs its state cookies with hmac(md5) (net.sctp.cookie_hmac_alg): without the hmac
  # template loaded, listen() fails with ENOSYS (no module auto-loading in this guest).
  uml_load hmac; uml_load sctp; uml_load sctp_diag; uml_load veth  # sctp_diag: ss -S
}
if [ "$$" -eq 1 ] && [ -n "${SCAMGATE_UML_OUTDIR:-}" ]; then
  uml_guest_setup
  set -- "$SCAMGATE_UML_OUTDIR" sctp
fi

OUTDIR=${1:-$REPO/pcaps}
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
readonly OUTDIR
shift || true
CAPTURES=${*:-$ALL_CAPTURES}
readonly CAPTURES

readonly NS_GW=sgcap-gw NS_INTL=sgcap-intl NS_DOM=sgcap-dom
readonly GW_INTL4=203.0.113.1 INTL4=203.0.113.10
readonly GW_DOM4=198.51.100.1 DOM4=198.51.100.20
readonly GW_INTL6=2001:db8:113::1 INTL6=2001:db8:113::10
readonly SCANNER4=192.0.2.66   # a SIP scanner behind the international side (register-flood): no configured trunk
readonly UA_INTL="IntlCarrier-SBC/4.2 (sipp)" UA_DOM="VN-PBX/2.1 (sipp)"
readonly RUN_TIMEOUT=40   # seconds, hard bound for any single SIPp or dumpcap process
# The behaviour captures set these per run (VAR=value run_calls ...): the hard bound of one SIPp
# pair, the UAC's call rate (calls per UAC_RATE_PERIOD ms) and limit of simultaneous calls, the
# Call-ID template (%u: SIPp's call number), and the bound of one dumpcap.
RUN_SECONDS=$RUN_TIMEOUT UAC_RATE=2 UAC_RATE_PERIOD=1000 UAC_LIMIT=1 CID=""
CAPTURE_SECONDS=$((RUN_TIMEOUT * 3))

die() { echo "capture-sipp: $*" >&2; exit 1; }
log() { echo "capture-sipp: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (ip netns)"
for tool in ip sipp dumpcap tshark timeout flock ss; do
  command -v "$tool" >/dev/null || die "missing $tool (scripts/deps test)"
done

WORK=$(mktemp -d /tmp/scamgate-capture.XXXXXX)
CAP_PID=""

delete_netns() {
  local ns
  for ns in "$NS_GW" "$NS_INTL" "$NS_DOM"; do
    ip netns del "$ns" 2>/dev/null || true
  done
}

cleanup() {
  local rc=$?
  if [ -n "$CAP_PID" ]; then kill -INT "$CAP_PID" 2>/dev/null || true; wait "$CAP_PID" 2>/dev/null || true; fi
  # Any SIPp still alive lives in our namespaces: killing by pid list of those namespaces only.
  local ns pid
  for ns in "$NS_GW" "$NS_INTL" "$NS_DOM"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  delete_netns
  if [ "$rc" -ne 0 ]; then
    log "failed (rc=$rc); logs kept in $WORK"
    if [ "$$" -eq 1 ]; then tail -n 20 "$WORK"/*.log "$WORK"/*.err >&2 2>/dev/null || true; fi
  else
    rm -rf "$WORK"
  fi
  # The UML guest's init must not exit: it powers the guest off (its status in a file on OUTDIR).
  if [ "$$" -eq 1 ]; then echo "$rc" >"$OUTDIR/.uml-status"; sync; halt -f -p; fi
  exit "$rc"
}

# One capture run at a time on this machine (namespace names are fixed).
exec 9>/tmp/scamgate-capture-sipp.lock
flock -w 120 9 || die "another capture-sipp.sh is running"
# A signal ends the script through exit, so that the EXIT trap sees a non-zero status.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# veth pair between the gateway and one peer namespace.
link_peer() { # peer-ns gw-ifname peer-ifname
  ip link add "$2" netns "$NS_GW" type veth peer name "$3" netns "$1"
  in_ns "$NS_GW" ip link set "$2" up
  in_ns "$1" ip link set "$3" up
}

# veth hands packets over with CHECKSUM_PARTIAL, so a capture shows wrong UDP/TCP checksums
# unless checksum offload is off: ethtool (Debian package ethtool) switches it off.
# (tcprewrite --fixcsum is no substitute: it leaves some IPv6 UDP checksums wrong.)
ensure_ethtool() {
  command -v ethtool >/dev/null && return 0
  log "ethtool missing: installing the Debian package"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ethtool >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ethtool >/dev/null 2>&1; } \
    || die "needs ethtool (apt-get install ethtool) to switch veth checksum offload off"
}

disable_offload() { # ns ifname
  in_ns "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 \
    || die "ethtool -K $2 failed in $1"
}

setup_netns() {
  delete_netns
  local ns
  for ns in "$NS_GW" "$NS_INTL" "$NS_DOM"; do
    ip netns add "$ns"
    in_ns "$ns" ip link set lo up
  done
  link_peer "$NS_INTL" gw-intl intl0
  link_peer "$NS_DOM" gw-dom dom0
  in_ns "$NS_GW" ip addr add "$GW_INTL4/24" dev gw-intl
  in_ns "$NS_GW" ip -6 addr add "$GW_INTL6/64" dev gw-intl nodad
  in_ns "$NS_GW" ip addr add "$GW_DOM4/24" dev gw-dom
  in_ns "$NS_INTL" ip addr add "$INTL4/24" dev intl0
  in_ns "$NS_INTL" ip -6 addr add "$INTL6/64" dev intl0 nodad
  in_ns "$NS_INTL" ip addr add "$SCANNER4/32" dev intl0
  in_ns "$NS_GW" ip route add "$SCANNER4/32" dev gw-intl
  in_ns "$NS_DOM" ip addr add "$DOM4/24" dev dom0
  disable_offload "$NS_GW" gw-intl; disable_offload "$NS_INTL" intl0
  disable_offload "$NS_GW" gw-dom;  disable_offload "$NS_DOM" dom0
}

wait_for() { # tries command...  -- polls every 0.1 s
  local tries=$1; shift
  while ! "$@" >/dev/null 2>&1; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

capture_start() { # ifname outfile
  local err="$WORK/dumpcap-$(basename "$2").log"
  rm -f "$2"
  # started directly (not through a function) so that $! is the process that receives SIGINT:
  # ip netns exec execs timeout, which forwards SIGINT to dumpcap.
  ip netns exec "$NS_GW" timeout "$((CAPTURE_SECONDS + RUN_TIMEOUT))" dumpcap -q -P -i "$1" -f "port 5060" \
    -a duration:"$CAPTURE_SECONDS" -w "$2" 2>"$err" &
  CAP_PID=$!
  wait_for 50 grep -q "Capturing on" "$err" || die "dumpcap did not start: $(cat "$err")"
}

capture_stop() {
  sleep 0.5   # let the last retransmission timers and responses land
  kill -INT "$CAP_PID" 2>/dev/null || true
  wait "$CAP_PID" 2>/dev/null || true
  CAP_PID=""
  chmod 0644 "$1"
}

uas_listening() { # proto(u|t|S) ip
  in_ns "$NS_GW" ss -Hln"$1" "( sport = :5060 )" | grep -q "$2"
}

# run_calls NAME PEER_NS LOCAL_IP GW_IP TRANSPORT UAS_XML UAC_XML CSV CALLS UA [extra UAS args...]
# Runs one SIPp UAS in the gateway and one SIPp UAC in the peer namespace until CALLS calls
# have completed. Call-IDs are deterministic: sipp-NAME-<n>@LOCAL_IP (or $CID when set).
# CSV is a file in tests/sipp, or an absolute path.
run_calls() {
  local name=$1 ns=$2 lip=$3 gip=$4 tr=$5 uas=$6 uac=$7 csv=$8 calls=$9 ua=${10}
  shift 10
  local proto=t; [ "$tr" = u1 ] && proto=u; [ "$tr" = s1 ] && proto=S
  local remote=$gip; [[ $gip == *:* ]] && remote="[$gip]"
  local csv_args=(); [ -n "$csv" ] && { [[ $csv == /* ]] || csv=$SCEN/$csv; csv_args=(-inf "$csv"); }
  local dom=$lip; [[ $lip == *:* ]] && dom="[$lip]"
  local cid=${CID:-sipp-$name-%u@$lip}

  ( cd "$WORK" && in_ns "$NS_GW" timeout "$RUN_SECONDS" sipp -sf "$SCEN/$uas" -i "$gip" -p 5060 \
      -t "$tr" -m "$calls" -mp 20000 -nostdin -timeout "$((RUN_SECONDS - 5))s" \
      -trace_err -error_file "$WORK/$name-uas.err" "$@" >"$WORK/$name-uas.log" 2>&1 ) &
  local uas_pid=$!
  wait_for 50 uas_listening "$proto" "$gip" || die "$name: UAS not listening"

  ( cd "$WORK" && in_ns "$ns" timeout "$RUN_SECONDS" sipp "$remote:5060" -sf "$SCEN/$uac" "${csv_args[@]}" \
      -i "$lip" -p 5060 -t "$tr" -m "$calls" -r "$UAC_RATE" -rp "$UAC_RATE_PERIOD" -l "$UAC_LIMIT" -mp 16000 -nostdin \
      -cid_str "$cid" -key ua "$ua" -key dom "$dom" \
      -timeout "$((RUN_SECONDS - 5))s" -timeout_error \
      -trace_err -error_file "$WORK/$name-uac.err" >"$WORK/$name-uac.log" 2>&1 ) \
    || die "$name: UAC failed (see $WORK/$name-uac.log, $WORK/$name-uac.err)"
  wait "$uas_pid" || die "$name: UAS failed (see $WORK/$name-uas.log)"
  log "$name: $calls call(s) over $tr done"
}

summarise() { # file -> "n packets, n SIP frames, n bad checksums"
  local pk sip bad
  pk=$(tshark -r "$1" 2>/dev/null | wc -l)
  sip=$(tshark -r "$1" -Y sip -T fields -e sip.Call-ID 2>/dev/null | wc -l)
  bad=$(tshark -r "$1" -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE -o sctp.checksum:CRC-32C \
        -Y 'udp.checksum.status==0 || tcp.checksum.status==0 || sctp.checksum.status==0' 2>/dev/null | wc -l)
  log "$(basename "$1"): $pk packets, $sip SIP frames, $bad bad checksums"
  [ "$bad" -eq 0 ] || die "$(basename "$1") has bad checksums"
}

# ---- the captures -----------------------------------------------------------------------

capture_domestic_udp() {
  local f="$OUTDIR/sipp-domestic-udp.pcap"
  capture_start gw-dom "$f"
  run_calls domestic-udp "$NS_DOM" "$DOM4" "$GW_DOM4" u1 uas-answer.xml uac-call.xml \
    domestic-calls.csv 5 "$UA_DOM"
  capture_stop "$f"; summarise "$f"
}

capture_intl_trunk() {
  local f="$OUTDIR/sipp-intl-trunk-cli.pcap"
  capture_start gw-intl "$f"
  run_calls intl-trunk "$NS_INTL" "$INTL4" "$GW_INTL4" u1 uas-answer.xml uac-call.xml \
    intl-trunk-calls.csv 4 "$UA_INTL"
  capture_stop "$f"; summarise "$f"
}

capture_tcp() {
  local f="$OUTDIR/sipp-domestic-tcp.pcap"
  capture_start gw-dom "$f"
  run_calls domestic-tcp "$NS_DOM" "$DOM4" "$GW_DOM4" t1 uas-answer.xml uac-call.xml \
    domestic-calls.csv 3 "$UA_DOM"
  capture_stop "$f"; summarise "$f"
}

capture_failures() {
  local f="$OUTDIR/sipp-cancel-busy-notfound.pcap"
  capture_start gw-dom "$f"
  run_calls cancel "$NS_DOM" "$DOM4" "$GW_DOM4" u1 uas-cancel.xml uac-cancel.xml \
    cancel-calls.csv 1 "$UA_DOM"
  run_calls busy "$NS_DOM" "$DOM4" "$GW_DOM4" u1 uas-busy.xml uac-rejected.xml \
    busy-calls.csv 1 "$UA_DOM"
  run_calls notfound "$NS_DOM" "$DOM4" "$GW_DOM4" u1 uas-notfound.xml uac-rejected.xml \
    notfound-calls.csv 1 "$UA_DOM"
  capture_stop "$f"; summarise "$f"
}

capture_ipv6() {
  local f="$OUTDIR/sipp-ipv6-intl.pcap"
  capture_start gw-intl "$f"
  run_calls ipv6-intl "$NS_INTL" "$INTL6" "$GW_INTL6" u1 uas-answer.xml uac-call.xml \
    ipv6-calls.csv 2 "$UA_INTL"
  capture_stop "$f"; summarise "$f"
}

capture_identity() {
  local f="$OUTDIR/sipp-identity-headers.pcap"
  capture_start gw-dom "$f"
  run_calls tel-uri "$NS_DOM" "$DOM4" "$GW_DOM4" u1 uas-answer.xml uac-tel-uri.xml "" 1 "$UA_DOM"
  run_calls diversion "$NS_DOM" "$DOM4" "$GW_DOM4" u1 uas-answer.xml uac-diversion.xml "" 1 "$UA_DOM"
  run_calls anonymous "$NS_DOM" "$DOM4" "$GW_DOM4" u1 uas-answer.xml uac-anonymous.xml "" 1 "$UA_DOM"
  capture_stop "$f"; summarise "$f"
}

capture_service_numbers() {
  local f="$OUTDIR/sipp-hotline-cli-intl.pcap"
  capture_start gw-intl "$f"
  run_calls hotline-intl "$NS_INTL" "$INTL4" "$GW_INTL4" u1 uas-answer.xml uac-call.xml \
    hotline-calls.csv 2 "$UA_INTL"
  capture_stop "$f"; summarise "$f"
  f="$OUTDIR/sipp-emergency-domestic.pcap"
  capture_start gw-dom "$f"
  run_calls emergency "$NS_DOM" "$DOM4" "$GW_DOM4" u1 uas-answer.xml uac-call.xml \
    emergency-calls.csv 2 "$UA_DOM"
  capture_stop "$f"; summarise "$f"
}

# SIP over SCTP: 3 domestic calls over one association (sipp -t s1: one SCTP association per
# UAC, each SIP message one user message, RFC 4168).
capture_sctp() {
  local f="$OUTDIR/sipp-domestic-sctp.pcap"
  capture_start gw-dom "$f"
  run_calls domestic-sctp "$NS_DOM" "$DOM4" "$GW_DOM4" s1 uas-answer.xml uac-call.xml \
    domestic-calls.csv 3 "$UA_DOM"
  capture_stop "$f"; summarise "$f"
}

# ---- behaviour captures (docs/behaviour-captures.md) -----------------------------------------

# run_each NAME PEER_NS LOCAL_IP GW_IP UA CSV -- one SIPp UAS/UAC pair per row of tests/sipp/CSV
# (caller;callee;display;ms;outcome), one call each, in order: the gateway's answer differs from
# call to call (SIPp checks a response code when it loads a scenario, so a UAS cannot take it from
# its injection file). Call-IDs: sipp-NAME-<row, two digits>@LOCAL_IP.
#   outcome answer: answered, BYE after ms of talk     cancel: 180, caller CANCELs after ms of ringing
#           404 / 480 / 486: rejected at once (Not Found / Temporarily Unavailable / Busy Here)
run_each() {
  local name=$1 ns=$2 lip=$3 gip=$4 ua=$5 csv=$SCEN/$6 n=0 row outcome uas uac one
  while IFS= read -r row; do
    case "$row" in SEQUENTIAL|'#'*|'') continue ;; esac
    n=$((n + 1))
    outcome=${row##*;}
    case "$outcome" in
      answer) uas=uas-answer.xml uac=uac-answered.xml ;;
      cancel) uas=uas-cancel.xml uac=uac-ring-cancel.xml ;;
      404) uas=uas-notfound.xml uac=uac-rejected.xml ;;
      480) uas=uas-unavailable.xml uac=uac-rejected.xml ;;
      486) uas=uas-busy.xml uac=uac-rejected.xml ;;
      *) die "$name: row $n of $6: unknown outcome '$outcome'" ;;
    esac
    one=$(printf '%s/%s-%02d.csv' "$WORK" "$name" "$n")
    printf 'SEQUENTIAL\n%s\n' "$row" >"$one"
    CID=$(printf 'sipp-%s-%02d@%s' "$name" "$n" "$lip") \
      run_calls "$(printf '%s-%02d' "$name" "$n")" "$ns" "$lip" "$gip" u1 "$uas" "$uac" "$one" 1 "$ua" </dev/null
  done <"$csv"
  log "$name: $n calls from $6 done"
}

# Wangiri: one foreign number rings 15 distinct mobiles for 2 s each, then cancels (487).
capture_wangiri() {
  local f="$OUTDIR/sipp-behaviour-wangiri.pcap"
  capture_start gw-intl "$f"
  RUN_SECONDS=90 run_calls wangiri "$NS_INTL" "$INTL4" "$GW_INTL4" u1 uas-cancel.xml uac-ring-cancel.xml \
    wangiri-calls.csv 15 "$UA_INTL"
  capture_stop "$f"; summarise "$f"
}

# SIM-box: one SIM, 30 distinct callees, 8 short answered calls, the rest busy/unavailable/unanswered.
capture_simbox() {
  local f="$OUTDIR/sipp-behaviour-simbox.pcap"
  CAPTURE_SECONDS=240 capture_start gw-dom "$f"
  run_each simbox "$NS_DOM" "$DOM4" "$GW_DOM4" "$UA_DOM" simbox-calls.csv
  capture_stop "$f"; summarise "$f"
}

# Range scanning: +84912345600 ... 615 in order, each rejected 404 or 486.
capture_sequential() {
  local f="$OUTDIR/sipp-behaviour-sequential.pcap"
  capture_start gw-dom "$f"
  run_each sequential "$NS_DOM" "$DOM4" "$GW_DOM4" "$UA_DOM" sequential-calls.csv
  capture_stop "$f"; summarise "$f"
}

# A SIP scanner: 400 REGISTERs at 150/s (extensions 1..400, each challenged 401), then 3 INVITEs
# (toll fraud attempts, 403) from the same address, SCANNER4, which is in no configured trunk.
capture_register_flood() {
  local f="$OUTDIR/sipp-behaviour-register-flood.pcap" ua="friendly-scanner"
  capture_start gw-intl "$f"
  UAC_RATE=150 UAC_LIMIT=50 CID="sipp-regflood-%u@$SCANNER4" \
    run_calls regflood "$NS_INTL" "$SCANNER4" "$GW_INTL4" u1 uas-register-401.xml uac-register-scan.xml "" 400 "$ua"
  CID="sipp-regflood-invite-%u@$SCANNER4" \
    run_calls regflood-invite "$NS_INTL" "$SCANNER4" "$GW_INTL4" u1 uas-forbidden.xml uac-rejected.xml \
    regflood-invites.csv 3 "$ua"
  capture_stop "$f"; summarise "$f"
}

# Clean: a bank's call centre, one number, 30 customers, every call answered and 30-60 s long.
# One new call every 2.2 s (at most 28 INVITEs in any 60 s, under behaviour.call_rate's 30) and
# at most 18 at once (under behaviour.concurrent_calls' 20).
capture_call_centre() {
  local f="$OUTDIR/sipp-behaviour-call-centre.pcap"
  CAPTURE_SECONDS=240 capture_start gw-dom "$f"
  RUN_SECONDS=200 UAC_RATE=1 UAC_RATE_PERIOD=2200 UAC_LIMIT=18 \
    run_calls callcentre "$NS_DOM" "$DOM4" "$GW_DOM4" u1 uas-answer.xml uac-answered.xml \
    callcentre-calls.csv 30 "$UA_DOM"
  capture_stop "$f"; summarise "$f"
}

kernel_has_sctp() {
  modprobe sctp 2>/dev/null || true
  grep -q '^SCTP ' /proc/net/protocols
}

ensure_packages() { # debian-package...
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; } \
    || die "needs ${missing[*]} (apt-get install ${missing[*]})"
}

# The kernel has no SCTP: this script runs again as the init of a User-mode Linux guest.
capture_sctp_in_uml() {
  ensure_packages user-mode-linux kmod
  log "this kernel has no SCTP: capturing SIP over SCTP inside a User-mode Linux guest"
  rm -f "$OUTDIR/.uml-status"
  ( cd "$WORK" && TMPDIR="$WORK" timeout $((RUN_TIMEOUT * 4)) linux.uml mem=768M rootfstype=hostfs rootflags=/ ro \
      init="$REPO/scripts/capture-sipp.sh" SCAMGATE_UML_OUTDIR="$OUTDIR" con=null con0=null,fd:1 \
      >"$WORK/uml.log" 2>&1 ) || true
  local status; status=$(cat "$OUTDIR/.uml-status" 2>/dev/null || echo none)
  rm -f "$OUTDIR/.uml-status"
  [ "$status" = 0 ] || die "SCTP capture in the UML guest failed (status $status; see $WORK/uml.log)"
  chmod 0644 "$OUTDIR/sipp-domestic-sctp.pcap"
  summarise "$OUTDIR/sipp-domestic-sctp.pcap"
}

wants() { [[ " $CAPTURES " == *" $1 "* ]]; }

main() {
  local c
  for c in $CAPTURES; do [[ " $ALL_CAPTURES " == *" $c "* ]] || die "unknown capture $c (one of: $ALL_CAPTURES)"; done
  [ "$$" -eq 1 ] || ensure_ethtool
  if [ "$CAPTURES" = sctp ] && ! kernel_has_sctp; then capture_sctp_in_uml; log "written to $OUTDIR"; return; fi
  setup_netns
  wants domestic-udp && capture_domestic_udp
  wants intl-trunk && capture_intl_trunk
  wants tcp && capture_tcp
  wants failures && capture_failures
  wants ipv6 && capture_ipv6
  wants identity && capture_identity
  wants service-numbers && capture_service_numbers
  wants wangiri && capture_wangiri
  wants simbox && capture_simbox
  wants sequential && capture_sequential
  wants register-flood && capture_register_flood
  wants call-centre && capture_call_centre
  if wants sctp; then
    if kernel_has_sctp; then capture_sctp; else delete_netns; capture_sctp_in_uml; fi
  fi
  log "captures written to $OUTDIR"
}

main
