// behaviour.redis for SMS campaigns: the campaign blob, the band keys, the peer views of the
// campaign table, and two engines sharing one template's senders through a real redis-server.
#include <doctest/doctest.h>

#include <bit>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "behaviour/behaviour.h"
#include "behaviour/campaign_table.h"
#include "behaviour/key_table.h"
#include "behaviour/shared_blob.h"
#include "behaviour/sharing.h"
#include "behaviour_test_support.h"
#include "redis/redis_server.h"

namespace scamgate::behaviour {
namespace {

using namespace test;
using namespace std::chrono_literals;
using test_support::eventually;

std::span<const std::uint8_t> bytes_of(const std::string& blob) {
    return {reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()};
}


CampaignShare share_of_senders(std::uint64_t fingerprint, int first, int count, Timestamp window) {
    CampaignShare c;
    c.fingerprint = fingerprint;
    c.window = window;
    for (int i = first; i < first + count; ++i) {
        c.senders.add(at_s(i), window, item_hash(sender_number(i)));
        c.recipients.add(at_s(i), window, item_hash(recipient_number(i)));
    }
    return c;
}

TEST_CASE("campaign blob round trip") {
    const Timestamp w = seconds(3600);
    CampaignShare c = share_of_senders(0x0123456789abcdefULL, 0, 6, w);
    c.over_threshold_at = at_s(5);
    std::string blob;
    encode_campaign_blob(c, blob);
    CHECK(blob.size() == kCampaignBlobSize);
    CHECK(blob.size() == 172);
    const auto d = decode_campaign_blob(bytes_of(blob));
    REQUIRE(d.has_value());
    CHECK(d->fingerprint == c.fingerprint);
    CHECK(d->window == w);
    CHECK(d->over_threshold_at == at_s(5));
    CHECK(d->senders.start == c.senders.start);
    CHECK(d->senders.current.words == c.senders.current.words);
    CHECK(d->recipients.current.words == c.recipients.current.words);
    CHECK(d->senders.estimate(at_s(10), w) == doctest::Approx(c.senders.estimate(at_s(10), w)));

    CampaignShare never = share_of_senders(1, 0, 1, w);  // never over a threshold: INT64_MIN goes through
    std::string again;
    encode_campaign_blob(never, again);
    REQUIRE(decode_campaign_blob(bytes_of(again)).has_value());
    CHECK(decode_campaign_blob(bytes_of(again))->over_threshold_at == CampaignShare::kNever);
}

TEST_CASE("bad campaign blobs are refused whole, and key blobs and campaign blobs do not pass for each other") {
    const Timestamp w = seconds(3600);
    std::string blob;
    encode_campaign_blob(share_of_senders(0x42, 0, 3, w), blob);
    REQUIRE(decode_campaign_blob(bytes_of(blob)).has_value());
    CHECK_FALSE(decode_campaign_blob(bytes_of(blob.substr(0, blob.size() - 1))).has_value());  // truncated
    CHECK_FALSE(decode_campaign_blob(bytes_of(blob + "x")).has_value());                      // trailing byte
    CHECK_FALSE(decode_campaign_blob({}).has_value());
    std::string version = blob;
    version[0] = 2;
    CHECK_FALSE(decode_campaign_blob(bytes_of(version)).has_value());
    std::string reserved = blob;
    reserved[2] = 1;
    CHECK_FALSE(decode_campaign_blob(bytes_of(reserved)).has_value());
    std::string zero_window = blob;
    for (int i = 0; i < 8; ++i) zero_window[12 + i] = 0;
    CHECK_FALSE(decode_campaign_blob(bytes_of(zero_window)).has_value());
    std::string misaligned = blob;
    misaligned[28] = static_cast<char>(misaligned[28] + 1);  // the senders' bucket start + 1 ns
    CHECK_FALSE(decode_campaign_blob(bytes_of(misaligned)).has_value());
    std::string far_future = blob;  // over_threshold_at = 2^62 + 1 ns... beyond the bound
    for (int i = 0; i < 8; ++i) far_future[20 + i] = 0;
    far_future[27] = 0x40;
    far_future[20] = 1;
    CHECK_FALSE(decode_campaign_blob(bytes_of(far_future)).has_value());

    CHECK_FALSE(decode_blob(bytes_of(blob)).has_value());  // a campaign blob is no key's
    std::string key_blob;
    SenderState sender;
    sender.messages.add(at_s(1), seconds(60), 0);
    REQUIRE(encode_blob(KeyState{sender}, Settings{}, key_blob));
    CHECK_FALSE(decode_campaign_blob(bytes_of(key_blob)).has_value());
}

TEST_CASE("campaign band keys and fields: one hash tag per band value, the fingerprint in the field") {
    const std::uint64_t fp = 0x1111222233334444ULL;
    CHECK(Sharing::campaign_key(0, fp) == "scamgate:behaviour:{c04444}");
    CHECK(Sharing::campaign_key(3, fp) == "scamgate:behaviour:{c31111}");
    const auto band = Sharing::band_of("scamgate:behaviour:{c2abcd}");
    REQUIRE(band.has_value());
    CHECK(band->band == 2);
    CHECK(band->value == 0xabcd);
    CHECK_FALSE(Sharing::band_of("scamgate:behaviour:{c4abcd}").has_value());  // 4 bands: 0..3
    CHECK_FALSE(Sharing::band_of("scamgate:behaviour:{c2abc}").has_value());
    CHECK_FALSE(Sharing::band_of("scamgate:behaviour:{c2abcz}").has_value());
    CHECK_FALSE(Sharing::band_of("scamgate:behaviour:{000000001234abcd}").has_value());
    CHECK_FALSE(Sharing::key_of(Sharing::campaign_key(1, fp)).has_value());  // not a key hash

    CHECK(Sharing::campaign_field("gw-a:7", fp) == "gw-a:7:1111222233334444");
    CHECK(Sharing::fingerprint_of_field("gw-a:7:1111222233334444") == fp);
    CHECK_FALSE(Sharing::fingerprint_of_field("1111222233334444").has_value());
    CHECK_FALSE(Sharing::fingerprint_of_field("gw:111122223333444z").has_value());
}

TEST_CASE("campaign table: peers within max_distance join a local campaign's peer view, farther ones do not") {
    Settings::SmsCampaign c;
    c.min_senders = 10;
    const Timestamp w = c.window;
    const std::uint64_t fp = 0x5a5a5a5a5a5a5a5aULL;

    CampaignTable untracked(64);
    untracked.observe(fp, item_hash("s"), std::nullopt, at_s(0), c);
    CHECK(untracked.merge_peers({share_of_senders(fp, 0, 9, w)}, 3, w) == 0);  // local only: no peer views
    CHECK(untracked.peer_campaigns() == 0);

    CampaignTable table(64);
    const std::size_t local_bytes = table.bytes();
    table.track_changes();
#if defined(__x86_64__) || defined(__aarch64__)
    CHECK(CampaignTable::bytes_per_peer_view() == 165);  // docs/behaviour.md, "Across gateways"
#endif
    // Shared campaigns take a slot at once: the sightings go, the peer views come.
    CHECK(table.bytes() ==
          local_bytes - 64 * CampaignTable::bytes_per_sighting() + 64 * CampaignTable::bytes_per_peer_view());
    CHECK(static_cast<int>(table.observe(fp, item_hash(sender_number(9)), std::nullopt, at_s(0), c).senders) == 1);
    std::vector<std::uint64_t> drained;
    table.drain_changes([&](const CampaignShare& s) { drained.push_back(s.fingerprint); });
    CHECK(drained == std::vector<std::uint64_t>{fp});
    table.drain_changes([&](const CampaignShare& s) { drained.push_back(s.fingerprint); });
    CHECK(drained.size() == 1);  // drained once

    // 3 bits apart, but spread over bands 0, 0 and 3: band 1 and 2 equal, so found, and within 3.
    const std::uint64_t near = fp ^ 0x1ULL ^ 0x100ULL ^ 0x8000000000000000ULL;
    REQUIRE(std::popcount(near ^ fp) == 3);
    CHECK(table.merge_peers({share_of_senders(near, 0, 9, w)}, 3, w) >= 1);
    CHECK(table.peer_campaigns() == 1);
    const std::uint64_t far = fp ^ 0xfULL;  // 4 bits
    CHECK(table.merge_peers({share_of_senders(far, 20, 9, w)}, 3, w) == 0);
    CHECK(table.merge_peers({share_of_senders(near, 20, 9, seconds(60))}, 3, w) == 0);  // other window: skipped
    // 9 peers' senders + this gateway's 1: the local campaign's next member reaches 10.
    const CampaignState state = table.observe(fp, item_hash(sender_number(9)), std::nullopt, at_s(12), c);
    CHECK(static_cast<int>(state.senders) == 10);  // the linear-counting estimate, 10.2, shown as 10
    CHECK(state.over_threshold);
    CHECK(state.fingerprint == fp);
}

std::uint64_t stat(const Engine& engine, const std::string& name) {
    StatsReport report;
    engine.append_stats(report);
    return report.at(name);
}

std::string fingerprint_hex(std::uint64_t fp) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fp));
    return hex;
}

