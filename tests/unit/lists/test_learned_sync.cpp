// The learned list shared through Redis (lists/learned_sync.h): the encoding of members, meta and
// scores, the decoding of what Redis answers (bounded, anomalies counted), the merge rules with
// tombstones, the commands sent, and two or three instances against a real redis-server.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lists/learned_list.h"
#include "lists/learned_sync.h"
#include "redis/redis_server.h"

using namespace scamgate::lists;
using scamgate::redis::Command;
using scamgate::redis::Reply;
using scamgate::redis::ReplyType;
using scamgate::test_support::eventually;
using scamgate::test_support::redis_server_installed;
using scamgate::test_support::RedisServer;

namespace {

constexpr std::int64_t kNow = 1'796'475'204;  // 2026-12-05
constexpr std::int64_t kDay = 86400;

LearnedKey key_of(const std::string& text) { return *parse_learned_key(text); }

Reply text(std::string s) { return Reply{ReplyType::string, 0, std::move(s), {}}; }
Reply array(std::vector<Reply> elements) { return Reply{ReplyType::array, 0, {}, std::move(elements)}; }
Reply nil() { return Reply{}; }
Reply pairs(const std::vector<std::pair<std::string, std::string>>& items) {
    std::vector<Reply> elements;
    for (const auto& [a, b] : items) {
        elements.push_back(text(a));
        elements.push_back(text(b));
    }
    return array(std::move(elements));
}

struct Recorder : LearnedObserver {
    std::vector<std::string> seen;
    void on_learned(const LearnedEntry& e) override { seen.push_back("+" + e.key + "@" + std::to_string(e.expires)); }
    void on_removed(const LearnedKey& k) override { seen.push_back("-" + k.key); }
};

std::vector<std::string> args_of(const Command& c) { return c.args; }

LearnedSyncOptions fast(const RedisServer& server) {
    LearnedSyncOptions options;
    options.endpoint = scamgate::redis::parse_url(server.url());
    options.pull_interval = std::chrono::milliseconds(50);
    return options;
}

std::int64_t wall_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

TEST_CASE("members: n:DIGITS and d:DOMAIN round-trip, anything else is refused") {
    CHECK(learned_member(key_of("+22200990011")) == "n:22200990011");
    CHECK(learned_member(key_of("Example.COM")) == "d:example.com");
    for (const std::string& m : std::vector<std::string> {"n:22200990011", "n:1", "n:123456789012345", "d:example.com", "d:a-b.example.org"}) {
        const auto key = parse_learned_member(m);
        REQUIRE(key);
        CHECK(learned_member(*key) == m);
    }
    CHECK(parse_learned_member("n:22200990011")->kind == LearnedKind::number);
    CHECK(parse_learned_member("d:example.com")->kind == LearnedKind::domain);
    for (const std::string& bad : std::vector<std::string>{"", "n:", "n", "22200990011", "x:22200990011", "n:+22200990011",
                                                          "n:1234567890123456", "n:example.com", "d:22200990011", "d:Example.com",
                                                          "d:nodot", "d:a..b", "d:.a.b", "N:1", "n: 1", std::string("n:1\0", 4)}) {
        CHECK_MESSAGE(!parse_learned_member(bad), bad);
    }
    CHECK(!parse_learned_member("d:" + std::string(250, 'a') + ".com"));  // longer than a DNS name
}

TEST_CASE("meta ADDED BY and scores: Unix seconds within 1970..2100, BY 1..64 printable characters") {
    CHECK(learned_meta(kNow, "behaviour.wangiri") == "1796475204 behaviour.wangiri");
    const auto meta = parse_learned_meta("1796475204 behaviour.wangiri");
    REQUIRE(meta);
    CHECK(meta->added == kNow);
    CHECK(meta->by == "behaviour.wangiri");
    CHECK(parse_learned_meta("0 manual")->added == 0);
    for (const std::string& bad : std::vector<std::string> {"", "1796475204", "1796475204 ", " manual", "x manual", "-1 manual", "4102444801 manual",
                                  "1796475204 a b", "1796475204 a\tb", "1.5 manual"}) {
        CHECK_MESSAGE(!parse_learned_meta(bad), bad);
    }
    CHECK(parse_learned_meta("1 " + std::string(64, 'b')));
    CHECK(!parse_learned_meta("1 " + std::string(65, 'b')));
    CHECK(parse_learned_seconds("1796561604") == 1'796'561'604);
    CHECK(parse_learned_seconds("4102444800") == 4'102'444'800);
    for (const std::string& bad : std::vector<std::string> {"", "inf", "-inf", "1.5", "1e9", "-1", "4102444801", " 1", "99999999999999999999"}) {
        CHECK_MESSAGE(!parse_learned_seconds(bad), bad);
    }
}

TEST_CASE("decode_snapshot: entries with their meta, tombstones, stale meta, bad items skipped and counted") {
    const Reply entries = pairs({{"n:22200990011", "1796561604"},
                                 {"d:example.com", "1796500000"},
                                 {"n:33300000001", "1796561604"},  // no meta: added = expires - ttl, by shared
                                 {"n:+1", "1796561604"},           // bad member
                                 {"n:44400000001", "soon"},        // bad score
                                 {"n:55500000001", "1796561604"}});  // bad meta: kept with the defaults
    const Reply removed = pairs({{"n:66600000001", "1796475000"}, {"bogus", "1"}});
    const Reply meta = pairs({{"n:22200990011", "1796475204 behaviour.wangiri"},
                              {"d:example.com", "1796400000 manual"},
                              {"n:55500000001", "garbage"},
                              {"n:77700000001", "1796000000 manual"}});  // its entry is gone: stale
    SnapshotAnomalies anomalies;
    const auto snapshot = decode_snapshot(entries, removed, meta, 100, kDay, anomalies);
    REQUIRE(snapshot.entries.size() == 4);
    CHECK(snapshot.entries[0] == LearnedEntry{"22200990011", LearnedKind::number, 1'796'561'604, kNow, "behaviour.wangiri"});
    CHECK(snapshot.entries[1] == LearnedEntry{"example.com", LearnedKind::domain, 1'796'500'000, 1'796'400'000, "manual"});
    CHECK(snapshot.entries[2] == LearnedEntry{"33300000001", LearnedKind::number, 1'796'561'604, 1'796'561'604 - kDay, "shared"});
    CHECK(snapshot.entries[3] == LearnedEntry{"55500000001", LearnedKind::number, 1'796'561'604, 1'796'561'604 - kDay, "shared"});
    REQUIRE(snapshot.tombstones.size() == 1);
    CHECK(snapshot.tombstones[0].key.key == "66600000001");
    CHECK(snapshot.tombstones[0].removed_at == 1'796'475'000);
    CHECK(snapshot.stale_meta == std::vector<std::string>{"n:77700000001"});
    CHECK(anomalies.bad_member == 2);
    CHECK(anomalies.bad_score == 1);
    CHECK(anomalies.bad_meta == 1);
    CHECK(anomalies.bad_reply == 0);
    CHECK(anomalies.truncated == 0);
    CHECK(anomalies.total() == 4);
}

TEST_CASE("decode_snapshot: wrong shapes are anomalies, missing keys are empty, the bound holds") {
    SnapshotAnomalies anomalies;
    auto snapshot = decode_snapshot(nil(), nil(), nil(), 10, kDay, anomalies);
    CHECK(snapshot.entries.empty());
    CHECK(anomalies.total() == 0);
    snapshot = decode_snapshot(text("x"), array({text("n:1")}), array({array({}), text("y")}), 10, kDay, anomalies);
    CHECK(snapshot.entries.empty());
    CHECK(anomalies.bad_reply == 3);  // not an array; odd length; a field that is not a string
    anomalies = {};
    std::vector<std::pair<std::string, std::string>> many;
    for (int i = 0; i < 5; ++i) many.emplace_back("n:1000" + std::to_string(i), "1796561604");
    snapshot = decode_snapshot(pairs(many), nil(), nil(), 3, kDay, anomalies);
    CHECK(snapshot.entries.size() == 3);
    CHECK(anomalies.truncated == 2);
}

TEST_CASE("the observer hears add, learn, import-style adds and remove, merge and retract stay silent") {
    LearnedList list(10, kDay);
    Recorder recorder;
    list.set_observer(&recorder);
    CHECK(list.learn(key_of("+22200990011"), kNow, "behaviour.wangiri"));
    CHECK(!list.add(LearnedEntry{"22200990011", LearnedKind::number, kNow, kNow, "manual"}));  // earlier expiry: no change, silent
    CHECK(list.merge(LearnedEntry{"33300000001", LearnedKind::number, kNow + kDay, kNow, "shared"}));
    CHECK(list.retract(key_of("+33300000001"), kNow));
    CHECK(list.remove(key_of("+22200990011")));
    CHECK(!list.remove(key_of("+22200990011")));
    CHECK(recorder.seen == std::vector<std::string>{"+22200990011@" + std::to_string(kNow + kDay), "-22200990011"});
    list.set_observer(nullptr);
    CHECK(list.learn(key_of("+44400000001"), kNow, "manual"));
    CHECK(recorder.seen.size() == 2);
}

TEST_CASE("apply_snapshot: the later expiry wins, a tombstone removes what was added before it, not after") {
    LearnedList list(10, kDay);
    Recorder recorder;
    list.set_observer(&recorder);
    list.merge(LearnedEntry{"11100000001", LearnedKind::number, kNow + 100, kNow - 50, "manual"});        // removed on A at kNow
    list.merge(LearnedEntry{"11100000002", LearnedKind::number, kNow + 100, kNow + 10, "behaviour.wangiri"});  // learned again after
    list.merge(LearnedEntry{"11100000003", LearnedKind::number, kNow + 500, kNow, "manual"});             // remote expiry is earlier
    LearnedSnapshot snapshot;
    snapshot.tombstones = {{key_of("+11100000001"), kNow}, {key_of("+11100000002"), kNow}, {key_of("+11100000004"), kNow}};
    snapshot.entries = {LearnedEntry{"11100000003", LearnedKind::number, kNow + 200, kNow, "manual"},
                        LearnedEntry{"11100000004", LearnedKind::number, kNow + 200, kNow - 1, "manual"},  // tombstoned: not taken
                        LearnedEntry{"11100000005", LearnedKind::number, kNow + 300, kNow, "behaviour.call_rate"},
                        LearnedEntry{"example.com", LearnedKind::domain, kNow + 300, kNow, "behaviour.url_spray"}};
    const MergeCounts counts = apply_snapshot(list, snapshot);
    CHECK(counts.retracted == 1);
    CHECK(counts.shadowed == 1);
    CHECK(counts.merged == 2);
    CHECK(!list.contains("11100000001", kNow));
    CHECK(list.contains("11100000002", kNow));
    CHECK(list.contains("11100000003", kNow + 400));  // kept its own later expiry
    CHECK(!list.contains("11100000004", kNow));
    CHECK(list.contains("11100000005", kNow + 299));
    CHECK(!list.contains("11100000005", kNow + 300));
    CHECK(list.contains("example.com", kNow));
    CHECK(recorder.seen.empty());  // nothing read from Redis is written back
}

TEST_CASE("push, remove and snapshot commands, with hash-tagged keys and TTLs on every key") {
    const LearnedRedisKeys keys;
    for (const auto* k : {&keys.entries, &keys.meta, &keys.removed, &keys.version}) CHECK(k->find("{learned}") != std::string::npos);
    const auto push = push_commands(keys, {LearnedEntry{"22200990011", LearnedKind::number, kNow + kDay, kNow, "behaviour.wangiri"},
                                           LearnedEntry{"33300000001", LearnedKind::number, kNow, kNow - kDay, "manual"}},  // expired
                                    kNow, kDay);
    REQUIRE(push.size() == 8);
    CHECK(args_of(push[0]) == std::vector<std::string>{"ZADD", keys.entries, "GT", "1796561604", "n:22200990011"});
    CHECK(args_of(push[1]) == std::vector<std::string>{"HSET", keys.meta, "n:22200990011", "1796475204 behaviour.wangiri"});
    CHECK(args_of(push[2]) == std::vector<std::string>{"EXPIREAT", keys.entries, "1796561604", "NX"});
    CHECK(args_of(push[3]) == std::vector<std::string>{"EXPIREAT", keys.entries, "1796561604", "GT"});
    CHECK(args_of(push[4]) == std::vector<std::string>{"EXPIREAT", keys.meta, "1796561604", "NX"});
    CHECK(args_of(push[5]) == std::vector<std::string>{"EXPIREAT", keys.meta, "1796561604", "GT"});
    CHECK(args_of(push[6]) == std::vector<std::string>{"INCR", keys.version});
    CHECK(args_of(push[7]) == std::vector<std::string>{"EXPIRE", keys.version, "86400"});
    std::vector<LearnedEntry> five;
    for (int i = 0; i < 5; ++i) five.push_back(LearnedEntry{"1000" + std::to_string(i), LearnedKind::number, kNow + 10 + i, kNow, "m"});
    const auto batched = push_commands(keys, five, kNow, kDay, 2);
    CHECK(batched.size() == 3 * 8);  // 2 + 2 + 1 entries
    CHECK(batched[16].args.size() == 5);  // the last ZADD: one entry
    CHECK(batched[2].args[2] == std::to_string(kNow + 11));  // a batch's TTL is its latest expiry
    CHECK(push_commands(keys, {five[0]}, kNow + 100, kDay).empty());

    const auto remove = remove_commands(keys, key_of("example.com"), kNow, kDay);
    REQUIRE(remove.size() == 6);
    CHECK(args_of(remove[0]) == std::vector<std::string>{"ZREM", keys.entries, "d:example.com"});
    CHECK(args_of(remove[1]) == std::vector<std::string>{"HDEL", keys.meta, "d:example.com"});
    CHECK(args_of(remove[2]) == std::vector<std::string>{"ZADD", keys.removed, "1796475204", "d:example.com"});
    CHECK(args_of(remove[3]) == std::vector<std::string>{"EXPIRE", keys.removed, "86400"});

    const auto read = snapshot_commands(keys, kNow, 1000, kDay);
    REQUIRE(read.size() == 5);
    CHECK(args_of(read[0]) == std::vector<std::string>{"ZREMRANGEBYSCORE", keys.entries, "-inf", "1796475204"});
    CHECK(args_of(read[3]) ==
          std::vector<std::string>{"ZRANGEBYSCORE", keys.entries, "(1796475204", "+inf", "WITHSCORES", "LIMIT", "0", "1000"});
    CHECK(read[4].args.front() == "HGETALL");
}

TEST_CASE("two instances on one redis-server: a finding, an add and a removal reach the other within a second" *
          doctest::skip(!redis_server_installed())) {
    RedisServer server;
    std::ostringstream log_text;
    scamgate::Logger log(log_text);
    const std::int64_t now = wall_now();
    LearnedList a(100, kDay);
    LearnedList b(100, kDay);
    b.merge(LearnedEntry{"99900000001", LearnedKind::number, now + kDay, now - 10, "manual"});  // b's own, from its file
    LearnedSync sync_a(a, fast(server), log);
    REQUIRE(sync_a.load_initial(std::chrono::seconds(2)));
    LearnedSync sync_b(b, fast(server), log);
    REQUIRE(sync_b.load_initial(std::chrono::seconds(2)));
    // b's file entry was pushed after b's first read, and reaches a.
    CHECK(eventually([&] { return a.contains("99900000001", now); }));

    const auto learned_at = std::chrono::steady_clock::now();
    a.learn(key_of("+22200990011"), now, "behaviour.wangiri");
    REQUIRE(eventually([&] { return b.contains("22200990011", now); }));
    CHECK(std::chrono::steady_clock::now() - learned_at < std::chrono::seconds(1));
    const auto on_b = b.entries();
    const auto it = std::find_if(on_b.begin(), on_b.end(), [](const LearnedEntry& e) { return e.key == "22200990011"; });
    REQUIRE(it != on_b.end());
    CHECK(it->by == "behaviour.wangiri");
    CHECK(it->added == now);
    CHECK(it->expires == now + kDay);

    // Every key has a TTL (the hash tag keeps them in one Cluster slot).
    for (const std::string& key : std::vector<std::string> {"scamgate:{learned}:entries", "scamgate:{learned}:meta", "scamgate:{learned}:version"}) {
        const auto ttl = server.command({"TTL", key});
        CHECK_MESSAGE(ttl->integer > 0, key);
    }
    CHECK(server.command({"ZSCORE", "scamgate:{learned}:entries", "n:22200990011"})->str == std::to_string(now + kDay));

    // A removal on b removes it on a too, and a's copy is not written back.
    b.remove(key_of("+22200990011"));
    REQUIRE(eventually([&] { return !a.contains("22200990011", now); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a few more pulls on both
    CHECK(!a.contains("22200990011", now));
    CHECK(!b.contains("22200990011", now));
    CHECK(server.command({"ZSCORE", "scamgate:{learned}:entries", "n:22200990011"})->type == REDIS_REPLY_NIL);
    CHECK(server.command({"TTL", "scamgate:{learned}:removed"})->integer > 0);
    CHECK(sync_a.counters().entries_retracted == 1);

    // Learned again later (a new finding): it stands despite the tombstone.
    a.learn(key_of("+22200990011"), now + 5, "behaviour.wangiri");
    CHECK(eventually([&] { return b.contains("22200990011", now + 5); }));

    // A third instance starting now reads the whole list before its first packet.
    LearnedList c(100, kDay);
    LearnedSync sync_c(c, fast(server), log);
    REQUIRE(sync_c.load_initial(std::chrono::seconds(2)));
    CHECK(c.contains("22200990011", now + 5));
    CHECK(c.contains("99900000001", now));
    CHECK(c.size() == 2);
    CHECK(sync_c.counters().anomalies == 0);

    // Something in Redis that is not ours is skipped and counted; the rest is used.
    server.command({"ZADD", "scamgate:{learned}:entries", std::to_string(now + 100), "n:+bogus"});
    server.command({"INCR", "scamgate:{learned}:version"});
    CHECK(eventually([&] { return sync_c.counters().anomalies >= 1; }));
    CHECK(c.size() == 2);

    scamgate::StatsReport stats;
    sync_a.append_stats(stats);
    CHECK(stats.values().at("lists.learned_redis.connected") == 1);
    CHECK(stats.values().at("lists.learned_redis.errors") == 0);
    CHECK(stats.values().at("lists.learned_redis.entries_sent") == 2);
    CHECK(stats.values().at("lists.learned_redis.loaded") == 1);
}

TEST_CASE("Redis unreachable: the first read gives up after the wait, the list works locally, nothing blocks") {
    std::ostringstream log_text;
    scamgate::Logger log(log_text);
    LearnedList list(2000, kDay);
    LearnedSyncOptions options;
    options.endpoint = scamgate::redis::parse_url("unix:///nonexistent/scamgate-test.sock");
    options.pull_interval = std::chrono::milliseconds(20);
    options.poll_timeout = std::chrono::milliseconds(50);
    LearnedSync sync(list, options, log);
    const auto started = std::chrono::steady_clock::now();
    CHECK(!sync.load_initial(std::chrono::milliseconds(300)));
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= std::chrono::milliseconds(300));
    CHECK(waited < std::chrono::seconds(5));  // gave up, did not wait for a server that is not there
    // Learning never waits on Redis: the changes queue (counted below as sent to the client's
    // queue) while the server is unreachable. The time is reported, not asserted (bench/'s job).
    const auto learn_started = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i) list.learn(key_of("+1000" + std::to_string(i)), wall_now(), "behaviour.wangiri");
    MESSAGE("1000 learns with Redis unreachable took ",
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - learn_started).count(), " µs");
    CHECK(list.contains("10000", wall_now()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto counters = sync.counters();
    CHECK(!counters.loaded);
    CHECK(counters.entries_sent == 1000);
    CHECK(counters.pull_timeouts >= 1);
    sync.close();
}

TEST_CASE("an import of 5,000 entries goes to Redis in a few batched commands and reaches the other instance" *
          doctest::skip(!redis_server_installed())) {
    RedisServer server;
    std::ostringstream log_text;
    scamgate::Logger log(log_text);
    const std::int64_t now = wall_now();
    LearnedList a(10000, kDay);
    LearnedList b(10000, kDay);
    LearnedSync sync_a(a, fast(server), log);
    REQUIRE(sync_a.load_initial(std::chrono::seconds(2)));
    LearnedSync sync_b(b, fast(server), log);
    REQUIRE(sync_b.load_initial(std::chrono::seconds(2)));
    for (int i = 0; i < 5000; ++i) {
        a.add(LearnedEntry{std::to_string(4'400'000'000 + i), LearnedKind::number, now + kDay, now, "manual"});
    }
    a.remove(key_of("+4400000000"));  // after its add: ends removed everywhere
    REQUIRE(eventually([&] { return b.size() == 4999; }));
    CHECK(!b.contains("4400000000", now));
    CHECK(b.contains("4400004999", now));
    CHECK(server.command({"ZCARD", "scamgate:{learned}:entries"})->integer == 4999);
    const auto counters = sync_a.counters();
    CHECK(counters.entries_sent == 5000);
    CHECK(counters.removals_sent == 1);
    CHECK(counters.changes_dropped == 0);
    scamgate::StatsReport stats;
    sync_a.append_stats(stats);
    // Eight commands per batch of up to 256 entries, not per entry (and the polls' reads).
    CHECK(stats.values().at("lists.learned_redis.commands_sent") < 2000);
    CHECK(stats.values().at("lists.learned_redis.commands_dropped") == 0);
}

TEST_CASE("Redis restarted empty: after the reconnect each instance puts its list back, and learning goes on" *
          doctest::skip(!redis_server_installed())) {
    RedisServer server;
    std::ostringstream log_text;
    scamgate::Logger log(log_text);
    const std::int64_t now = wall_now();
    LearnedList a(100, kDay);
    LearnedSync sync_a(a, fast(server), log);
    REQUIRE(sync_a.load_initial(std::chrono::seconds(2)));
    a.learn(key_of("+22200990011"), now, "behaviour.wangiri");
    const auto in_redis = [&](const std::string& member) {
        auto c = server.connect();
        if (!c) return false;
        scamgate::test_support::RedisReplyPtr r(
            static_cast<redisReply*>(redisCommand(c.get(), "ZSCORE scamgate:{learned}:entries %s", member.c_str())));
        return r && r->type == REDIS_REPLY_STRING;
    };
    REQUIRE(eventually([&] { return in_redis("n:22200990011"); }));
    server.kill();
    a.learn(key_of("+33300000001"), now, "behaviour.wangiri");  // while Redis is gone: decided locally
    CHECK(a.contains("33300000001", now));
    server.start();  // empty
    CHECK(eventually([&] { return in_redis("n:22200990011") && in_redis("n:33300000001"); }, std::chrono::seconds(8)));
    CHECK(sync_a.counters().entries_sent >= 4);  // two learned, then both again after the reconnect
    CHECK(sync_a.counters().pull_errors == 0);
}
