// behaviour.redis: blobs, merges, and two engines sharing one real redis-server.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "behaviour/behaviour.h"
#include "behaviour/shared_blob.h"
#include "behaviour/sharing.h"
#include "behaviour_test_support.h"
#include "redis/redis_server.h"

namespace scamgate::behaviour {
namespace {

using namespace test;

std::span<const std::uint8_t> bytes_of(const std::string& blob) {
    return {reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()};
}

CallerState busy_caller(const Settings& s) {
    CallerState c;
    for (int i = 0; i < 5; ++i) {
        c.attempts.add(at_s(i), s.call_rate.window, 0);
        c.callees.add(at_s(i), s.callee_spray.window, item_hash(std::to_string(i)));
    }
    c.outcomes.add(at_s(6), s.short_calls.window, CallOutcome::ended);
    c.outcomes.add(at_s(6), s.short_calls.window, CallOutcome::answered);
    c.concurrent = 3;
    c.run_length = 7;  // not shared
    return c;
}

TEST_CASE("blob round trip: every shared component and its window, not the sequential run") {
    const Settings s;
    const CallerState c = busy_caller(s);
    std::string blob;
    REQUIRE(encode_blob(KeyState{c}, s, blob));
    // 4 header + attempts (8+8+4+4) + callees (8+8+32+32) + outcomes (8+8+12+12) + concurrent 4
    CHECK(blob.size() == 4 + 24 + 80 + 40 + 4);
    const auto decoded = decode_blob(bytes_of(blob));
    REQUIRE(decoded.has_value());
    const auto* d = std::get_if<CallerState>(&decoded->state);
    REQUIRE(d != nullptr);
    CHECK(d->attempts.start == c.attempts.start);
    CHECK(d->attempts.current == c.attempts.current);
    CHECK(d->callees.current.words == c.callees.current.words);
    CHECK(d->outcomes.current == c.outcomes.current);
    CHECK(d->concurrent == 3);
    CHECK(d->run_length == 0);
    CHECK(decoded->windows[0] == s.call_rate.window);
    CHECK(decoded->windows[1] == s.callee_spray.window);
    CHECK(decoded->windows[2] == s.short_calls.window);

    std::string empty;
    CHECK_FALSE(encode_blob(KeyState{}, s, empty));
    CHECK(empty.empty());
}

TEST_CASE("bad blobs are refused whole") {
    const Settings s;
    std::string blob;
    REQUIRE(encode_blob(KeyState{busy_caller(s)}, s, blob));
    CHECK_FALSE(decode_blob(bytes_of(blob.substr(0, blob.size() - 1))).has_value());  // truncated
    CHECK_FALSE(decode_blob(bytes_of(blob + "x")).has_value());                      // trailing byte
    std::string version = blob;
    version[0] = 2;
    CHECK_FALSE(decode_blob(bytes_of(version)).has_value());
    std::string kind = blob;
    kind[1] = 9;
    CHECK_FALSE(decode_blob(bytes_of(kind)).has_value());
    std::string misaligned = blob;
    misaligned[4 + 8] = static_cast<char>(misaligned[4 + 8] + 1);  // attempts' bucket start + 1 ns
    CHECK_FALSE(decode_blob(bytes_of(misaligned)).has_value());
    std::string zero_window = blob;
    for (int i = 0; i < 8; ++i) zero_window[4 + i] = 0;
    CHECK_FALSE(decode_blob(bytes_of(zero_window)).has_value());
    CHECK_FALSE(decode_blob({}).has_value());
}

TEST_CASE("merge: aligned buckets sum, one window apart becomes previous, older or misaligned ignored") {
    const Timestamp w = seconds(60);
    WindowCounter a, b;
    for (int i = 0; i < 4; ++i) a.add(at_s(i), w, 0);
    for (int i = 0; i < 5; ++i) b.add(at_s(10 + i), w, 0);
    merge_window(a, b, w);
    CHECK(a.count(at_s(20), w) == 9);

    WindowCounter older, newer;
    for (int i = 0; i < 6; ++i) older.add(at_s(i), w, 0);  // bucket [0, 60)
    newer.add(at_s(61), w, 0);                              // bucket [60, 120)
    WindowCounter merged = newer;
    merge_window(merged, older, w);
    CHECK(merged.start == newer.start);
    CHECK(merged.previous[0] == 6);
    CHECK(merged.current[0] == 1);
    WindowCounter reversed = older;  // the same whichever side holds the newer bucket
    merge_window(reversed, newer, w);
    CHECK(reversed.previous == merged.previous);
    CHECK(reversed.current == merged.current);

    WindowCounter expired;
    expired.add(at_s(0), w, 0);
    WindowCounter late;
    late.add(at_s(150), w, 0);  // two windows later
    merge_window(late, expired, w);
    CHECK(late.previous[0] == 0);
    CHECK(late.current[0] == 1);

    WindowCounter other_window;  // bucket of a 90 s window: not aligned with 60 s buckets
    other_window.add(at_s(100), seconds(90), 0);
    WindowCounter mine;
    mine.add(at_s(130), w, 0);
    merge_window(mine, other_window, w);
    CHECK(mine.count(at_s(130), w) == 1);
}

TEST_CASE("merge: distinct bitmaps unite (an item both saw counts once), concurrent counts sum") {
    const Settings s;
    WangiriState a, b;
    for (int i = 0; i < 6; ++i) a.callees.add(at_s(i), s.wangiri.window, item_hash(std::to_string(i)));
    for (int i = 4; i < 10; ++i) b.callees.add(at_s(i), s.wangiri.window, item_hash(std::to_string(i)));
    WangiriState both;  // one instance that saw all ten
    for (int i = 0; i < 10; ++i) both.callees.add(at_s(i), s.wangiri.window, item_hash(std::to_string(i)));
    merge_state(a, b, s);
    CHECK(a.callees.current.words == both.callees.current.words);
    CHECK(a.callees.estimate(at_s(20), s.wangiri.window) == both.callees.estimate(at_s(20), s.wangiri.window));
    CHECK(a.callees.estimate(at_s(20), s.wangiri.window) < 11);  // not 12: the two shared items count once

    AccountState x, y;
    x.concurrent = 4;
    y.concurrent = 5;
    merge_state(x, y, s);
    CHECK(x.concurrent == 9);

    SharedState p{KeyState{WangiriState{}}, {}};
    SharedState q{KeyState{SourceState{}}, {}};
    CHECK_FALSE(merge_shared(p, q));  // two kinds under one key: refused
}

TEST_CASE("redis key names carry the key hash as a cluster hash tag, and parse back") {
    CHECK(Sharing::redis_key(0x1234abcdULL) == "scamgate:behaviour:{000000001234abcd}");
    CHECK(Sharing::key_of("scamgate:behaviour:{000000001234abcd}") == 0x1234abcdULL);
    CHECK_FALSE(Sharing::key_of("scamgate:behaviour:{hot}").has_value());
    CHECK_FALSE(Sharing::key_of("other:{000000001234abcd}").has_value());
    CHECK_FALSE(Sharing::key_of("scamgate:behaviour:{00000000123zabcd}").has_value());
}

// Short-ring calls of one caller to distinct callees, ending at `at` (CANCEL after 2 s of ring).
void short_rings(Engine& engine, const Settings& s, std::string_view caller, int first, int count, double at) {
    for (int i = first; i < first + count; ++i) {
        const std::string callee = number(84900000000, static_cast<std::uint64_t>(i));
        CallEnded ended;
        ended.caller = caller;
        ended.callee = callee;
        ended.invite = at_s(at + i);
        ended.end = at_s(at + i + 2);
        ended.cancelled = true;
        engine.call_ended(ended, s);
    }
}

std::uint64_t stat(const Engine& engine, const std::string& name) {
    StatsReport report;
    engine.append_stats(report);
    return report.at(name);
}

TEST_CASE("two engines on one redis-server: the second decides on the first's Wangiri calls" *
          doctest::skip(!test_support::redis_server_installed())) {
    test_support::RedisServer server;
    Settings s = quiet_settings();
    s.wangiri.min_calls = 10;
    s.wangiri.min_callees = 8;
    const std::string caller = "442079460000";
    const std::string next_callee = number(84900000000, 99);
    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);

