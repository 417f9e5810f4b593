#include "redis/client.h"

#include "common/quiet_thread.h"

#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <utility>

#include <hiredis/hiredis.h>

namespace scamgate::redis {

namespace {

timeval to_timeval(std::chrono::milliseconds duration) {
    const auto ms = duration.count();
    return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

struct ReplyFree {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

ReplyType reply_type(int hiredis_type) {
    switch (hiredis_type) {
        case REDIS_REPLY_STRING: return ReplyType::string;
        case REDIS_REPLY_ARRAY: return ReplyType::array;
        case REDIS_REPLY_INTEGER: return ReplyType::integer;
        case REDIS_REPLY_STATUS: return ReplyType::status;
        case REDIS_REPLY_ERROR: return ReplyType::error;
        default: return ReplyType::nil;
    }
}

Reply copy_reply(const redisReply& raw) {
    Reply reply;
    reply.type = reply_type(raw.type);
    reply.integer = raw.integer;
    if (raw.str != nullptr) reply.text.assign(raw.str, raw.len);
    reply.elements.reserve(raw.elements);
    for (std::size_t i = 0; i < raw.elements; ++i) reply.elements.push_back(copy_reply(*raw.element[i]));
    return reply;
}

std::size_t bytes_of(const Command& command) {
    std::size_t bytes = 0;
    for (const auto& arg : command.args) bytes += arg.size();
    return bytes;
}

}  // namespace

void Client::ContextFree::operator()(redisContext* context) const { redisFree(context); }

Client::Client(ClientOptions options, Logger& log) : options_(std::move(options)), log_(log) {
    options_.max_pipeline = std::max<std::size_t>(options_.max_pipeline, 1);
    thread_ = start_quiet_thread([this] { run(); });  // SIGPIPE from write(2) stays blocked too
}

Client::~Client() { close(); }

bool Client::enqueue(Command command) {
    const std::size_t bytes = bytes_of(command);
    bool wake = false;
    {
        const std::lock_guard hold(mutex_);
        if (closing_ || queue_.size() >= options_.queue_capacity || queued_bytes_ + bytes > options_.queue_bytes) {
            drop(1);
            return false;
        }
        queue_.push_back(std::move(command));
        queued_bytes_ += bytes;
        wake = thread_waiting_;
    }
    if (wake) wake_.notify_one();
    return true;
}

Command Client::spare() {
    const std::lock_guard hold(mutex_);
    if (spares_.empty()) return {};
    Command command = std::move(spares_.back());
    spares_.pop_back();
    return command;
}

void Client::recycle(std::vector<Command>& sent) {
    {
        const std::lock_guard hold(mutex_);
        for (auto& command : sent) {
            if (spares_.size() >= kMaxSpares) break;
            spares_.push_back(std::move(command));
        }
    }
    sent.clear();
}

void Client::close() {
    {
        const std::lock_guard hold(mutex_);
        if (!closing_) {
            closing_ = true;
            flush_deadline_ = Clock::now() + options_.shutdown_flush;
        }
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

ClientCounters Client::counters() const {
    return ClientCounters{sent_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed),
                          errors_.load(std::memory_order_relaxed), reconnects_.load(std::memory_order_relaxed),
                          connected_.load(std::memory_order_relaxed)};
}

void Client::append_stats(StatsReport& report) const {
    const ClientCounters c = counters();
    const std::string& p = options_.stats_prefix;
    report.add(p + ".commands_sent", c.commands_sent);
    report.add(p + ".commands_dropped", c.commands_dropped);
    report.add(p + ".errors", c.errors);
    report.add(p + ".reconnects", c.reconnects);
    report.add(p + ".connected", c.connected ? 1 : 0);
}

// --- client thread ------------------------------------------------------------------------------

void Client::run() {
    std::chrono::milliseconds backoff = options_.backoff_initial;
    while (!nothing_left_to_send()) {
        if (!context_) {
            if (!connect()) {
                wait_before_retry(backoff);
                backoff = std::min(backoff * 2, options_.backoff_max);
                continue;
            }
        }
        std::deque<Command> batch = take_queued();
        if (batch.empty()) continue;  // closing: the loop condition decides
        send(batch);
        // Back to short retries only once a connection has carried a batch: a server that accepts
        // and then drops every connection is retried with growing delays.
        if (context_) backoff = options_.backoff_initial;
    }
    const std::lock_guard hold(mutex_);
    drop(queue_.size());
    queue_.clear();
    queued_bytes_ = 0;
}

bool Client::nothing_left_to_send() const {
    const std::lock_guard hold(mutex_);
    return closing_ && (queue_.empty() || Clock::now() >= flush_deadline_);
}

bool Client::flush_deadline_passed() const {
    const std::lock_guard hold(mutex_);
    return closing_ && Clock::now() >= flush_deadline_;
}

bool Client::connect() {
    const Endpoint& e = options_.endpoint;
    const timeval timeout = to_timeval(options_.connect_timeout);
    ContextPtr context(e.transport == Transport::tcp ? redisConnectWithTimeout(e.host.c_str(), e.port, timeout)
                                                     : redisConnectUnixWithTimeout(e.path.c_str(), timeout));
    std::string failure;
    if (!context) {
        failure = "cannot allocate a connection";
    } else if (context->err != 0) {
        failure = context->errstr;
    } else if (redisSetTimeout(context.get(), to_timeval(options_.command_timeout)) != REDIS_OK) {
        failure = "cannot set the command timeout";
    } else if (e.transport == Transport::tcp && redisEnableKeepAlive(context.get()) != REDIS_OK) {
        failure = "cannot enable TCP keep-alive";
    } else if (e.db != 0) {
        const std::string db = std::to_string(e.db);
        const char* argv[] = {"SELECT", db.c_str()};
        const std::size_t lengths[] = {6, db.size()};
        ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(context.get(), 2, argv, lengths)));
        if (!reply) failure = fmt::format("SELECT {}: {}", db, context->errstr);
        else if (reply->type == REDIS_REPLY_ERROR) failure = fmt::format("SELECT {}: {}", db, std::string(reply->str, reply->len));
    }
    if (!failure.empty()) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        warn(fmt::format("cannot connect: {}; retrying with back-off", failure));
        return false;
    }
    context_ = std::move(context);
    connected_.store(true, std::memory_order_relaxed);
    if (ever_connected_) {
        reconnects_.fetch_add(1, std::memory_order_relaxed);
        const auto now = Clock::now();
        if (!reconnect_logged_ || now - last_reconnect_log_ >= options_.warn_interval) {
            log_.info("{} ({}): connected again", options_.name, to_string(e));
            reconnect_logged_ = true;
            last_reconnect_log_ = now;
        }
    }
    ever_connected_ = true;
    return true;
}

void Client::disconnect(std::string_view reason) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    warn(fmt::format("connection lost: {}; reconnecting with back-off", reason));
    context_.reset();
    connected_.store(false, std::memory_order_relaxed);
}

