#!/usr/bin/env bash
# Captures scamgate's reference SMPP pcaps from real peers: Kannel 1.4.5 (Debian packages
# kannel + kannel-extras) bearerbox + smsbox as the ESME, scamgate's test SMSC
# (tests/kannel/test_smsc.py, Python 3 standard library) as the SMSC, tcpdump on the SMSC's
# interface, all in two private network namespaces this script creates and deletes itself.
#
# Usage: scripts/capture-smpp.sh [OUTDIR [RUN...]]   (default: <repo>/pcaps, every run; needs root)
#        RUN is one of: gsm7 ucs2 multipart sar ipv6 campaign otp
#        (campaign, otp: behaviour captures pcaps/kannel-smpp-behaviour-*.pcap, texts from
#        tests/kannel/behaviour-*.tsv; docs/behaviour-captures.md says what each must trigger)
#
# Exit status: 0 done; 1 a run failed (logs are kept and named); 2 bad arguments; 77 not root,
# or a tool is missing and could not be installed.
#
# Layout (documentation address ranges only; nothing is sent anywhere else):
#
#   sgsmpp-esme (the gateway: Kannel)                    sgsmpp-smsc (the operator's SMSC)
#   esme0 192.0.2.2/24, 2001:db8:2775::2/64  <-- veth -->  smsc0 192.0.2.1/24, 2001:db8:2775::1/64
#         bearerbox -> SMPP client                               test_smsc.py listening on 2775
#         smsbox    HTTP sendsms on 127.0.0.1:13013              tcpdump -i smsc0 'tcp port 2775'
#
# For the IPv6 run Kannel connects to 127.0.0.1:2775 and socat (inside sgsmpp-esme) relays to
# [2001:db8:2775::1]:2775 from 2001:db8:2775::2: Kannel 1.4.5's SMPP client is IPv4-only
# (gethostbyname). The SMSC is ours because kannel-extras' drive_smpp is a load generator (it
# binds as smsbox as well, storms "hello world" deliver_sm and counts the submit_sm echoed back),
# not an SMSC that answers an ESME's MT traffic with receipts.
#
# MT messages go in through smsbox's HTTP sendsms interface (curl inside the ESME namespace);
# MO messages and delivery receipts come from the test SMSC, asked for over its control socket.
# Every step waits for the SMSC's counters (not for the clock), so the PDU sequence of a run is
# fixed; only timestamps, TCP ports/sequence numbers, MAC addresses and the number of
# enquire_link exchanges (one every 2 s while a run lasts) change from run to run.
set -euo pipefail

readonly REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly KDIR="$REPO/tests/kannel"
OUTDIR=${1:-$REPO/pcaps}
[ "$#" -gt 0 ] && shift
RUNS=("$@"); [ "${#RUNS[@]}" -gt 0 ] || RUNS=(gsm7 ucs2 multipart sar ipv6 campaign otp)
for r in "${RUNS[@]}"; do
  case "$r" in gsm7|ucs2|multipart|sar|ipv6|campaign|otp) ;;
    *) echo "capture-smpp: unknown run $r (gsm7 ucs2 multipart sar ipv6 campaign otp)" >&2; exit 2 ;; esac
done

readonly NS_ESME=sgsmpp-esme NS_SMSC=sgsmpp-smsc
readonly SMSC4=192.0.2.1 ESME4=192.0.2.2
readonly SMSC6=2001:db8:2775::1 ESME6=2001:db8:2775::2
readonly PORT=2775
readonly SENDSMS="http://127.0.0.1:13013/cgi-bin/sendsms"
readonly SENDSMS_USER=scamgate SENDSMS_PASS=sendsms-test   # as in tests/kannel/kannel.conf
readonly RUN_TIMEOUT=90   # seconds, hard bound for every process of one run

