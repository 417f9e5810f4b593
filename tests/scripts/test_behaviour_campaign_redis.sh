#!/usr/bin/env bash
# behaviour.sms_campaign shared through Redis (docs/behaviour.md, "Across gateways", campaigns),
# with a real redis-server started here on a Unix socket, on the Kannel campaign capture
# (pcaps/kannel-smpp-behaviour-campaign.pcap: one template from 15 senders, 28 SMS; one instance
# seeing everything flags the SMS of senders 10-15, docs/behaviour-captures.md):
#  - the capture cut in two by frames (tshark) where the 7th sender's first submit_sm starts:
#    senders 1-6 for instance gw-a, senders 7-15 for gw-b (its half starts mid-connection, after
#    the bind). Neither half alone reaches 10 distinct senders: no sms_campaign without Redis.
#  - with one Redis, gw-a's replay then gw-b's: gw-b flags exactly the SMS one instance seeing
#    everything flags, the first with "10 distinct senders" (gw-b was primed with gw-a's campaign
#    at start). Redis holds the campaign under its 4 band keys with TTLs, and no number in clear.
# Exit status: 0 all passed, 1 a check failed, 77 (skip) without redis-server, redis-cli or tshark.
set -uo pipefail
bin=${SCAMGATE_BIN:?SCAMGATE_BIN: the scamgate binary (ctest sets it)}
src=${SCAMGATE_SOURCE_DIR:-.}
pcap=$src/pcaps/kannel-smpp-behaviour-campaign.pcap
[ -f "$pcap" ] || { echo "SKIP: $pcap missing (scripts/capture-smpp.sh pcaps campaign)"; exit 77; }
REDIS_TEST_TOOLS=tshark
# shellcheck source=lib/redis_test.sh
source "$(dirname "$0")/lib/redis_test.sh"
# "sender>recipient" of every submit_sm carrying behaviour.sms_campaign, sorted, one line.
campaign_sms() {
  python3 - "$1" <<'EOF'
import json, sys
found = []
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if e.get("smpp", {}).get("command") != "submit_sm":
        continue
    if any(c.get("name") == "behaviour.sms_campaign" for c in e.get("checks", [])):
        found.append(f"{e['sender']['address']}>{e['recipient']['address']}")
print(" ".join(sorted(found)))
EOF
}
sms_in() {
  python3 -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("smpp", {}).get("command") == "submit_sm"))' "$1"
}
config() {  # file instance url
  printf 'behaviour:\n  redis: "%s"\n  redis_instance: "%s"\n  redis_interval: 0.05\n' "$3" "$2" >"$1"
}
replay() {  # config events stats input...
  local cfg=$1 events=$2 stats=$3; shift 3
  "$bin" replay -c "$cfg" --events "$events" --stats json "$@" >"$stats" 2>>"$work/stderr"
}

# The frame of the 7th distinct sender's first submit_sm: gw-b's half starts there.
cut=$(tshark -r "$pcap" -Y 'smpp.command_id == 0x00000004' -T fields -e frame.number -e smpp.source_addr 2>/dev/null |
  awk -F'\t' '{ split($2, s, ","); if (!(s[1] in seen)) { seen[s[1]] = 1; n++; if (n == 7) { print $1; exit } } }')
check "the 7th sender's first submit_sm found (frame $cut)" [ -n "$cut" ]
tshark -r "$pcap" -Y "frame.number < $cut" -F pcap -w "$work/a.pcap" 2>/dev/null
tshark -r "$pcap" -Y "frame.number >= $cut" -F pcap -w "$work/b.pcap" 2>/dev/null
total=$(tshark -r "$pcap" 2>/dev/null | wc -l)
part_a=$(tshark -r "$work/a.pcap" 2>/dev/null | wc -l)
part_b=$(tshark -r "$work/b.pcap" 2>/dev/null | wc -l)
check "the two parts hold every packet ($part_a + $part_b = $total)" [ $((part_a + part_b)) -eq "$total" ]

config "$work/local.yaml" gw-local ""
replay "$work/local.yaml" "$work/whole.jsonl" "$work/whole.stats" "$pcap"
whole=$(campaign_sms "$work/whole.jsonl")
check "one instance, the whole capture: 28 SMS, sms_campaign on 11 (senders 10-15)" \
  [ "$(sms_in "$work/whole.jsonl"):$(wc -w <<<"$whole")" = "28:11" ]
