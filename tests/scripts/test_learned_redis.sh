#!/usr/bin/env bash
# The learned list shared through Redis (behaviour.redis; docs/behaviour.md "Shared through
# Redis"), against a real redis-server started here on a Unix socket:
#  1. instance A: `replay --learn` of pcaps/sipp-behaviour-wangiri.pcap: its Wangiri finding puts
#     +22200990011 into Redis (sorted set score = expiry, meta "ADDED behaviour.wangiri", TTLs);
#  2. instance B (another config, another lists.learned file, same Redis): a replay of the same
#     capture judges its first call by A's finding: "learned", rule reject-learned;
#  3. the same replay without behaviour.redis: the first call is not on the list;
#  4. a removal elsewhere (the tombstone `lists remove` writes, made here with redis-cli): A, whose
#     own file still has the number, drops it at its first read and does not write it back;
#  5. Redis gone: the replay still exits 0 within a bounded time, deciding on the local list.
set -uo pipefail
bin=${SCAMGATE_BIN:-build/scamgate}
src=${SCAMGATE_SOURCE_DIR:-.}
pcap=$src/pcaps/sipp-behaviour-wangiri.pcap
[ -f "$pcap" ] || { echo "SKIP: $pcap missing (scripts/capture-sipp.sh makes it)"; exit 77; }
# shellcheck source=lib/redis_test.sh
source "$(dirname "$0")/lib/redis_test.sh"
# The first event's lists and rule: "learned reject-learned", or " allow-..." when not on the list.
first_call() {
  python3 - "$1" <<'PY'
import json, sys
first = json.loads(open(sys.argv[1]).readline())
assert first["caller"]["user"] == "+22200990011", first["caller"]
print(",".join(first.get("lists", [])), first.get("rule", ""))
PY
}
instance() {  # name [redis url]: a config of its own, with its own lists.learned file
  mkdir -p "$work/$1"
  {
    echo "lists:"
    echo "  learned: learned.txt"
    echo "  learned_ttl: 86400"
    if [ -n "${2:-}" ]; then echo "behaviour:"; echo "  redis: \"$2\""; fi
  } >"$work/$1/scamgate.yaml"
}

start_server

instance a "unix://$sock"
instance b "unix://$sock"
instance local

# 1. A learns the Wangiri caller and shares it.
"$bin" replay -c "$work/a/scamgate.yaml" --learn --events "$work/a.jsonl" --stats json "$pcap" >"$work/a.stats" 2>"$work/a.log"
check "A: replay --learn exits 0" [ $? -eq 0 ]
check "A: its own file holds the caller" grep -q '^+22200990011 .* behaviour.wangiri$' "$work/a/learned.txt"
score=$(cli ZSCORE 'scamgate:{learned}:entries' n:22200990011)
expires=$(awk '/^\+22200990011 /{print $2}' "$work/a/learned.txt")
check "A: Redis holds n:22200990011 with its expiry as score ($score = $expires)" [ -n "$score" ] && [ "$score" = "$expires" ]
meta=$(cli HGET 'scamgate:{learned}:meta' n:22200990011)
check "A: the meta is 'ADDED behaviour.wangiri' ($meta)" [ "$meta" = "$(awk '/^\+22200990011 /{print $3}' "$work/a/learned.txt") behaviour.wangiri" ]
for key in entries meta version; do
  ttl=$(cli TTL "scamgate:{learned}:$key")
  check "A: scamgate:{learned}:$key has a TTL ($ttl s)" [ "$ttl" -gt 0 ]
done
added=$(stat_of "$work/a.stats" lists.learned.added)
check "A: lists.learned_redis.entries_sent is lists.learned.added ($added: the first finding, then each later one extends it)" \
  [ "$(stat_of "$work/a.stats" lists.learned_redis.entries_sent)" = "$added" ] && [ "$added" -ge 1 ]
check "A: lists.learned_redis.errors is 0" [ "$(stat_of "$work/a.stats" lists.learned_redis.errors)" = 0 ]
check "A: nothing warned" [ ! -s "$work/a.log" ]

