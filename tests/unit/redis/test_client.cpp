#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include "common/log.h"
#include "redis/client.h"
#include "redis/event_stream.h"
#include "redis_server.h"

using namespace scamgate;
using namespace std::chrono_literals;
using scamgate::test_support::RedisServer;
using scamgate::test_support::eventually;
using scamgate::test_support::redis_server_installed;

namespace {

// Options for a test: short back-off and timeouts so a test takes well under a second per step.
redis::ClientOptions test_options(const std::string& url) {
    redis::ClientOptions options;
    options.endpoint = redis::parse_url(url);
    options.backoff_initial = 10ms;
    options.backoff_max = 100ms;
    options.connect_timeout = 500ms;
    options.command_timeout = 500ms;
    options.shutdown_flush = 2000ms;
    return options;
}

redis::Command rpush(const std::string& key, std::size_t i) { return redis::Command{{"RPUSH", key, std::to_string(i)}}; }

std::string string_of(const test_support::RedisReplyPtr& reply) {
    return reply && reply->str != nullptr ? std::string(reply->str, reply->len) : std::string();
}

}  // namespace

TEST_CASE("a client pipelines every queued command to redis-server, in order, replies to its callback" *
          doctest::skip(!redis_server_installed())) {
    RedisServer server;
    std::ostringstream log_text;
    Logger log(log_text);
    std::atomic<std::uint64_t> replies{0};
    std::atomic<long long> last_length{0};
    auto options = test_options(server.url());
    options.on_reply = [&](const redis::Command& command, const redis::Reply& reply) {
        if (command.args.front() != "RPUSH" || reply.type != redis::ReplyType::integer) return;
        ++replies;
        last_length = reply.integer;
    };
    constexpr std::size_t kCommands = 20000;
    {
        redis::Client client(options, log);
        for (std::size_t i = 0; i < kCommands; ++i) REQUIRE(client.enqueue(rpush("list", i)));
        client.close();
        const auto c = client.counters();
        CHECK(c.commands_sent == kCommands);
        CHECK(c.commands_dropped == 0);
        CHECK(c.errors == 0);
        CHECK(c.reconnects == 0);
        CHECK(c.connected);
        // Sent commands come back for reuse, their strings' memory with them.
        const redis::Command reused = client.spare();
        REQUIRE(reused.args.size() == 3);
        CHECK(reused.args[0] == "RPUSH");
    }
    CHECK(replies == kCommands);
    CHECK(last_length == static_cast<long long>(kCommands));
    CHECK(server.command({"LLEN", "list"})->integer == static_cast<long long>(kCommands));
    CHECK(string_of(server.command({"LINDEX", "list", "0"})) == "0");
    CHECK(string_of(server.command({"LINDEX", "list", "-1"})) == std::to_string(kCommands - 1));
    CHECK(log_text.str().empty());
}

TEST_CASE("a client counts the error replies, and the command goes to the callback as an error" *
          doctest::skip(!redis_server_installed())) {
    RedisServer server;
    std::ostringstream log_text;
    Logger log(log_text);
    std::string error_text;
    auto options = test_options(server.url());
    options.on_reply = [&](const redis::Command&, const redis::Reply& reply) {
        if (reply.type == redis::ReplyType::error) error_text = reply.text;
    };
    redis::Client client(options, log);
    client.enqueue(redis::Command{{"SET", "k", "v"}});
    client.enqueue(redis::Command{{"INCR", "k"}});  // not an integer: an error reply
    client.close();
    CHECK(client.counters().commands_sent == 2);
    CHECK(client.counters().errors == 1);
    CHECK(error_text.find("not an integer") != std::string::npos);
    CHECK(log_text.str().find("INCR answered: ERR value is not an integer") != std::string::npos);
}

TEST_CASE("a full queue drops the command and counts it, and nothing blocks while Redis is unreachable") {
    test_support::TempDir dir("redis-none");
    std::ostringstream log_text;
    Logger log(log_text);
    auto options = test_options("unix://" + (dir / "nobody.sock"));
    options.queue_capacity = 10;
    options.shutdown_flush = 100ms;
    redis::Client client(options, log);
    std::size_t accepted = 0;
    for (std::size_t i = 0; i < 100; ++i) accepted += client.enqueue(rpush("list", i)) ? 1 : 0;
    CHECK(accepted == 10);
    CHECK(client.counters().commands_dropped == 90);
    client.close();  // the 10 queued ones wait for a connection that never comes
    const auto c = client.counters();
    CHECK(c.commands_dropped == 100);
    CHECK(c.commands_sent == 0);
    CHECK(c.errors >= 1);  // the failed connects
    CHECK_FALSE(c.connected);
    CHECK_FALSE(client.enqueue(rpush("list", 0)));  // closed: dropped
    CHECK(client.counters().commands_dropped == 101);
    // One warning for all the failed connects (at most one a minute), naming the reason.
    const std::string text = log_text.str();
    CHECK(text.find("cannot connect: ") != std::string::npos);
    CHECK(text.find("No such file or directory") != std::string::npos);
    CHECK(text.find("cannot connect", text.find("cannot connect") + 1) == std::string::npos);
}

