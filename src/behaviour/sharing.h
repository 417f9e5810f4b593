#pragma once
// behaviour.redis: the state of every tracked key shared with the other scamgate instances
// pointing at the same Redis (docs/behaviour.md, "Across gateways"). Private to src/behaviour/.
//
// Writes: every `interval` (wall clock) a sync thread drains the keys the workers changed (the key
// table marks them, behaviour's only cost on the packet path besides one peer look-up per key),
// and pipelines through a redis::Client, per key
//   HSET    scamgate:behaviour:{<16 hex key hash>} <instance> <blob>   (shared_blob.h)
//   PEXPIRE scamgate:behaviour:{<hex>} <2 x the key's longest window + 60 s>
//   HGETALL scamgate:behaviour:{<hex>}                                 (read back: the peers' fields)
// and, for all of them, ZADD scamgate:behaviour:{hot} <wall ms> <hex> (trimmed to kHotKeys, with
// its own PEXPIRE). Each instance writes its own absolute state, never a delta: a resent HSET is
// harmless and a lost one is repaired by the next.
// Reads: the HGETALL replies are decoded on the client's thread, the other instances' fields
// merged (shared_blob.h) into the peer table, a second bounded KeyTable. A decision reads its
// key's local state merged with the peer entry: never Redis itself, so a slow or absent Redis
// never delays a verdict. At start the most recently active kPrimeKeys of the hot set are loaded
// into the peer table before the first packet (waiting at most prime_wait).
//
// Campaigns (campaign_table.h): every campaign a worker observed since the last interval is
// drained; one with at least kPublishMinDistinct distinct senders or recipients here is written
// under each of its 4 SimHash band keys
//   HSET    scamgate:behaviour:{c<band 0-3><band value, 4 hex>} <instance>:<fingerprint, 16 hex> <blob>
//   PEXPIRE scamgate:behaviour:{c...} <2 x the campaign window + 60 s>
// and every drained campaign's 4 band keys are read back (HGETALL): the other instances' campaigns
// within max_distance of a local one are merged into its peer view (CampaignTable::merge_peers).
// A field whose windows have all expired (by the newest bucket start in the same hash) is deleted
// if it still holds the bytes read (a compare-and-delete script, so a fresh rewrite is never lost).
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "behaviour/behaviour.h"
#include "behaviour/campaign_table.h"
#include "behaviour/key_table.h"
#include "common/log.h"
#include "common/stats.h"
#include "redis/client.h"

namespace scamgate::behaviour {

class Sharing {
public:
    static constexpr std::string_view kPrefix = "scamgate:behaviour:";
    static constexpr std::size_t kHotKeys = 100000;   // members the hot set keeps
    static constexpr std::size_t kPrimeKeys = 32768;  // of those, loaded at start (at most)
    static constexpr std::size_t kWantedMax = 65536;  // keys read by decisions, to fetch, per interval
    static constexpr std::uint64_t kMaxOutstanding = 196608;  // commands in the client's queue: no new batch beyond

    static constexpr std::size_t kPublishMinDistinct = 2;    // senders or recipients here before a campaign is written
    static constexpr std::size_t kMaxCampaignFields = 4096;  // fields of one band key read, at most
    static constexpr std::size_t kMaxStaleDeletes = 64;      // expired fields deleted per band key read, at most
    static constexpr std::size_t kHotCampaigns = 32768;      // members the campaigns' hot set keeps
    static constexpr std::size_t kPrimeCampaigns = 4096;     // of those, loaded at start (at most)

    // Connects in the background, then primes the peer table (waiting at most
    // settings.prime_wait, less when Redis cannot be reached) and starts the sync thread.
    // Throws redis::UrlError for a bad URL. `keys` and `campaigns` must outlive this object.
    Sharing(const SharingSettings& settings, KeyTable& keys, CampaignTable& campaigns, std::size_t peer_capacity,
            Logger& log);
    // Writes the last changes (bounded by the client's shutdown flush) and stops.
    ~Sharing();
    Sharing(const Sharing&) = delete;
    Sharing& operator=(const Sharing&) = delete;

