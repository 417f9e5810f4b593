// behaviour.redis: the sync thread and the peer table (sharing.h).
#include "behaviour/sharing.h"

#include "common/quiet_thread.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include <fmt/format.h>

#include "behaviour/shared_blob.h"

namespace scamgate::behaviour {

namespace {

std::string default_instance() {
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
    return fmt::format("{}:{}", host.data(), getpid());
}

// The windows a blob records, in Sharing::windows_ order.
auto window_fields(Settings& s) {
    return std::array<Timestamp*, 8>{&s.call_rate.window,    &s.callee_spray.window, &s.wangiri.window,
                                     &s.short_calls.window,  &s.register_flood.window, &s.sms_rate.window,
                                     &s.sms_recipient_spray.window, &s.url_spray.window};
}

auto window_values(const Settings& s) {
    return std::array<Timestamp, 8>{s.call_rate.window,     s.callee_spray.window,   s.wangiri.window,
                                    s.short_calls.window,   s.register_flood.window, s.sms_rate.window,
                                    s.sms_recipient_spray.window, s.url_spray.window};
}

std::string milliseconds_text(Timestamp duration) { return std::to_string(std::max<Timestamp>(duration / 1'000'000, 1)); }

constexpr Timestamp kTtlSlack = seconds(60);

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Deletes a hash field only while it still holds the bytes that were judged expired: a field its
// instance rewrote meanwhile (a campaign active again) stays.
constexpr std::string_view kDeleteIfUnchanged =
    "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
    "return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";

std::uint16_t band_value(std::size_t band, std::uint64_t fingerprint) {
    return static_cast<std::uint16_t>((fingerprint >> (16 * band)) & 0xffffu);
}

// Distinct items a window's bitmaps hold (set bits: exact for a few items), whatever their age.
std::size_t distinct_seen(const DistinctWindow& d) {
    return DistinctBitmap::kBits - d.previous.united_with(d.current).zeros();
}

std::span<const std::uint8_t> bytes_of(const std::string& text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

template <typename T>
std::optional<T> hex_value(std::string_view text) {
    T value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::string Sharing::campaign_key(std::size_t band, std::uint64_t fingerprint) {
    return fmt::format("{}{{c{}{:04x}}}", kPrefix, band, band_value(band, fingerprint));
}

std::optional<Sharing::Band> Sharing::band_of(std::string_view name) {
    if (!name.starts_with(kPrefix)) return std::nullopt;
    name.remove_prefix(kPrefix.size());
    // "{c" band "xxxx" "}"
    if (name.size() != 8 || !name.starts_with("{c") || name.back() != '}' || name[2] < '0' ||
        name[2] >= static_cast<char>('0' + CampaignTable::kBands)) {
        return std::nullopt;
    }
    const auto value = hex_value<std::uint16_t>(name.substr(3, 4));
    if (!value) return std::nullopt;
    return Band{static_cast<std::size_t>(name[2] - '0'), *value};
}

std::string Sharing::campaign_field(std::string_view instance, std::uint64_t fingerprint) {
    return fmt::format("{}:{:016x}", instance, fingerprint);
}

std::optional<std::uint64_t> Sharing::fingerprint_of_field(std::string_view field) {
    if (field.size() < 17 || field[field.size() - 17] != ':') return std::nullopt;
    return hex_value<std::uint64_t>(field.substr(field.size() - 16));
}

std::string Sharing::redis_key(std::uint64_t key) { return fmt::format("{}{{{:016x}}}", kPrefix, key); }

std::optional<std::uint64_t> Sharing::key_of(std::string_view name) {
    if (!name.starts_with(kPrefix)) return std::nullopt;
    name.remove_prefix(kPrefix.size());
    if (name.size() != 18 || name.front() != '{' || name.back() != '}') return std::nullopt;
    name = name.substr(1, 16);
    std::uint64_t key = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), key, 16);
    if (error != std::errc{} || end != name.data() + name.size() || key == 0) return std::nullopt;
    return key;
}

Sharing::Sharing(const SharingSettings& settings, KeyTable& keys, CampaignTable& campaigns, std::size_t peer_capacity,
                 Logger& log)
    : settings_(settings),
      instance_(settings.instance.empty() ? default_instance() : settings.instance),
      keys_(keys),
      campaigns_(campaigns),
      peers_(peer_capacity),
      log_(log) {
    note_windows(Settings{});
    wanted_.reserve(kWantedMax);
    keys_.track_changes();
    campaigns_.track_changes();

    redis::ClientOptions options;
    options.endpoint = redis::parse_url(settings.url);
    options.name = "behaviour.redis";
    options.stats_prefix = "behaviour.redis_client";
    options.queue_capacity = 1u << 20;  // a flush of many keys is 3 commands per key
    options.queue_bytes = 256u << 20;
    options.on_reply = [this](const redis::Command& command, const redis::Reply& reply) { on_reply(command, reply); };
    client_ = std::make_unique<redis::Client>(std::move(options), log);
    prime(settings.prime_wait);
    thread_ = start_quiet_thread([this] { run(); });
}

Sharing::~Sharing() {
    {
        const std::lock_guard hold(run_mutex_);
        stopping_ = true;
    }
    run_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    flush(false);  // the last changes, after every worker has stopped (none when Redis is gone)
    client_->close();
}

// ---- the packet path ----

void Sharing::want(std::uint64_t key) {
    const std::lock_guard hold(wanted_mutex_);
    if (wanted_.size() >= kWantedMax) {
        wanted_dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    wanted_.push_back(key);
}

void Sharing::note_windows(const Settings& settings) {
    const auto values = window_values(settings);
    for (std::size_t i = 0; i < kWindows; ++i) {
        if (windows_[i].load(std::memory_order_relaxed) != values[i]) {
            windows_[i].store(values[i], std::memory_order_relaxed);
        }
    }
    const auto& c = settings.sms_campaign;
    if (campaign_window_.load(std::memory_order_relaxed) != c.window) {
        campaign_window_.store(c.window, std::memory_order_relaxed);
    }
    if (campaign_distance_.load(std::memory_order_relaxed) != c.max_distance) {
        campaign_distance_.store(c.max_distance, std::memory_order_relaxed);
    }
}

Settings Sharing::windows() const {
    Settings s;
    const auto fields = window_fields(s);
    for (std::size_t i = 0; i < kWindows; ++i) *fields[i] = windows_[i].load(std::memory_order_relaxed);
    return s;
}

// ---- the sync thread ----

void Sharing::run() {
    const auto interval = std::chrono::nanoseconds(std::max<Timestamp>(settings_.interval, 1'000'000));
    std::unique_lock hold(run_mutex_);
    while (!stopping_) {
        run_cv_.wait_for(hold, interval, [&] { return stopping_; });
        if (stopping_) break;
        hold.unlock();
        // An idle interval still sends a PING, so a lost connection is noticed (counted, warned,
        // reconnected) before traffic needs it, and behaviour.redis_connected tells the truth.
        if (!flush(true)) send({"PING"});
        hold.lock();
    }
}

void Sharing::send(std::initializer_list<std::string_view> args) {
    redis::Command command = client_->spare();
    command.args.resize(args.size());
    std::size_t i = 0;
    for (const std::string_view arg : args) command.args[i++].assign(arg);
    enqueue(std::move(command));
}

void Sharing::enqueue(redis::Command command) {
    enqueued_.fetch_add(1, std::memory_order_relaxed);
    client_->enqueue(std::move(command));  // a drop is counted by the client
}

std::uint64_t Sharing::outstanding() const {
    const std::uint64_t done = answered_.load(std::memory_order_relaxed) + client_->counters().commands_dropped;
    const std::uint64_t queued = enqueued_.load(std::memory_order_relaxed);
    return queued > done ? queued - done : 0;
}

bool Sharing::flush(bool read_back) {
    // Redis unreachable: the marks stay (bounded by the table), and everything changed meanwhile
    // goes out, once per key, after the client has reconnected on its own (with back-off).
    if (!client_->counters().connected) {
        const std::lock_guard hold(wanted_mutex_);
        wanted_.clear();  // reads of a state nobody can give now: not kept
        return true;
    }
    // Back-pressure: while the client still has a batch's worth of commands to send, the marks
    // stay and more changes of one key coalesce, rather than the queue overflowing (dropped).
    if (read_back && outstanding() > kMaxOutstanding) return true;
    const bool campaigns_changed = flush_campaigns(read_back);
    const Settings settings = windows();
    struct Changed {
        std::uint64_t key;
        Timestamp ttl;
        std::string blob;
    };
    std::vector<Changed> changed;  // encoded outside the shard locks (drain_changes copies)
    keys_.drain_changes([&](std::uint64_t key, const KeyState& state) {
        std::string blob;
        if (!encode_blob(state, settings, blob)) return;
        changed.push_back({key, 2 * longest_window(state, settings) + kTtlSlack, std::move(blob)});
    });
    std::vector<std::uint64_t> wanted;
    {
        const std::lock_guard hold(wanted_mutex_);
        wanted.swap(wanted_);
        wanted_.reserve(kWantedMax);
    }
    if (changed.empty() && wanted.empty()) return campaigns_changed;

    const std::string score = std::to_string(wall_ms());
    Timestamp longest = 0;
    std::unordered_set<std::uint64_t> read;
    for (const Changed& c : changed) {
        const std::string name = redis_key(c.key);
        send({"HSET", name, instance_, c.blob});
        send({"PEXPIRE", name, milliseconds_text(c.ttl)});
        if (read_back && read.insert(c.key).second) send({"HGETALL", name});
        longest = std::max(longest, c.ttl);
    }
    if (read_back) {
        for (const std::uint64_t key : wanted) {
            if (read.insert(key).second) send({"HGETALL", redis_key(key)});
        }
    }
    if (changed.empty()) return true;
    // The hot set: which keys were active lately, for a starting instance's priming.
    const std::string hot = fmt::format("{}{{hot}}", kPrefix);
    constexpr std::size_t kMembersPerZadd = 256;
    for (std::size_t at = 0; at < changed.size(); at += kMembersPerZadd) {
        redis::Command zadd = client_->spare();
        zadd.args.clear();
        zadd.args.emplace_back("ZADD");
        zadd.args.push_back(hot);
        for (std::size_t i = at; i < std::min(changed.size(), at + kMembersPerZadd); ++i) {
            zadd.args.push_back(score);
            zadd.args.push_back(fmt::format("{:016x}", changed[i].key));
        }
        enqueue(std::move(zadd));
    }
    send({"ZREMRANGEBYRANK", hot, "0", std::to_string(-static_cast<long long>(kHotKeys) - 1)});
    send({"PEXPIRE", hot, milliseconds_text(longest)});
    return true;
}

// Every campaign observed since the last interval: published under its 4 band keys when it has
// counted enough here to matter (kPublishMinDistinct: most texts are one sender's to one
// recipient, and need no place in Redis), and its band keys read back in any case, so that even a
// campaign's first member here brings the peers' campaigns near it into the peer view.
bool Sharing::flush_campaigns(bool read_back) {
    std::vector<CampaignShare> changed;
    campaigns_.drain_changes([&](const CampaignShare& c) { changed.push_back(c); });
    if (changed.empty()) return false;
    const Timestamp window = usable_window(campaign_window_.load(std::memory_order_relaxed));
    const std::string ttl = milliseconds_text(2 * window + kTtlSlack);
    std::unordered_set<std::string> read;
    std::vector<std::uint64_t> published;
    std::string blob;
    for (CampaignShare& c : changed) {
        c.window = window;
        const bool publish = distinct_seen(c.senders) >= kPublishMinDistinct ||
                             distinct_seen(c.recipients) >= kPublishMinDistinct;
        if (publish) published.push_back(c.fingerprint);
        std::string field;
        if (publish) {
            blob.clear();
            encode_campaign_blob(c, blob);
            field = campaign_field(instance_, c.fingerprint);
        }
        for (std::size_t band = 0; band < CampaignTable::kBands; ++band) {
            const std::string key = campaign_key(band, c.fingerprint);
            if (publish) {
                send({"HSET", key, field, blob});
                send({"PEXPIRE", key, ttl});
            }
            if (read_back && read.insert(key).second) send({"HGETALL", key});
        }
    }
    if (published.empty()) return true;
    // The campaigns' hot set: which were written lately, for a starting instance's priming.
    const std::string hot = fmt::format("{}{{chot}}", kPrefix);
    const std::string score = std::to_string(wall_ms());
    constexpr std::size_t kMembersPerZadd = 256;
    for (std::size_t at = 0; at < published.size(); at += kMembersPerZadd) {
        redis::Command zadd = client_->spare();
        zadd.args.clear();
        zadd.args.emplace_back("ZADD");
        zadd.args.push_back(hot);
        for (std::size_t i = at; i < std::min(published.size(), at + kMembersPerZadd); ++i) {
            zadd.args.push_back(score);
            zadd.args.push_back(fmt::format("{:016x}", published[i]));
        }
        enqueue(std::move(zadd));
    }
    send({"ZREMRANGEBYRANK", hot, "0", std::to_string(-static_cast<long long>(kHotCampaigns) - 1)});
    send({"PEXPIRE", hot, ttl});
    return true;
}

// ---- priming ----

void Sharing::prime(std::chrono::milliseconds wait) {
    // Campaigns first: their band-0 keys' replies are queued before the keys' ECHO marker.
    const std::size_t campaigns = std::min(kPrimeCampaigns, std::max<std::size_t>(campaigns_.capacity() / 2, 1));
    send({"ZREVRANGE", fmt::format("{}{{chot}}", kPrefix), "0", std::to_string(campaigns - 1)});
    const std::size_t n = std::min(kPrimeKeys, peers_.capacity() / 2);
    send({"ZREVRANGE", fmt::format("{}{{hot}}", kPrefix), "0", std::to_string(std::max<std::size_t>(n, 1) - 1)});
    // Waits for the marker that follows the keys' HGETALLs (on_reply), or until Redis is found
    // unreachable (a failed connect counts an error): a start without Redis is not delayed.
    const auto until = Clock::now() + wait;
    std::unique_lock hold(prime_mutex_);
    while (!primed_ && Clock::now() < until) {
        if (client_->counters().errors > 0 && !client_->counters().connected) break;
        primed_cv_.wait_for(hold, std::chrono::milliseconds(10));
    }
    priming_campaigns_.store(false, std::memory_order_relaxed);
    if (!primed_) log_.warn("behaviour.redis: the shared state was not loaded at start; deciding on local state meanwhile");
}

// ---- replies (the client's thread) ----

void Sharing::on_reply(const redis::Command& command, const redis::Reply& reply) {
    answered_.fetch_add(1, std::memory_order_relaxed);
    if (command.args.size() < 2) return;
    const std::string& verb = command.args[0];
    if (reply.type == redis::ReplyType::error && verb != "ZREVRANGE") return;
    if (verb == "HSET") {
        (band_of(command.args[1]) ? campaign_writes_ : writes_).fetch_add(1, std::memory_order_relaxed);
    } else if (verb == "HGETALL") {
        if (reply.type != redis::ReplyType::array) return;
        if (const auto key = key_of(command.args[1])) {
            merge_peers(*key, reply);
        } else if (const auto band = band_of(command.args[1])) {
            merge_campaign_peers(*band, command.args[1], reply);
        }
    } else if (verb == "EVAL") {
        if (reply.type == redis::ReplyType::integer && reply.integer == 1) {
            stale_deleted_.fetch_add(1, std::memory_order_relaxed);
        }
    } else if (verb == "ZREVRANGE" && command.args[1].ends_with("{chot}")) {
        if (reply.type != redis::ReplyType::array) return;
        std::unordered_set<std::string> keys;
        for (const auto& member : reply.elements) {
            const auto fingerprint = member.text.size() == 16 ? hex_value<std::uint64_t>(member.text) : std::nullopt;
            if (!fingerprint) {
                bad_blobs_.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            std::string key = campaign_key(0, *fingerprint);  // every campaign is under its band 0 key
            if (keys.insert(key).second) send({"HGETALL", key});
        }
    } else if (verb == "ZREVRANGE") {
        if (reply.type == redis::ReplyType::array) {
            for (const auto& member : reply.elements) {
                std::uint64_t key = 0;
                const auto& t = member.text;
                const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), key, 16);
                if (error != std::errc{} || end != t.data() + t.size() || key == 0) {
                    bad_blobs_.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
                send({"HGETALL", redis_key(key)});
            }
        }
        send({"ECHO", "primed"});
    } else if (verb == "ECHO") {
        {
            const std::lock_guard hold(prime_mutex_);
            primed_ = true;
        }
        primed_cv_.notify_all();
    }
}

// The fields of one key's hash: instance, blob, instance, blob, ... Every instance's but this
// one's is merged into the key's peer entry, which is replaced whole (a peer whose field expired
// or whose counts went down is seen so at once).
void Sharing::merge_peers(std::uint64_t key, const redis::Reply& fields) {
    reads_.fetch_add(1, std::memory_order_relaxed);
    std::optional<SharedState> merged;
    for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
        if (fields.elements[i].text == instance_) continue;
        const std::string& blob = fields.elements[i + 1].text;
        const auto shared = decode_blob(
            std::span(reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()));
        if (!shared) {
            bad_blobs_.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        if (!merged) {
            merged = *shared;
        } else if (!merge_shared(*merged, *shared)) {
            bad_blobs_.fetch_add(1, std::memory_order_relaxed);  // two kinds under one key: a collision
        }
    }
    const auto now = static_cast<Timestamp>(Clock::now().time_since_epoch().count());
    if (merged) {
        peers_.assign(key, now, merged->state);
    } else {
        peers_.clear_existing(key);
    }
}

// The fields of one campaign band key: "<instance>:<fingerprint>", blob, ... Every field is
// checked (its blob, its fingerprint against the field's name and the key's band): a bad one is
// counted and skipped. Other instances' campaigns go to the table, which merges each into the peer
// view of the local campaigns near it. Fields whose windows have all expired by the newest bucket
// start in the hash (campaigns evicted or gone quiet, instances stopped) are deleted, if unchanged.
void Sharing::merge_campaign_peers(const Band& band, const std::string& key, const redis::Reply& fields) {
    campaign_reads_.fetch_add(1, std::memory_order_relaxed);
    const Timestamp window = usable_window(campaign_window_.load(std::memory_order_relaxed));
    struct Seen {
        std::size_t element;
        Timestamp latest;  // the later bucket start of its two windows
        Timestamp window;
    };
    std::vector<CampaignShare> shares;
    std::vector<Seen> seen;
    Timestamp newest = kNeverStart;
    const std::size_t n = std::min(fields.elements.size() / 2, kMaxCampaignFields);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& name = fields.elements[2 * i].text;
        const auto fingerprint = fingerprint_of_field(name);
        auto share = fingerprint ? decode_campaign_blob(bytes_of(fields.elements[2 * i + 1].text)) : std::nullopt;
        if (!share || share->fingerprint != *fingerprint || band_value(band.band, *fingerprint) != band.value) {
            bad_blobs_.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        const Timestamp latest = std::max(share->senders.start, share->recipients.start);
        newest = std::max(newest, latest);
        seen.push_back({2 * i, latest, share->window});
        const bool own = name.size() == instance_.size() + 17 && name.starts_with(instance_);
        if (!own) shares.push_back(*share);
    }
    const unsigned distance = campaign_distance_.load(std::memory_order_relaxed);
    if (priming_campaigns_.load(std::memory_order_relaxed)) {
        campaigns_.adopt_peers(shares, distance);
    } else if (!shares.empty()) {
        campaigns_.merge_peers(shares, distance, window);
    }
    std::size_t deletes = 0;
    for (const Seen& s : seen) {
        if (deletes == kMaxStaleDeletes) break;
        if (s.latest > newest - 2 * s.window) continue;  // starts are within +-2^62, windows <= 2^55: no overflow
        const auto& e = fields.elements;
        send({"EVAL", kDeleteIfUnchanged, "1", key, e[s.element].text, e[s.element + 1].text});
        ++deletes;
    }
}

void Sharing::append_stats(StatsReport& report) const {
    const redis::ClientCounters c = client_->counters();
    report.add("behaviour.redis_errors", c.errors);
    report.add("behaviour.redis_writes", writes_.load(std::memory_order_relaxed));
    report.add("behaviour.redis_reads", reads_.load(std::memory_order_relaxed));
    report.add("behaviour.redis_peer_keys", peers_.occupied());
    report.add("behaviour.redis_wanted_dropped", wanted_dropped_.load(std::memory_order_relaxed));
    report.add("behaviour.redis_bad_blobs", bad_blobs_.load(std::memory_order_relaxed));
    report.add("behaviour.redis_connected", c.connected ? 1 : 0);
    report.add("behaviour.redis_campaign_writes", campaign_writes_.load(std::memory_order_relaxed));
    report.add("behaviour.redis_campaign_reads", campaign_reads_.load(std::memory_order_relaxed));
    report.add("behaviour.redis_peer_campaigns", campaigns_.peer_campaigns());
    report.add("behaviour.redis_stale_campaigns_deleted", stale_deleted_.load(std::memory_order_relaxed));
    client_->append_stats(report);
}

}  // namespace scamgate::behaviour
