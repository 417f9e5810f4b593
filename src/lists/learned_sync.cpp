#include "lists/learned_sync.h"

#include "common/quiet_thread.h"

#include <signal.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

namespace scamgate::lists {

namespace {

constexpr std::int64_t kMaxTime = 4'102'444'800;  // 2100, as learned_list.cpp
constexpr std::size_t kMaxBy = 64;
constexpr std::size_t kMaxMember = 2 + 253;
constexpr std::size_t kMaxStaleMetaPerPull = 1024;  // HDELs per full read: cleaning up stays cheap
constexpr std::string_view kNumberPrefix = "n:";
constexpr std::string_view kDomainPrefix = "d:";
constexpr auto kAnomalyWarnInterval = std::chrono::minutes(1);
constexpr std::size_t kMaxPendingChanges = 1 << 20;  // changes waiting for the poll thread; beyond: dropped, counted

redis::Command command(std::initializer_list<std::string> args) { return redis::Command{std::vector<std::string>(args)}; }

// What a pair walk skipped, as the snapshot's anomalies.
void count_skipped(const redis::PairWalk& walk, SnapshotAnomalies& anomalies) {
    if (walk.bad_shape) ++anomalies.bad_reply;
    anomalies.bad_reply += walk.not_strings;
    anomalies.truncated += walk.truncated;
}

// The (member, score) pairs of a WITHSCORES reply, at most `max` of them.
std::vector<std::pair<LearnedKey, std::int64_t>> scored_members(const redis::Reply& reply, std::size_t max,
                                                                SnapshotAnomalies& anomalies) {
    std::vector<std::pair<LearnedKey, std::int64_t>> out;
    const auto walk = redis::for_each_string_pair(reply, max, [&](const std::string& member, const std::string& score) {
        auto key = parse_learned_member(member);
        if (!key) {
            ++anomalies.bad_member;
            return;
        }
        const auto seconds = parse_learned_seconds(score);
        if (!seconds) {
            ++anomalies.bad_score;
            return;
        }
        out.emplace_back(std::move(*key), *seconds);
    });
    count_skipped(walk, anomalies);
    return out;
}

// The field -> value pairs of an HGETALL reply, at most `max` of them.
std::unordered_map<std::string, std::string> hash_fields(const redis::Reply& reply, std::size_t max,
                                                         SnapshotAnomalies& anomalies) {
    std::unordered_map<std::string, std::string> out;
    const auto walk = redis::for_each_string_pair(reply, max, [&](const std::string& field, const std::string& value) {
        if (field.size() > kMaxMember) {
            ++anomalies.bad_reply;
            return;
        }
        out.emplace(field, value);
    });
    count_skipped(walk, anomalies);
    return out;
}

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string learned_member(const LearnedKey& key) {
    return std::string(key.kind == LearnedKind::number ? kNumberPrefix : kDomainPrefix) + key.key;
}

std::optional<LearnedKey> parse_learned_member(std::string_view member) {
    if (member.size() > kMaxMember || member.size() < 3) return std::nullopt;
    const std::string_view prefix = member.substr(0, 2);
    const std::string_view body = member.substr(2);
    if (prefix == kNumberPrefix) {
        if (body.front() == '+') return std::nullopt;
        auto key = parse_learned_key(body);
        if (!key || key->kind != LearnedKind::number) return std::nullopt;
        return key;
    }
    if (prefix == kDomainPrefix) {
        auto key = parse_learned_key(body);
        // Written lower-case: another spelling is not ours.
        if (!key || key->kind != LearnedKind::domain || key->key != body) return std::nullopt;
        return key;
    }
    return std::nullopt;
}

std::string learned_meta(std::int64_t added, std::string_view by) { return fmt::format("{} {}", added, by); }

std::optional<std::int64_t> parse_learned_seconds(std::string_view text) {
    std::int64_t value = 0;
    if (text.empty() || text.size() > 12) return std::nullopt;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0 || value > kMaxTime) return std::nullopt;
    return value;
}

std::optional<LearnedMeta> parse_learned_meta(std::string_view text) {
    const auto space = text.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const auto added = parse_learned_seconds(text.substr(0, space));
    const std::string_view by = text.substr(space + 1);
    if (!added || by.empty() || by.size() > kMaxBy) return std::nullopt;
    if (!std::all_of(by.begin(), by.end(), [](unsigned char c) { return c > 0x20 && c != 0x7f; })) return std::nullopt;
    return LearnedMeta{*added, std::string(by)};
}

LearnedSnapshot decode_snapshot(const redis::Reply& entries, const redis::Reply& removed, const redis::Reply& meta,
                                std::size_t max_entries, std::int64_t ttl, SnapshotAnomalies& anomalies) {
    LearnedSnapshot snapshot;
    for (auto& [key, removed_at] : scored_members(removed, max_entries, anomalies)) {
        snapshot.tombstones.push_back(Tombstone{std::move(key), removed_at});
    }
    // Room for every live entry's meta plus as many stale fields again: beyond, the hash is not ours.
    auto fields = hash_fields(meta, 2 * max_entries, anomalies);
    for (auto& [key, expires] : scored_members(entries, max_entries, anomalies)) {
        const std::string member = learned_member(key);
        LearnedEntry entry{std::move(key.key), key.kind, expires, std::max<std::int64_t>(expires - ttl, 0), "shared"};
        if (const auto it = fields.find(member); it != fields.end()) {
            if (auto parsed = parse_learned_meta(it->second)) {
                entry.added = parsed->added;
                entry.by = std::move(parsed->by);
            } else {
                ++anomalies.bad_meta;
            }
            fields.erase(it);
        }
        snapshot.entries.push_back(std::move(entry));
    }
    for (auto& [field, value] : fields) {
        if (snapshot.stale_meta.size() >= kMaxStaleMetaPerPull) break;
        snapshot.stale_meta.push_back(field);
    }
    std::sort(snapshot.stale_meta.begin(), snapshot.stale_meta.end());
    return snapshot;
}

MergeCounts apply_snapshot(LearnedList& list, const LearnedSnapshot& snapshot) {
    MergeCounts counts;
    std::unordered_map<std::string, std::int64_t> removed_at;
    for (const auto& tombstone : snapshot.tombstones) {
        auto& latest = removed_at[learned_member(tombstone.key)];
        latest = std::max(latest, tombstone.removed_at);
        if (list.retract(tombstone.key, tombstone.removed_at)) ++counts.retracted;
    }
    for (const auto& entry : snapshot.entries) {
        const auto it = removed_at.find(learned_member(LearnedKey{entry.key, entry.kind}));
        if (it != removed_at.end() && entry.added <= it->second) {
            ++counts.shadowed;
            continue;
        }
        if (list.merge(entry)) ++counts.merged;
    }
    return counts;
}

std::vector<redis::Command> push_commands(const LearnedRedisKeys& keys, const std::vector<LearnedEntry>& entries,
                                          std::int64_t now, std::int64_t tombstone_ttl, std::size_t batch) {
    std::vector<redis::Command> out;
    batch = std::max<std::size_t>(batch, 1);
    std::size_t i = 0;
    while (i < entries.size()) {
        redis::Command zadd = command({"ZADD", keys.entries, "GT"});
        redis::Command hset = command({"HSET", keys.meta});
        std::int64_t latest = 0;
        std::size_t taken = 0;
        for (; i < entries.size() && taken < batch; ++i) {
            const LearnedEntry& e = entries[i];
            // Already expired by the wall clock (a replay of an old capture): Redis would drop it
            // at once (EXPIREAT in the past deletes the key).
            if (e.expires <= now) continue;
            const std::string member = learned_member(LearnedKey{e.key, e.kind});
            zadd.args.push_back(std::to_string(e.expires));
            zadd.args.push_back(member);
            hset.args.push_back(member);
            hset.args.push_back(learned_meta(e.added, e.by));
            latest = std::max(latest, e.expires);
            ++taken;
        }
        if (taken == 0) continue;
        const std::string at = std::to_string(latest);
        out.push_back(std::move(zadd));
        out.push_back(std::move(hset));
        // A new key has no TTL and GT never sets one on a key without (it counts as infinite):
        // NX gives it one, GT then only ever lengthens it, to the latest expiry inside.
        for (const std::string* key : {&keys.entries, &keys.meta}) {
            out.push_back(command({"EXPIREAT", *key, at, "NX"}));
            out.push_back(command({"EXPIREAT", *key, at, "GT"}));
        }
        out.push_back(command({"INCR", keys.version}));
        out.push_back(command({"EXPIRE", keys.version, std::to_string(tombstone_ttl)}));
    }
    return out;
}

std::vector<redis::Command> remove_commands(const LearnedRedisKeys& keys, const LearnedKey& key, std::int64_t now,
                                            std::int64_t tombstone_ttl) {
    const std::string member = learned_member(key);
    const std::string ttl = std::to_string(tombstone_ttl);
    return {command({"ZREM", keys.entries, member}),
            command({"HDEL", keys.meta, member}),
            command({"ZADD", keys.removed, std::to_string(now), member}),
            command({"EXPIRE", keys.removed, ttl}),
            command({"INCR", keys.version}),
            command({"EXPIRE", keys.version, ttl})};
}

std::vector<redis::Command> snapshot_commands(const LearnedRedisKeys& keys, std::int64_t now, std::size_t max_entries,
                                              std::int64_t tombstone_ttl) {
    const std::string limit = std::to_string(max_entries);
    const std::string oldest_tombstone = std::to_string(std::max<std::int64_t>(now - tombstone_ttl, 0));
    return {command({"ZREMRANGEBYSCORE", keys.entries, "-inf", std::to_string(now)}),
            command({"ZREMRANGEBYSCORE", keys.removed, "-inf", "(" + oldest_tombstone}),
            command({"ZRANGEBYSCORE", keys.removed, oldest_tombstone, "+inf", "WITHSCORES", "LIMIT", "0", limit}),
            command({"ZRANGEBYSCORE", keys.entries, "(" + std::to_string(now), "+inf", "WITHSCORES", "LIMIT", "0", limit}),
            command({"HGETALL", keys.meta})};
}

// --- LearnedSync -------------------------------------------------------------------------------

LearnedSync::LearnedSync(LearnedList& list, LearnedSyncOptions options, Logger& log)
    : list_(list),
      options_(std::move(options)),
      log_(log),
      tombstone_ttl_(std::max<std::int64_t>(list.ttl(), 60)),
      client_(redis::ClientOptions{.endpoint = options_.endpoint,
                                   .name = "shared learned list",
                                   .stats_prefix = options_.stats_prefix,
                                   .on_reply = [this](const redis::Command& c, const redis::Reply& r) { on_reply(c, r); }},
              log) {
    list_.set_observer(this);
    poller_ = start_quiet_thread([this] { poll_loop(); });
}

LearnedSync::~LearnedSync() { close(); }

std::int64_t LearnedSync::now() const {
    return options_.now ? options_.now() : static_cast<std::int64_t>(std::time(nullptr));
}

bool LearnedSync::load_initial(std::chrono::milliseconds wait) {
    std::unique_lock hold(mutex_);
    if (changed_.wait_for(hold, wait, [&] { return loaded_ || stopping_; }) && loaded_) return true;
    log_.warn("shared learned list ({}): not read within {} ms; deciding on the local list, merged when Redis answers",
              redis::to_string(options_.endpoint), wait.count());
    return false;
}

void LearnedSync::close() {
    {
        const std::lock_guard hold(mutex_);
        if (closed_) return;
        closed_ = true;
        stopping_ = true;
    }
    list_.set_observer(nullptr);
    changed_.notify_all();
    wake_poller_.notify_all();
    if (poller_.joinable()) poller_.join();  // it sends what was still pending first
    client_.close();
}

void LearnedSync::enqueue_all(std::vector<redis::Command> commands) {
    for (auto& c : commands) client_.enqueue(std::move(c));  // a drop is counted by the client
}

void LearnedSync::on_learned(const LearnedEntry& entry) { queue_change(PendingChange{entry, false}); }

void LearnedSync::on_removed(const LearnedKey& key) {
    queue_change(PendingChange{LearnedEntry{key.key, key.kind, 0, 0, {}}, true});
}

// On the changing thread (a worker, the control thread): one short mutex hold, no I/O.
void LearnedSync::queue_change(PendingChange change) {
    bool wake = false;
    {
        const std::lock_guard hold(mutex_);
        if (stopping_ || pending_.size() >= kMaxPendingChanges) {
            changes_dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        wake = pending_.empty() || pending_.size() + 1 == kLearnedBatch;  // the first, or a full batch
        pending_.push_back(std::move(change));
    }
    if (wake) wake_poller_.notify_one();
}

// --- the poll thread ----------------------------------------------------------------------------

// Sends the changes queued since its last turn (batched: an import of many entries is a few
// pipelined commands, not eight per entry), and polls every pull_interval.
void LearnedSync::poll_loop() {
    auto next_poll = Clock::now();
    std::unique_lock hold(mutex_);
    while (true) {
        wake_poller_.wait_until(hold, next_poll, [&] { return stopping_ || !pending_.empty(); });
        // The first change of a burst (an import, a wave of findings) wakes this thread at once;
        // lingering a moment lets the rest join it, so the burst goes out in full batches and not
        // eight commands for every entry or two that arrived while the last batch was sent.
        if (!pending_.empty()) {
            const auto linger_until = Clock::now() + options_.linger;
            wake_poller_.wait_until(hold, linger_until, [&] { return stopping_ || pending_.size() >= kLearnedBatch; });
        }
        std::vector<PendingChange> changes;
        changes.swap(pending_);
        const bool stop = stopping_;
        hold.unlock();
        send_changes(changes);
        if (stop) return;
        if (Clock::now() >= next_poll) {
            poll_once();
            next_poll = Clock::now() + options_.pull_interval;
        }
        hold.lock();
    }
}

void LearnedSync::send_changes(const std::vector<PendingChange>& changes) {
    const std::int64_t at = now();
    std::vector<LearnedEntry> additions;
    const auto send_additions = [&] {
        const auto sent = std::count_if(additions.begin(), additions.end(), [&](const LearnedEntry& e) { return e.expires > at; });
        entries_sent_.fetch_add(static_cast<std::uint64_t>(sent), std::memory_order_relaxed);
        enqueue_all(push_commands(keys_, additions, at, tombstone_ttl_));
        additions.clear();
    };
    for (const auto& change : changes) {
        if (!change.removal) {
            additions.push_back(change.entry);
            continue;
        }
        send_additions();  // in order: an add then a remove of one key ends removed
        removals_sent_.fetch_add(1, std::memory_order_relaxed);
        enqueue_all(remove_commands(keys_, LearnedKey{change.entry.key, change.entry.kind}, at, tombstone_ttl_));
    }
    send_additions();
}

void LearnedSync::poll_once() {
    const std::int64_t started = poll_started_.load(std::memory_order_acquire);
    if (started != 0) {
        if (steady_ns() - started < std::chrono::nanoseconds(options_.poll_timeout).count()) return;  // still waiting
        if (!timeout_counted_) pull_timeouts_.fetch_add(1, std::memory_order_relaxed);  // lost, or Redis is slow
        timeout_counted_ = true;
        // Not connected: the GET still waits in the client's queue (or was lost with the
        // connection); asking again now would only pile GETs up. Asked again once connected.
        if (!client_.counters().connected) return;
    }
    timeout_counted_ = false;
    const auto now = Clock::now();
    // A new connection (Redis restarted, perhaps empty): read everything, then push ours again.
    const std::uint64_t reconnects = client_.counters().reconnects;
    if (now - last_full_ >= options_.full_pull_every || reconnects != seen_reconnects_) {
        seen_reconnects_ = reconnects;
        force_full_.store(true, std::memory_order_release);
        last_full_ = now;
    }
    poll_started_.store(steady_ns(), std::memory_order_release);
    if (!client_.enqueue(command({"GET", keys_.version}))) poll_finished();
}

void LearnedSync::poll_finished() { poll_started_.store(0, std::memory_order_release); }

// --- the client thread --------------------------------------------------------------------------

void LearnedSync::on_reply(const redis::Command& command, const redis::Reply& reply) {
    if (command.args.size() < 2) return;
    const std::string& verb = command.args[0];
    const std::string& key = command.args[1];
    const bool read = verb == "GET" || verb == "ZRANGEBYSCORE" || verb == "HGETALL";
    if (!read) return;  // writes: the client counts their errors
    if (reply.type == redis::ReplyType::error) {
        pull_errors_.fetch_add(1, std::memory_order_relaxed);
        removed_reply_.reset();
        entries_reply_.reset();
        poll_finished();
        return;
    }
    if (verb == "GET") {
        on_version(reply);
    } else if (verb == "ZRANGEBYSCORE" && key == keys_.removed) {
        removed_reply_ = reply;
    } else if (verb == "ZRANGEBYSCORE" && key == keys_.entries) {
        entries_reply_ = reply;
    } else if (verb == "HGETALL") {
        on_snapshot_done(reply);
    }
}

void LearnedSync::on_version(const redis::Reply& reply) {
    removed_reply_.reset();
    entries_reply_.reset();
    const std::string version = reply.type == redis::ReplyType::string ? reply.text : std::string();
    const bool forced = force_full_.exchange(false, std::memory_order_acq_rel);
    if (!forced && applied_version_ && *applied_version_ == version) {
        poll_finished();
        return;
    }
    pending_version_ = version;
    enqueue_all(snapshot_commands(keys_, now(), list_.max_entries(), tombstone_ttl_));
}

void LearnedSync::on_snapshot_done(const redis::Reply& meta) {
    if (!removed_reply_ || !entries_reply_) {  // a part was lost with a connection: the next poll reads again
        poll_finished();
        return;
    }
    SnapshotAnomalies anomalies;
    const LearnedSnapshot snapshot =
        decode_snapshot(*entries_reply_, *removed_reply_, meta, list_.max_entries(), list_.ttl(), anomalies);
    removed_reply_.reset();
    entries_reply_.reset();
    const MergeCounts counts = apply_snapshot(list_, snapshot);
    pulls_.fetch_add(1, std::memory_order_relaxed);
    merged_.fetch_add(counts.merged, std::memory_order_relaxed);
    retracted_.fetch_add(counts.retracted, std::memory_order_relaxed);
    shadowed_.fetch_add(counts.shadowed, std::memory_order_relaxed);
    if (anomalies.total() > 0) {
        anomalies_.fetch_add(anomalies.total(), std::memory_order_relaxed);
        const auto at = Clock::now();
        if (last_anomaly_warning_ == Clock::time_point{} || at - last_anomaly_warning_ >= kAnomalyWarnInterval) {
            log_.warn("shared learned list: {} unreadable items in Redis skipped (bad reply {}, member {}, score {}, meta {}, "
                      "beyond the bound {}); see {}.anomalies",
                      anomalies.total(), anomalies.bad_reply, anomalies.bad_member, anomalies.bad_score, anomalies.bad_meta,
                      anomalies.truncated, options_.stats_prefix);
            last_anomaly_warning_ = at;
        }
    }
    if (!snapshot.stale_meta.empty()) {
        redis::Command hdel = command({"HDEL", keys_.meta});
        hdel.args.insert(hdel.args.end(), snapshot.stale_meta.begin(), snapshot.stale_meta.end());
        client_.enqueue(std::move(hdel));
    }
    applied_version_ = pending_version_.value_or(std::string());
    // After the first read, and after the first read on each new connection: a Redis that lost
    // its data (restarted without persistence) gets every instance's list back; what another
    // instance removed meanwhile was retracted by this read's tombstones and is not put back.
    if (const std::uint64_t reconnects = client_.counters().reconnects; !pushed_local_ || reconnects != pushed_at_reconnects_) {
        pushed_at_reconnects_ = reconnects;
        push_everything_local();
    }
    poll_finished();
    {
        const std::lock_guard hold(mutex_);
        loaded_ = true;
    }
    changed_.notify_all();
}

// What this process holds (its file, what it learned while Redis was away) goes to Redis; called
// after a full read whose tombstones have been applied.
void LearnedSync::push_everything_local() {
    pushed_local_ = true;
    const auto entries = list_.entries();
    auto commands = push_commands(keys_, entries, now(), tombstone_ttl_);
    const auto sent = static_cast<std::uint64_t>(
        std::count_if(entries.begin(), entries.end(), [&, at = now()](const LearnedEntry& e) { return e.expires > at; }));
    entries_sent_.fetch_add(sent, std::memory_order_relaxed);
    enqueue_all(std::move(commands));
}

LearnedSyncCounters LearnedSync::counters() const {
    LearnedSyncCounters c;
    c.entries_sent = entries_sent_.load(std::memory_order_relaxed);
    c.removals_sent = removals_sent_.load(std::memory_order_relaxed);
    c.changes_dropped = changes_dropped_.load(std::memory_order_relaxed);
    c.pulls = pulls_.load(std::memory_order_relaxed);
    c.entries_merged = merged_.load(std::memory_order_relaxed);
    c.entries_retracted = retracted_.load(std::memory_order_relaxed);
    c.entries_shadowed = shadowed_.load(std::memory_order_relaxed);
    c.anomalies = anomalies_.load(std::memory_order_relaxed);
    c.pull_errors = pull_errors_.load(std::memory_order_relaxed);
    c.pull_timeouts = pull_timeouts_.load(std::memory_order_relaxed);
    c.loaded = c.pulls > 0;
    return c;
}

void LearnedSync::append_stats(StatsReport& report) const {
    const LearnedSyncCounters c = counters();
    const std::string& p = options_.stats_prefix;
    report.add(p + ".entries_sent", c.entries_sent);
    report.add(p + ".removals_sent", c.removals_sent);
    report.add(p + ".changes_dropped", c.changes_dropped);
    report.add(p + ".pulls", c.pulls);
    report.add(p + ".entries_merged", c.entries_merged);
    report.add(p + ".entries_retracted", c.entries_retracted);
    report.add(p + ".entries_shadowed", c.entries_shadowed);
    report.add(p + ".anomalies", c.anomalies);
    report.add(p + ".pull_errors", c.pull_errors);
    report.add(p + ".pull_timeouts", c.pull_timeouts);
    report.add(p + ".loaded", c.loaded ? 1 : 0);
    client_.append_stats(report);
}

}  // namespace scamgate::lists