    // The other instances' merged state of `key`, when the peer table holds it.
    template <typename State>
    std::optional<State> peer(std::uint64_t key) const {
        std::optional<State> found;
        peers_.inspect<State>(key, [&](const State& s) { found = s; });
        return found;
    }

    // A decision read `key` without changing it (Wangiri): fetch the peers' state at the next
    // interval. Bounded; never blocks for long.
    void want(std::uint64_t key);

    // Keeps the windows of `settings` for the blobs (a reload may change them). Cheap when they
    // did not change: eight relaxed loads.
    void note_windows(const Settings& settings);

    // behaviour.redis_errors, _writes, _reads, _peer_keys, _wanted_dropped, _bad_blobs, _connected,
    // _campaign_writes, _campaign_reads, _peer_campaigns, _stale_campaigns_deleted, and the
    // client's behaviour.redis_client.* counters.
    void append_stats(StatsReport& report) const;
    std::size_t bytes() const { return peers_.bytes(); }

    // The Redis key of a key hash, and back (nullopt when `name` is not one of ours).
    static std::string redis_key(std::uint64_t key);
    static std::optional<std::uint64_t> key_of(std::string_view name);
    // The Redis key of a campaign band (0..3, value 0..0xffff), and back.
    static std::string campaign_key(std::size_t band, std::uint64_t fingerprint);
    struct Band {
        std::size_t band;
        std::uint16_t value;
    };
    static std::optional<Band> band_of(std::string_view name);
    // The field of a campaign: "<instance>:<16 hex>"; the fingerprint back from a field.
    static std::string campaign_field(std::string_view instance, std::uint64_t fingerprint);
    static std::optional<std::uint64_t> fingerprint_of_field(std::string_view field);

private:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kWindows = 8;

    void run();
    bool flush(bool read_back);  // false: nothing was changed or wanted
    bool flush_campaigns(bool read_back);  // false: no campaign was changed
    void merge_campaign_peers(const Band& band, const std::string& key, const redis::Reply& fields);
    void prime(std::chrono::milliseconds wait);
    void on_reply(const redis::Command& command, const redis::Reply& reply);
    void merge_peers(std::uint64_t key, const redis::Reply& fields);
    Settings windows() const;
    void send(std::initializer_list<std::string_view> args);
    void enqueue(redis::Command command);
    std::uint64_t outstanding() const;  // commands queued and neither answered nor dropped yet

    SharingSettings settings_;
    std::string instance_;
    KeyTable& keys_;
    CampaignTable& campaigns_;
    KeyTable peers_;
    Logger& log_;

    std::array<std::atomic<Timestamp>, kWindows> windows_{};
    std::atomic<Timestamp> campaign_window_{0};
    std::atomic<unsigned> campaign_distance_{0};

    std::mutex wanted_mutex_;
    std::vector<std::uint64_t> wanted_;

    std::atomic<std::uint64_t> enqueued_{0};
    std::atomic<std::uint64_t> answered_{0};
    std::atomic<std::uint64_t> writes_{0};
    std::atomic<std::uint64_t> reads_{0};
    std::atomic<std::uint64_t> bad_blobs_{0};
    std::atomic<std::uint64_t> wanted_dropped_{0};
    std::atomic<std::uint64_t> campaign_writes_{0};
    std::atomic<std::uint64_t> campaign_reads_{0};
    std::atomic<std::uint64_t> stale_deleted_{0};

    std::atomic<bool> priming_campaigns_{true};  // band key replies adopt campaigns (CampaignTable::adopt_peers)
    std::mutex prime_mutex_;
    std::condition_variable primed_cv_;
    bool primed_ = false;

    std::mutex run_mutex_;
    std::condition_variable run_cv_;
    bool stopping_ = false;

    std::unique_ptr<redis::Client> client_;  // after everything its reply handler uses
    std::thread thread_;                     // last: starts once everything above exists
};

}  // namespace scamgate::behaviour