TEST_CASE("the server killed mid-run: commands are counted, enqueue stays fast, the client reconnects to the restarted server" *
          doctest::skip(!redis_server_installed())) {
    RedisServer server;
    std::ostringstream log_text;
    Logger log(log_text);
    auto options = test_options(server.url());
    options.queue_capacity = 1000;
    redis::Client client(options, log);
    for (std::size_t i = 0; i < 100; ++i) client.enqueue(rpush("before", i));
    REQUIRE(eventually([&] { return client.counters().commands_sent == 100; }));
    CHECK(server.command({"LLEN", "before"})->integer == 100);

    server.kill();
    // A burst of 20000 enqueues with Redis gone: the caller never waits on it. What proves it
    // is the drop count below (a full queue refuses at once instead of waiting for room); the
    // time is reported, not asserted: speed belongs to bench/, not to a unit test.
    constexpr std::size_t kBurst = 20000;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < kBurst; ++i) client.enqueue(rpush("during", i));
    const auto burst = std::chrono::steady_clock::now() - start;
    MESSAGE("20000 enqueues with the server gone took ",
            std::chrono::duration_cast<std::chrono::microseconds>(burst).count(), " µs");
    REQUIRE(eventually([&] { return !client.counters().connected; }));
    // The queue holds 1000 at most: the rest of the burst was dropped at once.
    CHECK(client.counters().commands_dropped >= kBurst - 1000);
    CHECK(client.counters().errors >= 1);

    server.start();  // the same socket, an empty server
    REQUIRE(eventually([&] { return client.counters().connected; }));
    CHECK(client.counters().reconnects == 1);
    // What the queue held from the burst goes out first; once it has (every command so far sent
    // or dropped), the queue has room again.
    REQUIRE(eventually([&] {
        const auto c = client.counters();
        return c.commands_sent + c.commands_dropped == 100 + kBurst;
    }));
    for (std::size_t i = 0; i < 50; ++i) client.enqueue(rpush("after", i));
    client.close();
    const auto c = client.counters();
    INFO("log: " << log_text.str());
    INFO("sent " << c.commands_sent << ", dropped " << c.commands_dropped << ", errors " << c.errors);
    CHECK(server.command({"LLEN", "after"})->integer == 50);
    // Every command is accounted for: answered, or dropped (queue full, lost with the connection).
    CHECK(c.commands_sent + c.commands_dropped == 100 + kBurst + 50);
    CHECK(c.commands_sent >= 150);
    CHECK(log_text.str().find("connected again") != std::string::npos);
}

TEST_CASE("the event stream: XADD KEY MAXLEN ~ N * event LINE, without the line's newline") {
    redis::EventStreamSettings settings;
    settings.url = "unix:///nonexistent.sock";
    const auto command = redis::EventStream::command_for(settings, "{\"a\":1}\n");
    CHECK(command.args == std::vector<std::string>{"XADD", "scamgate:events", "MAXLEN", "~", "1000000", "*", "event", "{\"a\":1}"});
    settings.maxlen = 0;
    settings.key = "k";
    CHECK(redis::EventStream::command_for(settings, "x").args == std::vector<std::string>{"XADD", "k", "*", "event", "x"});
}

TEST_CASE("the event stream delivers each line as the field event of one entry" * doctest::skip(!redis_server_installed())) {
    RedisServer server;
    std::ostringstream log_text;
    Logger log(log_text);
    redis::EventStreamSettings settings;
    settings.url = server.url() + "?db=2";
    settings.key = "events";
    redis::EventStream stream(settings, log);
    stream.add("{\"n\":1}\n");
    stream.add("{\"n\":2}\n");
    stream.add("{\"text\":\"C\xC3\xB4ng an\"}\n");
    stream.close();
    StatsReport stats;
    stream.append_stats(stats);
    CHECK(stats.at("redis.commands_sent") == 3);
    CHECK(stats.at("redis.commands_dropped") == 0);
    CHECK(stats.at("redis.errors") == 0);
    CHECK(stats.at("redis.reconnects") == 0);
    CHECK(stats.at("redis.connected") == 1);
    CHECK(server.command({"XLEN", "events"})->integer == 0);  // db 0: not there
    auto c = server.connect();
    REQUIRE(c);
    test_support::RedisReplyPtr selected(static_cast<redisReply*>(redisCommand(c.get(), "SELECT 2")));
    test_support::RedisReplyPtr range(static_cast<redisReply*>(redisCommand(c.get(), "XRANGE events - +")));
    REQUIRE(range);
    REQUIRE(range->type == REDIS_REPLY_ARRAY);
    REQUIRE(range->elements == 3);
    const redisReply* last_fields = range->element[2]->element[1];
    REQUIRE(last_fields->elements == 2);
    CHECK(std::string(last_fields->element[0]->str) == "event");
    CHECK(std::string(last_fields->element[1]->str) == "{\"text\":\"C\xC3\xB4ng an\"}");
    CHECK(std::string(range->element[0]->element[1]->element[1]->str) == "{\"n\":1}");
}
