#pragma once
// output.redis_stream: every event line also goes to a Redis stream, as
// `XADD KEY MAXLEN ~ N * event LINE`, through a Client (off the caller's thread, fail-open: when
// Redis is slow or gone the line is dropped and counted, the event file is unaffected).
// docs/redis.md, "Central events".
#include <cstdint>
#include <string>
#include <string_view>

#include "common/log.h"
#include "common/stats.h"
#include "redis/client.h"

namespace scamgate::redis {

struct EventStreamSettings {
    std::string url;                     // output.redis_stream; empty: off
    std::string key = "scamgate:events"; // output.redis_stream_key
    std::uint64_t maxlen = 1000000;      // output.redis_stream_maxlen: approximate trim; 0: no trim

    bool enabled() const { return !url.empty(); }
};

class EventStream {
public:
    // Throws UrlError for a bad URL. Connects in the background.
    EventStream(const EventStreamSettings& settings, Logger& log);

    // Queues one event line (its trailing newline is not sent). Never blocks.
    void add(std::string_view line);
    // Sends what is queued (for a bounded time) and stops; the counters stay readable.
    void close() { client_.close(); }
    // redis.commands_sent, redis.commands_dropped, redis.errors, redis.reconnects, redis.connected.
    void append_stats(StatsReport& report) const { client_.append_stats(report); }

    // The command add() queues for `line` (exposed for tests).
    static Command command_for(const EventStreamSettings& settings, std::string_view line);

private:
    // Makes `command` the XADD of `line`, reusing the memory of its strings.
    static void fill(const EventStreamSettings& settings, const std::string& maxlen, std::string_view line, Command& command);

    EventStreamSettings settings_;
    std::string maxlen_;  // settings_.maxlen as text
    Client client_;
};

}  // namespace scamgate::redis