TEST_CASE("two engines on one redis-server: 6 senders at A and 4 at B make B's 4th a campaign member" *
          doctest::skip(!test_support::redis_server_installed())) {
    test_support::RedisServer server;
    Settings s = quiet_settings();
    s.sms_campaign.min_senders = 10;
    std::vector<std::string> senders, recipients, texts;
    for (int i = 0; i < 10; ++i) {
        senders.push_back(sender_number(i));
        recipients.push_back(recipient_number(i));
        texts.push_back(member_text(i));
    }
    const std::uint64_t fp = *campaign_fingerprint(texts[0], s.sms_campaign.min_text_tokens);
    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);
    const SharingSettings a_sharing{server.url(), "gateway-a", seconds(0.05), std::chrono::milliseconds(2000)};
    SharingSettings b_sharing = a_sharing;
    b_sharing.instance = "gateway-b";

    Engine a(Capacity{4096, 256}, a_sharing, log);
    Engine b(Capacity{4096, 256}, b_sharing, log);  // started before A's campaign: nothing to prime
    CHECK(stat(b, "behaviour.campaigns") == 0);
    for (int i = 0; i < 6; ++i) CHECK(a.observe(sms(senders[i], recipients[i], at_s(i), texts[i]), s).empty());
    // A's campaign reaches Redis whole: its field under each band key holds its 6 senders.
    const std::string field = "gateway-a:" + fingerprint_hex(fp);
    for (std::size_t band = 0; band < 4; ++band) {
        const std::string key = Sharing::campaign_key(band, fp);
        REQUIRE(eventually([&] {
            auto blob = server.command({"HGET", key, field});
            if (blob->type != REDIS_REPLY_STRING) return false;
            const auto share = decode_campaign_blob(bytes_of(std::string(blob->str, blob->len)));
            return share && share->senders.estimate(at_s(6), s.sms_campaign.window) >= 5.99;
        }));
        auto ttl = server.command({"PTTL", key});
        CHECK(ttl->integer > 2 * 3600 * 1000);  // 2 x the campaign window + slack
        CHECK(ttl->integer <= (2 * 3600 + 60) * 1000);
    }
    CHECK(eventually([&] { return stat(a, "behaviour.redis_campaign_writes") >= 4; }));

    // B's first member: judged on B alone (its peers are read at the next interval).
    CHECK(b.observe(sms(senders[6], recipients[6], at_s(6), texts[6]), s).empty());
    REQUIRE(eventually([&] { return stat(b, "behaviour.redis_peer_campaigns") == 1; }));
    CHECK(stat(b, "behaviour.redis_campaign_reads") >= 1);
    CHECK(b.observe(sms(senders[7], recipients[7], at_s(7), texts[7]), s).empty());  // 8 of 10
    CHECK(b.observe(sms(senders[8], recipients[8], at_s(8), texts[8]), s).empty());  // 9 of 10
    const auto tenth = b.observe(sms(senders[9], recipients[9], at_s(9), texts[9]), s);
    REQUIRE(has(tenth, "behaviour.sms_campaign"));
    CHECK(evidence_of(tenth, "behaviour.sms_campaign")
              .starts_with("campaign " + fingerprint_hex(fp) + ": 10 distinct senders, 10 distinct recipients"));
    CHECK(stat(b, "behaviour.redis_bad_blobs") == 0);
    CHECK(stat(b, "behaviour.redis_errors") == 0);

    Engine alone(Capacity{4096, 256});  // B's four members without the shared state
    for (int i = 6; i < 10; ++i) CHECK(alone.observe(sms(senders[i], recipients[i], at_s(i), texts[i]), s).empty());
}