log() { echo "capture-smpp: $*" >&2; }
die() { echo "capture-smpp: $*" >&2; exit 1; }
skip() {   # exit 77: loud, so that nobody mistakes a skipped capture for a done one
  echo "capture-smpp: ************************************************************" >&2
  echo "capture-smpp: NOT CAPTURING: $*" >&2
  echo "capture-smpp: ************************************************************" >&2
  exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (ip netns, tcpdump, apt-get)"

# ---- tools: Debian packages, installed only when missing -----------------------------------

apt_install() { # package...
  log "installing missing Debian package(s): $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1; }
}

ensure_tools() {
  local missing=() pkg
  # package:command-that-proves-it
  for pkg in kannel:/usr/sbin/bearerbox kannel:/usr/sbin/smsbox kannel-extras:/usr/lib/kannel/test/drive_smpp \
             tcpdump:tcpdump ethtool:ethtool python3:python3 curl:curl iproute2:ip coreutils:timeout \
             util-linux:flock tshark:tshark socat:socat; do
    command -v "${pkg#*:}" >/dev/null 2>&1 || missing+=("${pkg%%:*}")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null || skip "missing ${missing[*]} and no apt-get to install them"
    apt_install $(printf '%s\n' "${missing[@]}" | sort -u) \
      || skip "could not install ${missing[*]} (apt-get install $(printf '%s ' "${missing[@]}"))"
  fi
  for pkg in /usr/sbin/bearerbox /usr/sbin/smsbox tcpdump ethtool python3 curl ip timeout flock tshark socat; do
    command -v "$pkg" >/dev/null 2>&1 || skip "missing $pkg after installing"
  done
}

ensure_tools
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
readonly OUTDIR

WORK=""
CAP_PID="" SMSC_PID="" BB_PID="" SB_PID="" RELAY_PID="" CTL=""
CONF_EXTRA=()   # for the next run_start: render_conf.py EXTRA arguments
SMSC_EXTRA=()   # for the next run_start: more test_smsc.py arguments (e.g. --esme-system-id)

delete_netns() {
  ip netns del "$NS_ESME" 2>/dev/null || true
  ip netns del "$NS_SMSC" 2>/dev/null || true
}

stop_pid() { # pid [signal] -- signal, wait up to 10 s, then KILL
  local pid=$1 sig=${2:-TERM} i
  [ -n "$pid" ] || return 0
  kill -"$sig" "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - INT TERM
  stop_pid "$SB_PID"; stop_pid "$BB_PID"; stop_pid "$RELAY_PID"; stop_pid "$SMSC_PID"; stop_pid "$CAP_PID" INT
  # Anything still alive in our namespaces was started by this script.
  local ns pid
  for ns in "$NS_ESME" "$NS_SMSC"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  delete_netns
  if [ -n "$WORK" ]; then
    if [ "$rc" -ne 0 ]; then log "failed (rc=$rc); logs kept in $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}

# One capture run at a time on this machine (namespace names and ports are fixed).
exec 9>/tmp/scamgate-capture-smpp.lock
flock -w 120 9 || die "another capture-smpp.sh is running"
# A signal ends the script through exit, so that the EXIT trap sees a non-zero status.
trap cleanup EXIT
trap 'log "interrupted (SIGINT)"; exit 130' INT
trap 'log "interrupted (SIGTERM)"; exit 143' TERM
WORK=$(mktemp -d /tmp/scamgate-capture-smpp.XXXXXX)
chmod 0755 "$WORK"

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

wait_for() { # tries command...  -- polls every 0.1 s
  local tries=$1; shift
  while ! "$@" >/dev/null 2>&1; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

setup_netns() {
  delete_netns
  ip netns add "$NS_ESME"
  ip netns add "$NS_SMSC"
  in_ns "$NS_ESME" ip link set lo up
  in_ns "$NS_SMSC" ip link set lo up
  ip link add esme0 netns "$NS_ESME" type veth peer name smsc0 netns "$NS_SMSC"
  in_ns "$NS_ESME" ip addr add "$ESME4/24" dev esme0
  in_ns "$NS_ESME" ip -6 addr add "$ESME6/64" dev esme0 nodad
  in_ns "$NS_SMSC" ip addr add "$SMSC4/24" dev smsc0
  in_ns "$NS_SMSC" ip -6 addr add "$SMSC6/64" dev smsc0 nodad
  in_ns "$NS_ESME" ip link set esme0 up
  in_ns "$NS_SMSC" ip link set smsc0 up
  # veth hands packets over with CHECKSUM_PARTIAL: without this the capture shows bad TCP
  # checksums. TSO/GSO off as well, so every segment on the wire is one real TCP segment.
  in_ns "$NS_ESME" ethtool -K esme0 tx off rx off tso off gso off gro off >/dev/null 2>&1 \
    || die "ethtool -K esme0 failed"
  in_ns "$NS_SMSC" ethtool -K smsc0 tx off rx off tso off gso off gro off >/dev/null 2>&1 \
    || die "ethtool -K smsc0 failed"
}

# ---- one run: tcpdump + test SMSC + Kannel ---------------------------------------------------

ctl() { # json -- one control request to the test SMSC; prints its answer
  python3 "$KDIR/test_smsc.py" ctl "$CTL" "$1"
}

ctl_wait() { # key=value... -- waits (15 s at most) until the SMSC's counters reach the values
  local json='{"cmd": "wait", "timeout": 15' kv
  for kv in "$@"; do json+=", \"${kv%%=*}\": ${kv#*=}"; done
  json+='}'
  ctl "$json" >"$RUN/ctl.last" || die "$NAME: SMSC did not reach $*: $(cat "$RUN/ctl.last")"
}

# run_start NAME SMSC_LISTEN_ADDR KANNEL_HOST BIND_MODE(transceiver|pair) [RELAY6_TO]
# With RELAY6_TO (an IPv6 address), Kannel connects to 127.0.0.1 and socat in the ESME
# namespace relays each connection to [RELAY6_TO]:PORT from ESME6: Kannel 1.4.5's SMPP client
# resolves hosts with gethostbyname() and cannot connect to an IPv6 address itself.
run_start() {
  NAME=$1
  local listen=$2 host=$3 mode=$4 relay6=${5:-}
  RUN="$WORK/$NAME"; mkdir -p "$RUN"; chmod 0777 "$RUN"
  CTL="$RUN/smsc.sock"
  python3 "$KDIR/render_conf.py" "$KDIR/kannel.conf" "$RUN/kannel.conf" "$host" "$PORT" "$mode" "$RUN" \
    "${CONF_EXTRA[@]}" || die "$NAME: cannot write $RUN/kannel.conf"
  CONF_EXTRA=()

  # tcpdump on the SMSC side: full packets (-s 0), handed over at once (--immediate-mode: no
  # packet may sit in the ring buffer when we stop it) and written packet by packet (-U),
  # kept root (-Z root) so that it may write into the run directory.
  ip netns exec "$NS_SMSC" timeout "$RUN_TIMEOUT" tcpdump -i smsc0 -s 0 --immediate-mode -U -n -Z root \
    -w "$RUN/capture.pcap" "tcp port $PORT" 2>"$RUN/tcpdump.log" &
  CAP_PID=$!
  wait_for 100 grep -q "listening on" "$RUN/tcpdump.log" || die "$NAME: tcpdump did not start: $(cat "$RUN/tcpdump.log")"

  ip netns exec "$NS_SMSC" timeout "$RUN_TIMEOUT" python3 "$KDIR/test_smsc.py" --listen "$listen" \
    --port "$PORT" --control "$CTL" --log "$RUN/smsc.jsonl" --max-seconds "$((RUN_TIMEOUT - 5))" \
    "${SMSC_EXTRA[@]}" 2>"$RUN/smsc.stderr" &
  SMSC_PID=$!
  SMSC_EXTRA=()
  wait_for 100 test -S "$CTL" || die "$NAME: test SMSC did not start: $(cat "$RUN/smsc.stderr")"

  if [ -n "$relay6" ]; then
    ip netns exec "$NS_ESME" timeout "$RUN_TIMEOUT" socat -d \
      "TCP4-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" "TCP6:[$relay6]:$PORT,bind=[$ESME6]" \
      2>"$RUN/socat.log" &
    RELAY_PID=$!
    wait_for 100 in_ns "$NS_ESME" sh -c "ss -Hltn 'sport = :$PORT' | grep -q 127.0.0.1" \
      || die "$NAME: socat relay not listening: $(cat "$RUN/socat.log")"
  fi
  ( cd "$RUN" && exec ip netns exec "$NS_ESME" timeout "$RUN_TIMEOUT" /usr/sbin/bearerbox -v 4 "$RUN/kannel.conf" \
      >"$RUN/bearerbox.out" 2>&1 ) &
  BB_PID=$!
  local binds=1; [ "$mode" = pair ] && binds=2
  ctl_wait "bound=$binds"
  ( cd "$RUN" && exec ip netns exec "$NS_ESME" timeout "$RUN_TIMEOUT" /usr/sbin/smsbox -v 4 "$RUN/kannel.conf" \
      >"$RUN/smsbox.out" 2>&1 ) &
  SB_PID=$!
  wait_for 150 in_ns "$NS_ESME" curl -s -o /dev/null "http://127.0.0.1:13013/" \
    || die "$NAME: smsbox sendsms port not up (see $RUN/smsbox.log)"
  # smsbox answers HTTP before bearerbox has registered it; a sendsms then would be queued
  # behind the registration, which is harmless, but wait for it to keep the run tidy.
  wait_for 100 grep -q "Client connected from <127.0.0.1>" "$RUN/bearerbox.log" \
    || die "$NAME: smsbox did not connect to bearerbox (see $RUN/bearerbox.log)"
  SUBMITS=0 MOS=0
  log "$NAME: Kannel bound ($mode) to the test SMSC at $host:$PORT"
}

# mt FROM TO CODING(0|2) PARTS DLR_MASK TEXT [META] -- one sendsms request (META: Kannel's
# meta-data parameter, e.g. "?smpp?name=value&..."); waits until the SMSC has
# answered all PARTS submit_sm and Kannel has acked every receipt due (with a DLR mask Kannel
# asks for a receipt on the first part only).
mt() {
  local from=$1 to=$2 coding=$3 parts=$4 dlr=$5 text=$6 meta=${7:-} out
  local args=(-sS -G "$SENDSMS" --data-urlencode "username=$SENDSMS_USER" --data-urlencode "password=$SENDSMS_PASS"
              --data-urlencode "from=$from" --data-urlencode "to=$to" --data-urlencode "text=$text"
              --data-urlencode "coding=$coding" --data-urlencode "charset=UTF-8")
  [ "$dlr" -gt 0 ] && args+=(--data-urlencode "dlr-mask=$dlr")
  [ -n "$meta" ] && args+=(--data-urlencode "meta-data=$meta")
  out=$(in_ns "$NS_ESME" curl "${args[@]}") || die "$NAME: sendsms failed: $out"
  case "$out" in 0:*|3:*) ;; *) die "$NAME: sendsms refused: $out" ;; esac
  SUBMITS=$((SUBMITS + parts))
  ctl_wait "submits=$SUBMITS" "receipts_settled=true"
  sleep 0.2   # a part more than expected would show up here
  ctl_wait "submits=$SUBMITS"
  grep -q "\"submits\": $SUBMITS," "$RUN/ctl.last" \
    || die "$NAME: Kannel sent more than $parts part(s) for one message: $(cat "$RUN/ctl.last")"
  log "$NAME: MT $from -> $to coding=$coding: $parts submit_sm"
}

# mo FROM TO DATA_CODING(0|8) TEXT -- the SMSC sends one deliver_sm, Kannel acks it
mo() {
  local json
  json=$(python3 -c 'import json,sys; print(json.dumps({"cmd": "mo", "from": sys.argv[1], "to": sys.argv[2], "coding": int(sys.argv[3]), "text": sys.argv[4]}, ensure_ascii=False))' "$@")
  ctl "$json" >"$RUN/ctl.last" || die "$NAME: MO not acked: $(cat "$RUN/ctl.last")"
  MOS=$((MOS + 1))
  log "$NAME: MO $1 -> $2 data_coding=$3"
}

# run_end OUTFILE -- at least one enquire_link, then Kannel shuts down (unbind), then the
# SMSC and tcpdump stop; the capture is checked and copied to OUTFILE.
run_end() {
  local out=$1 binds=1
  ctl_wait "enquire_links=1"
  grep -q "transceiver-mode = false" "$RUN/kannel.conf" && binds=2
  stop_pid "$SB_PID"; SB_PID=""
  # bearerbox on SIGTERM: graceful shutdown, the SMPP driver sends unbind and waits for
  # unbind_resp on every connection.
  kill -TERM "$BB_PID" 2>/dev/null || true
  ctl_wait "unbinds=$binds"
  stop_pid "$BB_PID"; BB_PID=""
  stop_pid "$RELAY_PID"; RELAY_PID=""
  ctl '{"cmd": "quit"}' >/dev/null || true
  stop_pid "$SMSC_PID"; SMSC_PID=""
  sleep 1     # the last FIN/ACKs
  stop_pid "$CAP_PID" INT; CAP_PID=""
  # Kannel 1.4.5 sometimes panics in its own shutdown ("Cannot die by its own will", thread
  # join in http_close_all_ports) after the SMPP unbind is done: harmless for the capture.
  # A panic before shutdown is a failed run.
  local f
  for f in "$RUN/bearerbox.log" "$RUN/smsbox.log"; do
    [ -f "$f" ] || continue
    if sed '/shutting down/,$d' "$f" | grep -q "PANIC:"; then
      die "$NAME: Kannel panicked (see $f)"
    elif grep -q "PANIC:" "$f"; then
      log "$NAME: note: $(basename "$f" .log) panicked while shutting down, after the unbind (Kannel 1.4.5)"
    fi
  done
  cp "$RUN/capture.pcap" "$out"
  chmod 0644 "$out"
  check_capture "$out" "$binds"
}

check_capture() { # file binds -- packets, SMPP PDUs, bad checksums, one unbind per bind, the
                  # password never in the SMSC log
  local f=$1 binds=$2 pk pdus bad unbinds
  pk=$(tshark -r "$f" 2>/dev/null | wc -l)
  pdus=$(tshark -r "$f" -Y smpp -T fields -e smpp.command_id 2>/dev/null | tr ',' '\n' | grep -c . || true)
  bad=$(tshark -r "$f" -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status==0' 2>/dev/null | wc -l)
  log "$(basename "$f"): $pk packets, $pdus SMPP PDUs, $bad bad checksums"
  [ "$bad" -eq 0 ] || die "$(basename "$f") has bad checksums"
  [ "$pdus" -gt 0 ] || die "$(basename "$f") has no SMPP PDU"
  unbinds=$(tshark -r "$f" -Y smpp -T fields -e smpp.command_id 2>/dev/null | tr ',' '\n' | grep -c '^0x80000006$' || true)
  [ "$unbinds" -eq "$binds" ] || die "$(basename "$f"): $unbinds unbind_resp, expected $binds"
  ! grep -q "nolog-pw" "$RUN/smsc.jsonl" || die "the SMPP password leaked into the SMSC log"
}

# ---- the captures --------------------------------------------------------------------------
# Numbers are invented but well-formed Vietnamese numbers; senders are invented alphanumeric
# brand-like names (the scam pattern) and service short codes.

readonly TXT_GSM7="Tai khoan cua ban da bi khoa, truy cap http://vcb-secure.top de mo khoa"
readonly TXT_EXT='Uu dai 50% [VIP] {ShopeeVN}: nap 100k tang 200k ~ gia tri ^2 | ma: A\B, phi 1€'
readonly TXT_UCS2="Công an TP thông báo: bạn có liên quan đến vụ án rửa tiền, gọi ngay 0987654321"
readonly TXT_UCS2_SHORT="Bạn trúng thưởng 500 triệu đồng từ Shopee, nhận tại: bit.ly/qua-tang"
readonly TXT_LONG_GSM7="CANH BAO: Tai khoan VCB cua quy khach se bi tam khoa trong 24 gio do phat hien dang nhap bat thuong tu thiet bi la. De tranh bi khoa vinh vien, quy khach vui long truy cap https://vcb-xacthuc.top/kyc va nhap ten dang nhap, mat khau, ma OTP de xac thuc lai thong tin. Sau khi xac thuc, tai khoan se duoc mo lai ngay. Moi thac mac lien he tong dai ho tro 0987654321 (24/7). Tran trong, Vietcombank."
readonly TXT_LONG_UCS2="Cục Cảnh sát hình sự thông báo: tài khoản ngân hàng của bạn liên quan đến đường dây rửa tiền. Để không bị khởi tố, hãy chuyển toàn bộ số dư vào tài khoản tạm giữ 0123456789 tại BIDV và gọi ngay 0987654321 gặp cán bộ điều tra."
readonly TXT_DLR="BIDV: Ma OTP cua quy khach la 482913. Khong cung cap ma nay cho bat ky ai."
readonly TXT_MO_GSM7="Toi vua nhan tin nhan gia mao VCB tu so 0987654321, de nghi chan"
readonly TXT_MO_UCS2="Tôi nhận được cuộc gọi giả danh công an từ số 0987654321"

# GSM-7 short texts (plain and with extension characters), a receipt, an MO.
capture_gsm7() {
  run_start gsm7 "$SMSC4" "$SMSC4" transceiver
  mt VCB        +84912345678 0 1 0  "$TXT_GSM7"
  mt ShopeeVN   0987001122   0 1 0  "$TXT_EXT"
  mt BIDV-Bank  +84903456789 0 1 3  "$TXT_DLR"
  mo +84912345678 9029 0 "$TXT_MO_GSM7"
  run_end "$OUTDIR/kannel-smpp-gsm7.pcap"
}

# Vietnamese (accented) text in UCS-2: 78 characters (two parts, more than 70) with a receipt,
# 68 characters (one part), and an MO in UCS-2.
capture_ucs2() {
  run_start ucs2-vietnamese "$SMSC4" "$SMSC4" transceiver
  mt +84888123456 +84976543210 2 2 3  "$TXT_UCS2"
  mt 0868999000   0912888777   2 1 0  "$TXT_UCS2_SHORT"
  mo +84976543210 5656 8 "$TXT_MO_UCS2"
  run_end "$OUTDIR/kannel-smpp-ucs2-vietnamese.pcap"
}

# Concatenated messages: 396-char GSM-7 (3 parts) and 225-char UCS-2 (4 parts), UDH IEI 0x00;
# the GSM-7 one with dlr-mask 31 (registered_delivery 0x11, on the first part only).
capture_multipart() {
  run_start multipart "$SMSC4" "$SMSC4" transceiver
  mt Vietcombank +84912345678 0 3 31 "$TXT_LONG_GSM7"
  mt +84977111222 0903222333 2 4 0  "$TXT_LONG_UCS2"
  run_end "$OUTDIR/kannel-smpp-multipart.pcap"
}

# IPv6, transmitter + receiver binds (two TCP connections): MT on the transmitter, receipt and
# MO on the receiver. Kannel -> 127.0.0.1 -> socat -> IPv6 (see run_start): the PDUs on the
# IPv6 wire are Kannel's, byte for byte; the TCP segmentation is socat's.
capture_ipv6() {
  run_start ipv6 "$SMSC6" 127.0.0.1 pair "$SMSC6"
  mt VCB +84912345678 0 1 3  "$TXT_GSM7"
  mo +84912345678 9029 0 "$TXT_MO_GSM7"
  run_end "$OUTDIR/kannel-smpp-ipv6.pcap"
}

# The other two ways a long text travels in SMPP 3.4, both made by Kannel itself:
# (1) SAR TLVs: the 396-char GSM-7 text as three separate submit_sm of 160/160/76 characters,
#     no UDH, each with sar_msg_ref_num/sar_total_segments/sar_segment_seqnum from sendsms
#     meta-data (Kannel packs them once tests/kannel/sar-tlv.conf defines them); this is how
#     Kannel users send SAR, Kannel's own splitter always writes a UDH;
# (2) message_payload: with max-sms-octets = 1000 Kannel does not split at all, and SMPP 3.4
#     puts any short_message over 254 octets into the message_payload TLV (sm_length 0).
capture_sar() {
  CONF_EXTRA=("max-sms-octets = 1000" "$KDIR/sar-tlv.conf")
  run_start sar-payload "$SMSC4" "$SMSC4" transceiver
  local i n=3 ref=42
  for i in 1 2 3; do
    mt Vietcombank +84912345678 0 1 0 "${TXT_LONG_GSM7:$(((i - 1) * 160)):160}" \
      "?smpp?sar_msg_ref_num=$ref&sar_total_segments=$n&sar_segment_seqnum=$i"
  done
  mt Vietcombank +84912345678 0 1 0 "$TXT_LONG_GSM7"
  mt +84977111222 0903222333 2 1 3 "$TXT_LONG_UCS2"
  run_end "$OUTDIR/kannel-smpp-sar-payload.pcap"
}

# ---- behaviour captures (docs/behaviour-captures.md) ------------------------------------------

# mt_file FILE -- one mt per line of tests/kannel/FILE (from TAB to TAB coding TAB parts TAB text),
# in order, no receipts.
mt_file() {
  local from to coding parts text n=0
  while IFS=$'\t' read -r from to coding parts text; do
    case "$from" in '#'*|'') continue ;; esac
    mt "$from" "$to" "$coding" "$parts" 0 "$text" </dev/null
    n=$((n + 1))
  done <"$KDIR/$1"
  log "$NAME: $n messages from $1"
}

# An SMS scam campaign: one template from 15 numeric senders to 1-3 recipients each (28 SMS).
capture_campaign() {
  run_start behaviour-campaign "$SMSC4" "$SMSC4" transceiver
  mt_file behaviour-campaign.tsv
  run_end "$OUTDIR/kannel-smpp-behaviour-campaign.pcap"
}

# Clean: a bank's OTP sender. Kannel binds as esme-vcb, the account config/lists/brands.txt
# registers the sender name VCB to, and sends 40 codes to 40 distinct recipients.
capture_otp() {
  CONF_EXTRA=('smsc-username = "esme-vcb"')
  SMSC_EXTRA=(--esme-system-id esme-vcb)
  run_start behaviour-otp "$SMSC4" "$SMSC4" transceiver
  mt_file behaviour-otp.tsv
  run_end "$OUTDIR/kannel-smpp-behaviour-otp.pcap"
}

main() {
  local r
  setup_netns
  for r in "${RUNS[@]}"; do "capture_$r"; done
  log "captures written to $OUTDIR: ${RUNS[*]}"
}

main