# 2. B, with an empty file of its own, judges the first call by A's finding.
"$bin" replay -c "$work/b/scamgate.yaml" --events "$work/b.jsonl" --stats json "$pcap" >"$work/b.stats" 2>"$work/b.log"
check "B: replay exits 0" [ $? -eq 0 ]
check "B: the first call is on 'learned', rule reject-learned ($(first_call "$work/b.jsonl"))" \
  [ "$(first_call "$work/b.jsonl")" = "learned reject-learned" ]
check "B: lists.learned_redis.loaded is 1" [ "$(stat_of "$work/b.stats" lists.learned_redis.loaded)" = 1 ]
check "B: lists.learned_redis.entries_merged is 1" [ "$(stat_of "$work/b.stats" lists.learned_redis.entries_merged)" = 1 ]
check "B: lists.learned_redis.anomalies is 0" [ "$(stat_of "$work/b.stats" lists.learned_redis.anomalies)" = 0 ]
check "B: its own file was not written (no --learn)" [ ! -e "$work/b/learned.txt" ]

# 3. Without behaviour.redis the same replay does not know the number at its first call.
"$bin" replay -c "$work/local/scamgate.yaml" --events "$work/local.jsonl" "$pcap" 2>"$work/local.log"
check "local: replay exits 0" [ $? -eq 0 ]
check "local: the first call is not on a list ($(first_call "$work/local.jsonl"))" \
  [ "$(first_call "$work/local.jsonl" | cut -d' ' -f1)" = "" ]

# 4. Removed elsewhere (what `scamgate lists remove` on another instance writes, made here with
#    redis-cli): A, whose own file still holds the number, drops it at its first read (the
#    tombstone is newer than the entry), before its first call.
now=$(date +%s)
cli ZREM 'scamgate:{learned}:entries' n:22200990011 >/dev/null
cli HDEL 'scamgate:{learned}:meta' n:22200990011 >/dev/null
cli ZADD 'scamgate:{learned}:removed' "$now" n:22200990011 >/dev/null
cli INCR 'scamgate:{learned}:version' >/dev/null
check "A before: its file still holds the number" grep -q '^+22200990011 ' "$work/a/learned.txt"
"$bin" replay -c "$work/a/scamgate.yaml" --events "$work/a2.jsonl" --stats json "$pcap" >"$work/a2.stats" 2>"$work/a2.log"
check "A after the removal: replay exits 0" [ $? -eq 0 ]
check "A after the removal: the first call is not on a list ($(first_call "$work/a2.jsonl"))" \
  [ "$(first_call "$work/a2.jsonl" | cut -d' ' -f1)" = "" ]
check "A after the removal: lists.learned_redis.entries_retracted is 1" \
  [ "$(stat_of "$work/a2.stats" lists.learned_redis.entries_retracted)" = 1 ]

# 5. Redis gone: fail-open, bounded (2 s for the first read, 2 s to flush at the end).
stop_server
start=$(date +%s)
"$bin" replay -c "$work/b/scamgate.yaml" --events "$work/down.jsonl" --stats json "$pcap" >"$work/down.stats" 2>"$work/down.log"
status=$?
took=$(( $(date +%s) - start ))
check "Redis down: replay exits 0" [ "$status" -eq 0 ]
check "Redis down: as many events as with Redis" [ "$(wc -l <"$work/down.jsonl")" = "$(wc -l <"$work/b.jsonl")" ]
check "Redis down: the replay took ${took}s (< 10)" [ "$took" -lt 10 ]
check "Redis down: lists.learned_redis.loaded is 0" [ "$(stat_of "$work/down.stats" lists.learned_redis.loaded)" = 0 ]
check "Redis down: lists.learned_redis.errors > 0" [ "$(stat_of "$work/down.stats" lists.learned_redis.errors)" -gt 0 ]
check "Redis down: a warning says the list was not read" grep -q "shared learned list (unix://.*): not read within 2000 ms" "$work/down.log"

finish