replay "$work/local.yaml" "$work/a-alone.jsonl" "$work/a-alone.stats" "$work/a.pcap"
replay "$work/local.yaml" "$work/b-alone.jsonl" "$work/b-alone.stats" "$work/b.pcap"
check "senders 1-6 alone, without Redis: 11 SMS, no sms_campaign" \
  [ "$(sms_in "$work/a-alone.jsonl"):$(campaign_sms "$work/a-alone.jsonl")" = "11:" ]
check "senders 7-15 alone, without Redis: 17 SMS, no sms_campaign" \
  [ "$(sms_in "$work/b-alone.jsonl"):$(campaign_sms "$work/b-alone.jsonl")" = "17:" ]

start_server
config "$work/a.yaml" gw-a "unix://$sock"
config "$work/b.yaml" gw-b "unix://$sock"
replay "$work/a.yaml" "$work/a.jsonl" "$work/a.stats" "$work/a.pcap"
check "gw-a replays senders 1-6: exit 0, no sms_campaign" [ $? -eq 0 ] && [ -z "$(campaign_sms "$work/a.jsonl")" ]
# (--stats is printed before the engine's last flush: Redis itself shows what gw-a wrote.)
band_keys=$(cli --raw KEYS 'scamgate:behaviour:*' | grep -E '^scamgate:behaviour:\{c[0-3][0-9a-f]{4}\}$' | sort)
check "gw-a's campaign is under 4 band keys, one per band ($(tr '\n' ' ' <<<"$band_keys"))" \
  [ "$(grep -c . <<<"$band_keys"):$(sed -E 's/.*\{c([0-3]).*/\1/' <<<"$band_keys" | sort -u | tr -d '\n')" = "4:0123" ]
ttl_ok=1 field_ok=1
for k in $band_keys; do
  t=$(cli PTTL "$k")
  { [ "$t" -gt $((2 * 3600 * 1000)) ] && [ "$t" -le $(((2 * 3600 + 60) * 1000)) ]; } || ttl_ok=0
  cli --raw HKEYS "$k" | grep -Eq '^gw-a:[0-9a-f]{16}$' || field_ok=0
done
check "each band key has gw-a:<fingerprint> and a TTL of 2 x the campaign window + at most 60 s" [ "$ttl_ok$field_ok" = 11 ]
check "the campaigns' hot set has a TTL" [ "$(cli PTTL 'scamgate:behaviour:{chot}')" -gt 0 ]

replay "$work/b.yaml" "$work/b.jsonl" "$work/b.stats" "$work/b.pcap"
check "gw-b replays senders 7-15: exit 0, 17 SMS" [ $? -eq 0 ] && [ "$(sms_in "$work/b.jsonl")" = 17 ]
check "gw-b flags exactly the SMS one instance seeing all flags" [ "$(campaign_sms "$work/b.jsonl")" = "$whole" ]
first=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    for c in e.get("checks", []):
        if c["name"] == "behaviour.sms_campaign":
            print(c["evidence"]); sys.exit()' "$work/b.jsonl")
check "gw-b's first member counts gw-a's senders: 10 distinct senders ($first)" grep -q ": 10 distinct senders" <<<"$first"
check "gw-b: behaviour.redis_peer_campaigns >= 1, redis_campaign_reads >= 1" \
  [ "$(stat_of "$work/b.stats" behaviour.redis_peer_campaigns)" -ge 1 ] && \
  [ "$(stat_of "$work/b.stats" behaviour.redis_campaign_reads)" -ge 1 ]
check "gw-b: behaviour.redis_errors 0, behaviour.redis_bad_blobs 0" \
  [ "$(stat_of "$work/b.stats" behaviour.redis_errors):$(stat_of "$work/b.stats" behaviour.redis_bad_blobs)" = "0:0" ]
check "no phone number is stored in clear (the first sender's, 84962183540)" [ -z "$(cli --raw KEYS '*84962183540*')" ] && \
  ! cli --raw HVALS "$(head -n 1 <<<"$band_keys")" | grep -aq 84962183540

finish
