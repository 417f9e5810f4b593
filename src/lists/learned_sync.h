#pragma once
// The learned block list (lists.learned) shared by every scamgate pointing at the same Redis
// (behaviour.redis): the suspect-number database of all the gateways. docs/behaviour.md
// ("Learned list", "Shared through Redis") and docs/redis.md ("Shared learned list").
//
// In Redis (one hash tag, {learned}, so Redis Cluster keeps the keys in one slot; a TTL on each):
//   scamgate:{learned}:entries  sorted set: member "n:DIGITS" or "d:DOMAIN", score = expiry (Unix s)
//   scamgate:{learned}:meta     hash: member -> "ADDED BY" (Unix seconds, the finding or "manual")
//   scamgate:{learned}:removed  sorted set of tombstones: member -> removal time (Unix s)
//   scamgate:{learned}:version  counter: goes up with every change, so a poll is one GET
//
// Writes: every change made on this process (LearnedObserver: a finding, `lists add|remove|import`)
// is appended to a bounded vector (one short mutex hold) and handed, batched, by the poll thread
// to a redis::Client (its own thread, bounded queue, pipelines, reconnects with back-off): the
// changing thread never waits. Reads: a timer thread asks for the version every pull interval; when it moved
// (or every full_pull_every) the client thread reads the whole list and merges it into the local
// table (the later expiry wins; tombstones remove local entries added at or before the removal).
// The workers only ever read the local table: a slow or dead Redis never delays a verdict.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/stats.h"
#include "lists/learned_list.h"
#include "redis/client.h"
#include "redis/endpoint.h"

namespace scamgate::lists {

struct LearnedRedisKeys {
    std::string entries = "scamgate:{learned}:entries";
    std::string meta = "scamgate:{learned}:meta";
    std::string removed = "scamgate:{learned}:removed";
    std::string version = "scamgate:{learned}:version";
};

// "n:22200990011" for a number, "d:example.com" for a domain.
std::string learned_member(const LearnedKey& key);
// The inverse; nullopt for anything else (a wrong prefix, a bad number or domain, too long).
std::optional<LearnedKey> parse_learned_member(std::string_view member);
// "ADDED BY": "1796475204 behaviour.wangiri".
std::string learned_meta(std::int64_t added, std::string_view by);
struct LearnedMeta {
    std::int64_t added = 0;
    std::string by;
};
// The inverse: Unix seconds (0..2100), one space, BY (1..64 printable characters, no space).
std::optional<LearnedMeta> parse_learned_meta(std::string_view text);
// A sorted-set score as Redis writes an integral one ("1796475204"): 0..2100 in Unix seconds.
std::optional<std::int64_t> parse_learned_seconds(std::string_view text);

// What was wrong in data read from Redis (each one skipped and counted; the rest is used).
struct SnapshotAnomalies {
    std::uint64_t bad_reply = 0;   // not the shape asked for: not an array, odd length, not strings
    std::uint64_t bad_member = 0;  // a member that is not "n:DIGITS" / "d:DOMAIN"
    std::uint64_t bad_score = 0;   // a score that is not Unix seconds
    std::uint64_t bad_meta = 0;    // a meta value that is not "ADDED BY" (the entry is kept, see below)
    std::uint64_t truncated = 0;   // elements beyond the bound, not read
    std::uint64_t total() const { return bad_reply + bad_member + bad_score + bad_meta + truncated; }
};

struct Tombstone {
    LearnedKey key;
    std::int64_t removed_at = 0;
};

struct LearnedSnapshot {
    std::vector<LearnedEntry> entries;
    std::vector<Tombstone> tombstones;
    std::vector<std::string> stale_meta;  // meta fields whose entry is gone (expired or removed)
};

// Decodes the replies to ZRANGEBYSCORE entries WITHSCORES, ZRANGEBYSCORE removed WITHSCORES and
// HGETALL meta. At most max_entries entries and tombstones are read (the rest counted as
// truncated). An entry without (valid) meta gets added = expires - ttl and by = "shared".
LearnedSnapshot decode_snapshot(const redis::Reply& entries, const redis::Reply& removed, const redis::Reply& meta,
                                std::size_t max_entries, std::int64_t ttl, SnapshotAnomalies& anomalies);

struct MergeCounts {
    std::size_t merged = 0;     // local entries added or given a later expiry
    std::size_t retracted = 0;  // local entries removed by a tombstone
    std::size_t shadowed = 0;   // remote entries not taken: a tombstone is as new or newer
};
// Tombstones first (LearnedList::retract), then every entry no tombstone covers (merge). The
// observer is not told: nothing read from Redis is written back.
MergeCounts apply_snapshot(LearnedList& list, const LearnedSnapshot& snapshot);

// Entries per ZADD/HSET pair; the poll thread also lingers until this many changes wait.
inline constexpr std::size_t kLearnedBatch = 256;

// The commands that put `entries` into Redis (ZADD GT, HSET, EXPIREAT NX and GT, INCR version),
// `batch` entries per ZADD/HSET. Entries whose expiry is not after `now` are left out.
std::vector<redis::Command> push_commands(const LearnedRedisKeys& keys, const std::vector<LearnedEntry>& entries,
                                          std::int64_t now, std::int64_t tombstone_ttl,
                                          std::size_t batch = kLearnedBatch);
// The commands of a removal: ZREM, HDEL, the tombstone (ZADD removed NOW), INCR version.
std::vector<redis::Command> remove_commands(const LearnedRedisKeys& keys, const LearnedKey& key, std::int64_t now,
                                            std::int64_t tombstone_ttl);
// One full read: drop what expired, then the three reads decode_snapshot takes (HGETALL last).
std::vector<redis::Command> snapshot_commands(const LearnedRedisKeys& keys, std::int64_t now, std::size_t max_entries,
                                              std::int64_t tombstone_ttl);

struct LearnedSyncOptions {
    redis::Endpoint endpoint;
    std::chrono::milliseconds pull_interval{500};   // how often the version is asked
    std::chrono::milliseconds full_pull_every{30000};  // a full read even when the version stands
    std::chrono::milliseconds poll_timeout{5000};   // a poll unanswered this long is given up
    std::chrono::milliseconds linger{20};           // a burst of changes waits this long to fill a batch
    std::string stats_prefix = "lists.learned_redis";
    std::function<std::int64_t()> now{};            // wall-clock Unix seconds; empty: time()
};

struct LearnedSyncCounters {
    std::uint64_t entries_sent = 0;      // entries queued to Redis (findings, adds, imports, the first push)
    std::uint64_t removals_sent = 0;     // tombstones queued
    std::uint64_t changes_dropped = 0;   // local changes not sent: over a million waiting (Redis far behind)
    std::uint64_t pulls = 0;             // full reads merged
    std::uint64_t entries_merged = 0;    // local entries added or extended from Redis
    std::uint64_t entries_retracted = 0; // local entries removed by a tombstone from Redis
    std::uint64_t entries_shadowed = 0;  // entries in Redis not taken (an as new tombstone)
    std::uint64_t anomalies = 0;         // SnapshotAnomalies::total(), summed
    std::uint64_t pull_errors = 0;       // error replies to a read
    std::uint64_t pull_timeouts = 0;     // polls given up (Redis slow or gone)
    bool loaded = false;                 // a full read has been merged
};

class LearnedSync final : public LearnedObserver {
public:
    // Observes `list` (which must outlive this) from now on; connects and polls in the background.
    LearnedSync(LearnedList& list, LearnedSyncOptions options, Logger& log);
    ~LearnedSync() override;
    LearnedSync(const LearnedSync&) = delete;
    LearnedSync& operator=(const LearnedSync&) = delete;