void Client::wait_before_retry(std::chrono::milliseconds delay) {
    std::unique_lock hold(mutex_);
    auto until = Clock::now() + delay;
    if (closing_) until = std::min(until, flush_deadline_);
    // Woken early only by close() (then the wait is cut to the flush deadline): commands queued
    // meanwhile wait for the connection.
    const bool was_closing = closing_;
    wake_.wait_until(hold, until, [&] { return closing_ != was_closing; });
}

std::deque<Command> Client::take_queued() {
    std::unique_lock hold(mutex_);
    thread_waiting_ = true;
    wake_.wait(hold, [&] { return !queue_.empty() || closing_; });
    thread_waiting_ = false;
    // Something arrived: let more gather for `linger` (producers do not notify meanwhile), so a
    // steady trickle goes out as pipelines rather than one round trip, and a few syscalls and
    // context switches on both sides, per command. close() cuts the wait short.
    if (!closing_ && queue_.size() < options_.max_pipeline && options_.linger.count() > 0) {
        wake_.wait_for(hold, options_.linger, [&] { return closing_; });
    }
    std::deque<Command> batch;
    if (closing_ && Clock::now() >= flush_deadline_) return batch;  // run() drops what is left
    batch.swap(queue_);
    queued_bytes_ = 0;
    return batch;
}

void Client::send(std::deque<Command>& batch) {
    // A deque's elements are not contiguous: chunks are moved into a vector first.
    std::vector<Command> chunk;
    chunk.reserve(std::min(batch.size(), options_.max_pipeline));
    while (!batch.empty()) {
        if (!context_ || flush_deadline_passed()) {
            drop(batch.size());
            return;
        }
        chunk.clear();
        while (!batch.empty() && chunk.size() < options_.max_pipeline) {
            chunk.push_back(std::move(batch.front()));
            batch.pop_front();
        }
        send_chunk(chunk);
        recycle(chunk);
    }
}

bool Client::send_chunk(std::span<Command> chunk) {
    for (const Command& command : chunk) {
        argv_.clear();
        argv_lengths_.clear();
        for (const auto& arg : command.args) {
            argv_.push_back(arg.data());
            argv_lengths_.push_back(arg.size());
        }
        if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv_.size()), argv_.data(), argv_lengths_.data()) != REDIS_OK) {
            drop(chunk.size());
            disconnect("out of memory while appending a command");
            return false;
        }
    }
    for (std::size_t i = 0; i < chunk.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(context_.get(), &raw) != REDIS_OK) {
            // Whether Redis ran the unanswered commands is unknown; they are not sent again
            // (XADD is not idempotent): counted as dropped.
            drop(chunk.size() - i);
            disconnect(context_->errstr[0] != '\0' ? context_->errstr : "no reply");
            return false;
        }
        const ReplyPtr reply(static_cast<redisReply*>(raw));
        sent_.fetch_add(1, std::memory_order_relaxed);
        if (reply->type == REDIS_REPLY_ERROR) {
            errors_.fetch_add(1, std::memory_order_relaxed);
            warn(fmt::format("{} answered: {}", chunk[i].args.empty() ? "" : chunk[i].args.front(),
                             std::string(reply->str, reply->len)));
        }
        if (options_.on_reply) options_.on_reply(chunk[i], copy_reply(*reply));
    }
    return true;
}

void Client::warn(std::string_view what) {
    const auto now = Clock::now();
    if (warned_ && now - last_warning_ < options_.warn_interval) {
        ++warnings_suppressed_;
        return;
    }
    if (warnings_suppressed_ > 0) {
        log_.warn("{} ({}): {} ({} more problems since the last warning; see {}.errors)", options_.name,
                  to_string(options_.endpoint), what, warnings_suppressed_, options_.stats_prefix);
    } else {
        log_.warn("{} ({}): {}", options_.name, to_string(options_.endpoint), what);
    }
    warned_ = true;
    last_warning_ = now;
    warnings_suppressed_ = 0;
}

}  // namespace scamgate::redis
