# Sourced by the script tests that run scamgate against a redis-server of their own on a Unix
# socket (test_redis_stream.sh, test_behaviour_redis.sh, test_learned_redis.sh). Gives:
#   $work (a temporary folder removed at exit), $sock (the server's socket), $fails and $passes;
#   check DESCRIPTION COMMAND...   counts and prints one result;
#   cli ARGS...                    redis-cli on the test's server;
#   stat_of STATS.json KEY         one counter of `--stats json` ("absent" when missing);
#   start_server / stop_server     the server (killed with -9: a crash, not a clean shutdown);
#   finish                         prints the tally and exits 0 when nothing failed, else 1.
# Exits 77 (skip) when redis-server, redis-cli, python3 or a tool named in REDIS_TEST_TOOLS is
# missing. The server keeps nothing on disk (--save '' --appendonly no) and listens on no port.
for tool in redis-server redis-cli python3 ${REDIS_TEST_TOOLS:-}; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/deps test installs it)"; exit 77; }
done
work=$(mktemp -d /tmp/scamgate-redis-test.XXXXXX)
sock=$work/r.sock
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=; fi
}
trap 'stop_server; rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache   # the signature cache of this test only
fails=0 passes=0
check() {  # description, condition...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); echo "ok   $what"; else fails=$((fails + 1)); echo "FAIL $what"; fi
}
cli() { redis-cli -s "$sock" "$@"; }
stat_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "absent"))' "$1" "$2"; }
start_server() {
  redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no --daemonize no \
    --logfile "$work/redis.log" --dir "$work" &
  server_pid=$!
  for _ in $(seq 100); do [ "$(cli PING 2>/dev/null)" = PONG ] && break; sleep 0.05; done
  if [ "$(cli PING 2>/dev/null)" != PONG ]; then echo "FAIL redis-server did not start"; cat "$work/redis.log"; exit 1; fi
}
finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
  exit $?
}
