#!/usr/bin/env bash
# output.redis_stream (docs/redis.md, "Central events") against a real redis-server started here on a
# Unix socket: `replay` of pcaps/ puts every event line into the stream exactly as it writes it to
# --events (in order with one worker, as a set with two, and with no events file at all); with the
# server killed first, the replay still succeeds, the file still has every event, and --stats
# counts what was not delivered.
set -uo pipefail
bin=${SCAMGATE_BIN:?}
src=${SCAMGATE_SOURCE_DIR:-.}
# shellcheck source=lib/redis_test.sh
source "$(dirname "$0")/lib/redis_test.sh"
# Every entry's event field, one per line, oldest first (--raw: id, field name, value per entry;
# a JSON line holds no raw newline).
stream_events() { cli --raw XRANGE "$1" - + | awk 'NR % 3 == 0'; }

start_server

cat >"$work/stream.yaml" <<YAML
output:
  redis_stream: "unix://$sock"
  redis_stream_key: "test:events"
YAML

# 1. One worker: the stream is the events file, line for line, in order.
"$bin" replay -c "$work/stream.yaml" --events "$work/events.jsonl" --stats json "$src/pcaps" >"$work/stats.json" 2>"$work/stderr"
check "replay with the stream exits 0" [ $? -eq 0 ]
lines=$(wc -l <"$work/events.jsonl")
check "pcaps/ gives events ($lines)" [ "$lines" -gt 20 ]
check "XLEN equals the events file's line count" [ "$(cli XLEN test:events)" = "$lines" ]
check "the first entry's event is the file's first line" \
  [ "$(cli --raw XRANGE test:events - + COUNT 1 | sed -n 3p)" = "$(head -n 1 "$work/events.jsonl")" ]
check "the last entry's event is the file's last line" \
  [ "$(cli --raw XREVRANGE test:events + - COUNT 1 | sed -n 3p)" = "$(tail -n 1 "$work/events.jsonl")" ]
stream_events test:events >"$work/stream.jsonl"
check "every entry equals its line of the file, in order" cmp -s "$work/stream.jsonl" "$work/events.jsonl"
check "each entry has the one field event" [ "$(cli --raw XRANGE test:events - + COUNT 1 | sed -n 2p)" = event ]
check "redis.commands_sent is the line count" [ "$(stat_of "$work/stats.json" redis.commands_sent)" = "$lines" ]
check "redis.commands_dropped is 0" [ "$(stat_of "$work/stats.json" redis.commands_dropped)" = 0 ]
check "redis.errors is 0" [ "$(stat_of "$work/stats.json" redis.errors)" = 0 ]
check "redis.connected is 1" [ "$(stat_of "$work/stats.json" redis.connected)" = 1 ]
check "nothing warned" [ ! -s "$work/stderr" ]

# 2. Two workers: the same lines (their order between workers varies).
cli DEL test:events >/dev/null
"$bin" replay -c "$work/stream.yaml" --workers 2 --events "$work/events2.jsonl" "$src/pcaps" 2>"$work/stderr"
check "replay --workers 2 with the stream exits 0" [ $? -eq 0 ]
stream_events test:events | sort >"$work/stream2.sorted"
sort "$work/events2.jsonl" >"$work/events2.sorted"
check "--workers 2: the stream holds exactly the file's lines" cmp -s "$work/stream2.sorted" "$work/events2.sorted"
check "--workers 2: as many lines as one worker" [ "$(wc -l <"$work/events2.jsonl")" = "$lines" ]

# 3. No events file: the stream is the only destination (the summary table is printed).
cli DEL test:events >/dev/null
"$bin" replay -c "$work/stream.yaml" "$src/pcaps" >"$work/table.txt" 2>"$work/stderr"
check "replay without --events exits 0" [ $? -eq 0 ]
stream_events test:events >"$work/stream3.jsonl"
check "without --events: the stream has the same lines" cmp -s "$work/stream3.jsonl" "$work/events.jsonl"
check "without --events: the summary table is printed" grep -q . "$work/table.txt"

# 4. Redis gone before the replay: fail-open, counted, bounded.
stop_server
start=$(date +%s)
"$bin" replay -c "$work/stream.yaml" --events "$work/events-down.jsonl" --stats json "$src/pcaps" >"$work/stats-down.json" 2>"$work/stderr-down"
status=$?
took=$(( $(date +%s) - start ))
check "Redis down: replay still exits 0" [ "$status" -eq 0 ]
check "Redis down: the events file has every event" cmp -s "$work/events-down.jsonl" "$work/events.jsonl"
dropped=$(stat_of "$work/stats-down.json" redis.commands_dropped)
errors=$(stat_of "$work/stats-down.json" redis.errors)
check "Redis down: redis.commands_dropped ($dropped) is every line" [ "$dropped" = "$lines" ]
check "Redis down: redis.errors ($errors) > 0" [ "$errors" -gt 0 ]
check "Redis down: redis.commands_sent is 0" [ "$(stat_of "$work/stats-down.json" redis.commands_sent)" = 0 ]
check "Redis down: redis.connected is 0" [ "$(stat_of "$work/stats-down.json" redis.connected)" = 0 ]
check "Redis down: one warning names the stream and the reason" \
  [ "$(grep -c 'output.redis_stream (unix://.*): cannot connect: ' "$work/stderr-down")" = 1 ]
check "Redis down: the replay took ${took}s (the shutdown flush waits 2 s at most)" [ "$took" -lt 60 ]

# 5. A bad URL is a configuration error (exit 2) naming the key.
printf 'output:\n  redis_stream: "redis://[::1:6379"\n' >"$work/bad.yaml"
"$bin" replay -c "$work/bad.yaml" --events "$work/x.jsonl" "$src/pcaps" 2>"$work/stderr-bad" >/dev/null
check "a bad URL: exit 2" [ $? -eq 2 ]
check "a bad URL: the message names the file, the key and the fault" \
  grep -q "bad.yaml:2: 'output.redis_stream': Redis URL 'redis://\[::1:6379': IPv6 address without its closing ']'" "$work/stderr-bad"

finish
