#pragma once
// One connection to Redis, run on its own thread, so that Redis latency never reaches the caller.
// The caller (a packet or output thread) only enqueues commands into a bounded queue and never
// blocks: when the queue is full the command is dropped and counted. The client thread takes
// everything queued (after a short linger, so a trickle is batched too) and sends it as pipelines
// (all of a chunk appended, then the replies read), reconnects with exponential back-off, and
// warns at most once per warn_interval with the reason.
// Counters (append_stats): <prefix>.commands_sent, .commands_dropped, .errors, .reconnects,
// .connected. docs/redis.md.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/stats.h"
#include "redis/endpoint.h"

struct redisContext;  // hiredis

namespace scamgate::redis {

// One command as Redis receives it: its arguments, binary-safe ({"XADD", key, ...}).
struct Command {
    std::vector<std::string> args;
};

enum class ReplyType : std::uint8_t { string, array, integer, nil, status, error };

// A reply, copied out of hiredis's for a ReplyHandler.
struct Reply {
    ReplyType type = ReplyType::nil;
    long long integer = 0;         // integer
    std::string text;              // string, status, error
    std::vector<Reply> elements;   // array
};

// What for_each_string_pair() skipped.
struct PairWalk {
    bool bad_shape = false;       // not an array of an even number of elements (nor nil)
    std::size_t truncated = 0;    // pairs beyond `max`
    std::size_t not_strings = 0;  // pairs with an element that is not a string
};

// Walks a reply of pairs (HGETALL, ZRANGE ... WITHSCORES): visit(first, second) for each of the
// first `max` pairs whose two elements are strings. A nil reply (no such key) is no pairs.
template <typename Visit>
PairWalk for_each_string_pair(const Reply& reply, std::size_t max, Visit&& visit) {
    PairWalk walk;
    if (reply.type == ReplyType::nil) return walk;
    if (reply.type != ReplyType::array || reply.elements.size() % 2 != 0) {
        walk.bad_shape = true;
        return walk;
    }
    const std::size_t pairs = reply.elements.size() / 2;
    if (pairs > max) walk.truncated = pairs - max;
    for (std::size_t i = 0; i < pairs && i < max; ++i) {
        const Reply& first = reply.elements[2 * i];
        const Reply& second = reply.elements[2 * i + 1];
        if (first.type != ReplyType::string || second.type != ReplyType::string) {
            ++walk.not_strings;
            continue;
        }
        visit(first.text, second.text);
    }
    return walk;
}

// Run on the client thread for every reply read (error replies included), with the command it
// answers. Must not block for long: the next pipeline waits for it.
using ReplyHandler = std::function<void(const Command&, const Reply&)>;

struct ClientOptions {
    Endpoint endpoint;
    std::string name = "redis";                     // names the client in log lines
    std::string stats_prefix = "redis";             // counters <prefix>.commands_sent, ...
    std::size_t queue_capacity = 65536;             // commands waiting at most; beyond: dropped
    std::size_t queue_bytes = 64u << 20;            // argument bytes waiting at most; beyond: dropped
    std::size_t max_pipeline = 1024;                // commands per round trip
    std::chrono::milliseconds linger{2};            // once woken, wait this long for more commands
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds command_timeout{1000};  // a reply slower than this counts as an I/O error
    std::chrono::milliseconds backoff_initial{100};   // first retry after a failed connect; doubles
    std::chrono::milliseconds backoff_max{10000};
    std::chrono::milliseconds shutdown_flush{2000};   // close() sends what is queued for this long at most
    std::chrono::milliseconds warn_interval{60000};   // one warning per interval at most
    ReplyHandler on_reply;                            // empty: replies are only checked for errors
};

struct ClientCounters {
    std::uint64_t commands_sent = 0;     // commands Redis answered (error replies included)
    std::uint64_t commands_dropped = 0;  // never answered: queue full, lost with a connection, left at close
    std::uint64_t errors = 0;            // error replies, failed connects, I/O errors and timeouts
    std::uint64_t reconnects = 0;        // connections made after the first one
    bool connected = false;
};

class Client {
public:
    // Starts the client thread, which connects in the background: an unreachable server is not an
    // error here (it is warned about and retried).
    Client(ClientOptions options, Logger& log);
    ~Client();  // close()
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Queues a command for the client thread. Never blocks (one short mutex hold, no I/O); false
    // when it was dropped (queue full, or the client is closed), which is counted.
    bool enqueue(Command command);

    // A command the client thread has sent, handed back for reuse (empty when there is none):
    // refilling its strings reuses their memory. Without it every command's buffers would be
    // allocated on the caller's thread and freed on the client's, which costs glibc's malloc far
    // more than the copy (measured: a replay's main thread spent twice as long in _int_malloc).
    Command spare();

    // Sends what is queued for up to shutdown_flush (waiting for the connection if need be), then
    // stops the thread; what is still queued is counted as dropped. Idempotent.
    void close();

    ClientCounters counters() const;
    void append_stats(StatsReport& report) const;

private:
    struct ContextFree {
        void operator()(redisContext* context) const;
    };
    using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kMaxSpares = 4096;

    void run();
    bool connect();
    void disconnect(std::string_view reason);
    // Waits until something is queued or close() was called; takes the whole queue.
    std::deque<Command> take_queued();
    void send(std::deque<Command>& batch);
    void recycle(std::vector<Command>& sent);
    bool send_chunk(std::span<Command> chunk);
    void wait_before_retry(std::chrono::milliseconds delay);
    bool flush_deadline_passed() const;
    // Closing, and the queue is empty or the flush deadline has passed.
    bool nothing_left_to_send() const;
    void drop(std::size_t commands) { dropped_.fetch_add(commands, std::memory_order_relaxed); }
    void warn(std::string_view what);

    ClientOptions options_;
    Logger& log_;

    mutable std::mutex mutex_;  // guards the queue and the closing state
    std::condition_variable wake_;
    std::deque<Command> queue_;
    std::vector<Command> spares_;  // sent commands, back for reuse; at most kMaxSpares
    std::size_t queued_bytes_ = 0;
    bool thread_waiting_ = false;  // the client thread sleeps on wake_: producers notify only then
    bool closing_ = false;
    Clock::time_point flush_deadline_{};

    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> errors_{0};
    std::atomic<std::uint64_t> reconnects_{0};
    std::atomic<bool> connected_{false};

    // Client thread only.
    ContextPtr context_;
    bool ever_connected_ = false;
    Clock::time_point last_warning_{};
    bool warned_ = false;
    std::uint64_t warnings_suppressed_ = 0;
    Clock::time_point last_reconnect_log_{};
    bool reconnect_logged_ = false;
    std::vector<const char*> argv_;
    std::vector<std::size_t> argv_lengths_;

    std::thread thread_;  // last: starts once everything above exists
};

}  // namespace scamgate::redis