TEST_CASE("a gateway started after another's campaign is primed with it: its members join at once" *
          doctest::skip(!test_support::redis_server_installed())) {
    test_support::RedisServer server;
    Settings s = quiet_settings();
    s.sms_campaign.min_senders = 10;
    std::vector<std::string> senders, recipients, texts;
    for (int i = 0; i < 10; ++i) {
        senders.push_back(sender_number(i));
        recipients.push_back(recipient_number(i));
        texts.push_back(member_text(i));
    }
    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);
    const SharingSettings a_sharing{server.url(), "gateway-a", seconds(0.05), std::chrono::milliseconds(2000)};
    {
        Engine a(Capacity{4096, 256}, a_sharing, log);
        for (int i = 0; i < 6; ++i) CHECK(a.observe(sms(senders[i], recipients[i], at_s(i), texts[i]), s).empty());
    }  // its last changes are written as it goes
    CHECK(server.command({"ZCARD", "scamgate:behaviour:{chot}"})->integer == 1);
    CHECK(server.command({"PTTL", "scamgate:behaviour:{chot}"})->integer > 2 * 3600 * 1000);

    SharingSettings b_sharing = a_sharing;
    b_sharing.instance = "gateway-b";
    Engine b(Capacity{4096, 256}, b_sharing, log);
    CHECK(stat(b, "behaviour.campaigns") == 1);  // adopted before its first contact
    CHECK(stat(b, "behaviour.redis_peer_campaigns") == 1);
    // A replay's pace: no interval passes between B's members.
    for (int i = 6; i < 9; ++i) CHECK(b.observe(sms(senders[i], recipients[i], at_s(i), texts[i]), s).empty());
    const auto tenth = b.observe(sms(senders[9], recipients[9], at_s(9), texts[9]), s);
    CHECK(has(tenth, "behaviour.sms_campaign"));
    CHECK(evidence_of(tenth, "behaviour.sms_campaign").find(": 10 distinct senders") != std::string::npos);
}