    // Waits (at most `wait`) until the first full read is merged: the start of a run or replay,
    // before the first packet. False (and a warning) when it was not: the list then works locally
    // and the read is merged whenever Redis answers.
    bool load_initial(std::chrono::milliseconds wait);
    // Stops observing and polling, sends what is queued (bounded, see redis::Client::close).
    void close();

    void on_learned(const LearnedEntry& entry) override;
    void on_removed(const LearnedKey& key) override;

    LearnedSyncCounters counters() const;
    // <prefix>.entries_sent, ... and the client's <prefix>.commands_sent, .errors, .connected, ...
    void append_stats(StatsReport& report) const;

private:
    using Clock = std::chrono::steady_clock;

    struct PendingChange {
        LearnedEntry entry;
        bool removal = false;
    };

    std::int64_t now() const;
    void queue_change(PendingChange change);
    void send_changes(const std::vector<PendingChange>& changes);
    void enqueue_all(std::vector<redis::Command> commands);
    void poll_loop();
    void poll_once();
    // Client thread: every reply.
    void on_reply(const redis::Command& command, const redis::Reply& reply);
    void on_version(const redis::Reply& reply);
    void on_snapshot_done(const redis::Reply& meta);
    void poll_finished();
    void push_everything_local();

    LearnedList& list_;
    LearnedSyncOptions options_;
    Logger& log_;
    LearnedRedisKeys keys_;
    std::int64_t tombstone_ttl_;

    // Client thread only: the read in progress.
    std::optional<redis::Reply> removed_reply_;
    std::optional<redis::Reply> entries_reply_;
    std::optional<std::string> pending_version_;
    std::optional<std::string> applied_version_;  // nullopt: none yet (nil is "")
    bool pushed_local_ = false;
    std::uint64_t pushed_at_reconnects_ = 0;  // the client's reconnects at the last push of everything
    Clock::time_point last_anomaly_warning_{};

    std::atomic<std::int64_t> poll_started_{0};  // steady-clock ns of the poll in progress, 0: none
    std::atomic<bool> force_full_{true};
    Clock::time_point last_full_{};  // poll thread only
    bool timeout_counted_ = false;   // poll thread only: the poll in progress was counted as timed out
    std::uint64_t seen_reconnects_ = 0;  // poll thread only: a new connection forces a full read

    std::atomic<std::uint64_t> entries_sent_{0};
    std::atomic<std::uint64_t> removals_sent_{0};
    std::atomic<std::uint64_t> changes_dropped_{0};
    std::atomic<std::uint64_t> pulls_{0};
    std::atomic<std::uint64_t> merged_{0};
    std::atomic<std::uint64_t> retracted_{0};
    std::atomic<std::uint64_t> shadowed_{0};
    std::atomic<std::uint64_t> anomalies_{0};
    std::atomic<std::uint64_t> pull_errors_{0};
    std::atomic<std::uint64_t> pull_timeouts_{0};

    std::mutex mutex_;  // guards pending_, loaded_, stopping_, closed_
    std::condition_variable changed_;      // loaded_ or stopping_ changed (load_initial waits)
    std::condition_variable wake_poller_;  // a change is pending, or stopping
    std::vector<PendingChange> pending_;   // local changes for the poll thread to send, in order
    bool loaded_ = false;
    bool stopping_ = false;
    bool closed_ = false;

    redis::Client client_;  // after the state its thread's replies touch
    std::thread poller_;    // last
};

}  // namespace scamgate::lists