    SharingSettings a_sharing{server.url(), "gateway-a", seconds(0.05), std::chrono::milliseconds(2000)};
    {
        Engine a(Capacity{4096, 256}, a_sharing, log);
        short_rings(a, s, caller, 0, 9, 0);
        CHECK_FALSE(has(a.observe(call(caller, next_callee, at_s(40)), s), "behaviour.wangiri"));
    }  // its last changes are written as it goes

    // The key's hash in Redis has gateway-a's field; no number in clear.
    const std::string key = Sharing::redis_key(key_hash(KeyKind::wangiri_caller, caller));
    auto fields = server.command({"HKEYS", key});
    REQUIRE(fields->type == REDIS_REPLY_ARRAY);
    REQUIRE(fields->elements == 1);
    CHECK(std::string(fields->element[0]->str) == "gateway-a");
    auto ttl = server.command({"PTTL", key});
    CHECK(ttl->integer > 2 * 3600 * 1000);  // 2 x the Wangiri window + slack
    CHECK(ttl->integer <= (2 * 3600 + 60) * 1000);

    SharingSettings b_sharing = a_sharing;
    b_sharing.instance = "gateway-b";
    Engine b(Capacity{4096, 256}, b_sharing, log);
    CHECK(stat(b, "behaviour.redis_peer_keys") >= 1);  // primed before its first contact
    short_rings(b, s, caller, 9, 1, 20);  // the tenth short ring, seen here
    const auto found = b.observe(call(caller, next_callee, at_s(41)), s);
    CHECK(has(found, "behaviour.wangiri"));
    CHECK(evidence_of(found, "behaviour.wangiri").find("10 short-ring calls") != std::string::npos);
    CHECK(stat(b, "behaviour.redis_errors") == 0);
    CHECK(stat(b, "behaviour.redis_bad_blobs") == 0);