TEST_CASE("campaign fields in Redis: a bad one is counted and skipped, an expired one is deleted" *
          doctest::skip(!test_support::redis_server_installed())) {
    test_support::RedisServer server;
    Settings s = quiet_settings();
    s.sms_campaign.min_senders = 3;
    s.sms_campaign.window = seconds(600);
    const std::string text = member_text(0);
    const std::uint64_t fp = *campaign_fingerprint(text, s.sms_campaign.min_text_tokens);
    const std::string key = Sharing::campaign_key(0, fp);
    // A field whose fingerprint is not its name's, junk, and a campaign last active 3 windows ago.
    server.command({"HSET", key, "junk:" + fingerprint_hex(fp), "not a blob"});
    std::string other;
    encode_campaign_blob(share_of_senders(fp ^ 0x10000, 0, 3, seconds(600)), other);
    server.command({"HSET", key, "liar:" + fingerprint_hex(fp), other});
    CampaignShare old = share_of_senders(fp, 0, 0, seconds(600));
    old.senders.add(at_s(-1800), seconds(600), item_hash("old sender"));
    std::string old_blob;
    encode_campaign_blob(old, old_blob);
    server.command({"HSET", key, "stopped:" + fingerprint_hex(fp), old_blob});

    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);
    Engine b(Capacity{4096, 256}, SharingSettings{server.url(), "b", seconds(0.05), std::chrono::milliseconds(2000)}, log);
    for (int i = 0; i < 2; ++i) CHECK(b.observe(sms(sender_number(i), recipient_number(i), at_s(i), text), s).empty());
    REQUIRE(eventually([&] { return stat(b, "behaviour.redis_stale_campaigns_deleted") >= 1; }));
    CHECK(server.command({"HEXISTS", key, "stopped:" + fingerprint_hex(fp)})->integer == 0);
    CHECK(server.command({"HEXISTS", key, "b:" + fingerprint_hex(fp)})->integer == 1);  // its own, live
    CHECK(stat(b, "behaviour.redis_bad_blobs") >= 2);
    // The stopped campaign is near (the same fingerprint) but its window expired: it adds nothing,
    // so a sender counted already is still the 2nd of 3, not the 3rd.
    CHECK(b.observe(sms(sender_number(1), recipient_number(1), at_s(3), text), s).empty());
    CHECK(has(b.observe(sms(sender_number(2), recipient_number(2), at_s(4), text), s), "behaviour.sms_campaign"));
}

TEST_CASE("Redis gone: campaigns are judged on local counts, as without sharing" *
          doctest::skip(!test_support::redis_server_installed())) {
    Settings s = quiet_settings();
    s.sms_campaign.min_senders = 3;
    const std::string text = member_text(0);
    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);
    Engine e(Capacity{4096, 256},
             SharingSettings{"unix:///nonexistent/scamgate-test.sock", "x", seconds(0.05), std::chrono::milliseconds(2000)},
             log);
    CHECK(e.observe(sms(sender_number(0), recipient_number(0), at_s(0), text), s).empty());
    CHECK(e.observe(sms(sender_number(1), recipient_number(1), at_s(1), text), s).empty());
    CHECK(has(e.observe(sms(sender_number(2), recipient_number(2), at_s(2), text), s), "behaviour.sms_campaign"));
    CHECK(stat(e, "behaviour.redis_errors") >= 1);
    CHECK(stat(e, "behaviour.redis_peer_campaigns") == 0);
    CHECK(stat(e, "behaviour.redis_campaign_writes") == 0);
}

}  // namespace
}  // namespace scamgate::behaviour