    Engine alone(Capacity{4096, 256});  // the same tenth call without the shared state
    short_rings(alone, s, caller, 9, 1, 20);
    CHECK_FALSE(has(alone.observe(call(caller, next_callee, at_s(41)), s), "behaviour.wangiri"));
}

TEST_CASE("a bad blob in Redis is counted and ignored" * doctest::skip(!test_support::redis_server_installed())) {
    test_support::RedisServer server;
    const Settings s = quiet_settings();
    const std::string caller = "442079460001";
    const std::string key = Sharing::redis_key(key_hash(KeyKind::caller, caller));
    server.command({"HSET", key, "intruder", "not a blob"});
    server.command({"ZADD", "scamgate:behaviour:{hot}", "1", key.substr(key.find('{') + 1, 16)});
    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);
    Engine b(Capacity{4096, 256}, SharingSettings{server.url(), "b", seconds(0.05), std::chrono::milliseconds(2000)}, log);
    CHECK(stat(b, "behaviour.redis_bad_blobs") == 1);
    CHECK(stat(b, "behaviour.redis_peer_keys") == 0);
    CHECK(b.observe(call(caller, "84900000001", at_s(1)), s).empty());
}

TEST_CASE("Redis gone: decisions go on on local state, errors are counted, the start is not held up" *
          doctest::skip(!test_support::redis_server_installed())) {
    const Settings base = quiet_settings();
    Settings s = base;
    s.call_rate.per_caller = 3;
    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);
    const auto started = std::chrono::steady_clock::now();
    Engine e(Capacity{4096, 256},
             SharingSettings{"unix:///nonexistent/scamgate-test.sock", "x", seconds(0.05), std::chrono::milliseconds(2000)},
             log);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500));
    const std::string caller = "442079460002";
    CHECK(e.observe(call(caller, "84900000001", at_s(1)), s).empty());
    CHECK(e.observe(call(caller, "84900000002", at_s(2)), s).empty());
    CHECK(has(e.observe(call(caller, "84900000003", at_s(3)), s), "behaviour.call_rate"));
    CHECK(stat(e, "behaviour.redis_errors") >= 1);
    CHECK(stat(e, "behaviour.redis_connected") == 0);
}

}  // namespace
}  // namespace scamgate::behaviour
