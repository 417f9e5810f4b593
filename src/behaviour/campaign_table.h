#pragma once
// Text campaigns: fingerprints (fingerprint.h) grouped by SimHash distance, each with its
// distinct senders and recipients in a sliding window.
//
// Bounded: a fixed array of Capacity::campaigns slots (probe of 8 from the fingerprint's hash,
// least recently active evicted) and a band index to find near fingerprints: the 64 bits cut into
// 4 bands of 16; each band value hashes to a bucket of 4 slot numbers. Two fingerprints at most 3
// bits apart share at least one band exactly (pigeonhole), so looking in the 4 buckets of a new
// fingerprint finds every stored campaign within 3 bits whose index entries were not displaced
// (a bucket keeps its ways most recently used first: a new campaign and a campaign a member found
// move to the front, the last way is pushed out). Each way holds its slot number (24 bits) and 8
// bits of the campaign's band value, so a lookup reads the slots of the ways whose tag matches
// only (a text sharing a bucket matches one time in 256), and an insert reads no slot at all:
// the four bucket lines are the only cache misses of a text that starts a campaign.
// max_distance above 3 is read as 3. A campaign keeps the fingerprint of its first member; later
// members join when within max_distance of it (no drift).
//
// Second sighting (local tables only): most texts are sent once. A text near no campaign does not
// take a campaign slot; it is kept as a sighting (its fingerprint, time and the bits its sender
// and recipient set, 24 bytes at a place its fingerprint names, overwritten by the next text
// sent there) and indexed in the band buckets like a campaign. The next text within max_distance
// of it makes the campaign, counting the sighting's member at its time and then its own, so the
// counts are what a campaign claimed at the first member would hold. A one-member campaign that
// would already reach a threshold (min_senders or min_recipients of 1) is claimed at once. With
// behaviour.redis every campaign takes a slot at once (its changes are what is shared).
//
// One mutex for the table: near fingerprints may live anywhere in it, so it cannot be sharded by
// fingerprint. It is held for one lookup and one update (well under a microsecond).
//
// behaviour.redis (sharing.h, docs/behaviour.md "Across gateways"): with track_changes() on, every
// observe() marks its campaign changed (a flag per slot and a list that can hold every slot, as the
// key table does), the sync thread drains the marks, and the other instances' campaigns near a
// local one are merged into that campaign's *peer view* (merge_peers), a second pair of distinct
// windows kept beside each slot. observe() then judges the local counts merged with the peer view,
// never reading Redis. Without track_changes() none of this is allocated and observe() pays one
// predictable branch.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <vector>

#include "behaviour/behaviour.h"
#include "behaviour/distinct.h"

namespace scamgate::behaviour {

// What one member makes of its campaign.
struct CampaignState {
    std::uint64_t fingerprint = 0;  // the campaign's (its first member's)
    double senders = 0;             // distinct senders in the window, unrounded
    double recipients = 0;          // distinct first recipients in the window, unrounded
    bool over_threshold = false;    // the counts reach a threshold now
    bool recognised = false;        // over_threshold, or it was within the last window
};

// One campaign as an instance shares it (a blob in Redis, shared_blob.h): its fingerprint, its
// window, when it last reached a threshold, and its two distinct windows.
struct CampaignShare {
    static constexpr Timestamp kNever = std::numeric_limits<Timestamp>::min();
    std::uint64_t fingerprint = 0;
    Timestamp window = 0;
    Timestamp over_threshold_at = kNever;
    DistinctWindow senders;
    DistinctWindow recipients;
};

class CampaignTable {
public:
    static constexpr std::size_t kBands = 4;
    static constexpr std::size_t kBandWays = 4;
    static constexpr unsigned kMaxDistance = 3;  // what 4 bands of 16 bits guarantee
    static constexpr std::size_t kMaxCapacity = (std::size_t{1} << 23) - 1;  // slot numbers fit 23 bits (a way: 8-bit tag, sighting bit, slot)

    explicit CampaignTable(std::size_t capacity);

    // Counts a member (its sender, its first recipient when known) and answers its campaign.
    CampaignState observe(std::uint64_t fingerprint, std::uint64_t sender, std::optional<std::uint64_t> recipient,
                          Timestamp now, const Settings::SmsCampaign& settings);

    // Asks the CPU to start loading what observe(fingerprint) reads first: the fingerprint's four
    // band buckets and the slots a new campaign would be claimed from. Called before other work
    // of the same message, so those cache misses overlap with it.
    void prefetch(std::uint64_t fingerprint) const;

    // ---- behaviour.redis ----
    // Allocates the change marks and the peer views (bytes_per_peer_view() more per slot, 165 on
    // x86-64); before any worker uses the table.
    void track_changes();
    bool tracking() const { return !changed_.empty(); }
    // Calls fn(const CampaignShare&) (window left 0) for every campaign observed since the last
    // drain, clearing its mark; copies kDrainChunk at a time under the lock, fn runs unlocked.
    template <typename Fn>
    void drain_changes(Fn&& fn) {
        if (!tracking()) return;
        std::array<CampaignShare, kDrainChunk> batch;
        for (bool more = true; more;) {
            std::size_t n = 0;
            {
                std::lock_guard lock(mutex_);
                while (n < kDrainChunk && !pending_.empty()) {
                    const std::uint32_t i = pending_.back();
                    pending_.pop_back();
                    changed_[i] = 0;
                    if (used_[i] != 0) batch[n++] = share_of(i);
                }
                more = !pending_.empty();
            }
            for (std::size_t k = 0; k < n; ++k) fn(static_cast<const CampaignShare&>(batch[k]));
        }
    }
    // Merges other instances' campaigns into the peer view of every local campaign within
    // `max_distance` bits of them (found through their band buckets, as observe() finds a
    // campaign). Distinct windows unite bucket by bucket (merge_window), the later
    // over_threshold_at wins; a share whose window is not `window` is skipped. Merging the same
    // share twice changes nothing, so the four band keys of one campaign may each bring it.
    // Returns how many (local campaign, share) pairs were merged.
    std::size_t merge_peers(const std::vector<CampaignShare>& shares, unsigned max_distance, Timestamp window);
    // At start (priming): like merge_peers, but a share with no local campaign within
    // `max_distance` gets one, with no local counts and the share as its peer view (claimed like a
    // new campaign, active at the share's latest bucket start), so that this instance's first
    // member of a campaign other instances already counted joins it. Each share merges with its
    // own window (priming runs before the configuration's is known). Returns the campaigns made.
    std::size_t adopt_peers(const std::vector<CampaignShare>& shares, unsigned max_distance);
    // Local campaigns with a peer view now (behaviour.redis_peer_campaigns).
    std::uint64_t peer_campaigns() const { return peer_campaigns_.load(std::memory_order_relaxed); }
    static std::size_t bytes_per_peer_view();

    std::size_t capacity() const { return slots_.size(); }
    std::uint64_t occupied() const { return occupied_.load(std::memory_order_relaxed); }
    std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
    // Texts kept as a sighting (near no campaign and no sighting), cumulative.
    std::uint64_t sightings() const { return sightings_kept_.load(std::memory_order_relaxed); }
    static std::size_t bytes_per_sighting() { return sizeof(Sighting); }
    std::size_t bytes() const;
    static std::size_t bytes_per_campaign();

    static constexpr std::size_t kDrainChunk = 16;

private:
    static constexpr Timestamp kNever = CampaignShare::kNever;
    static constexpr std::uint32_t kNoSlot = std::numeric_limits<std::uint32_t>::max();  // an empty way
    // A way: the tag (8 bits of the band value) << kSlotBits | what it points at (its id): a
    // campaign's slot number, or kSightingBit | a sighting's number.
    static constexpr unsigned kSlotBits = 24;
    static constexpr std::uint32_t kSightingBit = 1u << 23;
    static constexpr std::uint32_t id_of(std::uint32_t way) { return way & ((1u << kSlotBits) - 1); }
    static constexpr std::uint32_t slot_of(std::uint32_t way) { return way & (kSightingBit - 1); }
    static constexpr bool is_sighting(std::uint32_t way) { return (way & kSightingBit) != 0; }

    // A campaign's counts. Its fingerprint, last activity and whether it is used are kept in
    // parallel arrays, so a lookup compares fingerprints without touching the counts.
    struct Slot {  // 152 bytes
        Timestamp over_threshold_at = kNever;  // last member that reached a threshold
        DistinctWindow senders;
        DistinctWindow recipients;
    };
    using Bucket = std::array<std::uint32_t, kBandWays>;  // ways (see kSlotBits), or kNoSlot
    // A text seen once (see "Second sighting" above). at == kNever: empty.
    struct Sighting {  // 24 bytes
        std::uint64_t fingerprint = 0;
        Timestamp at = kNever;
        std::uint16_t sender_bit = 0;     // what its sender's hash sets in a distinct bitmap
        std::uint16_t recipient_bit = 0;  // the same for its first recipient, when it has one
        bool has_recipient = false;
    };
    // The other instances' counts of the campaigns near one local campaign (behaviour.redis).
    struct PeerView {  // 160 bytes
        Timestamp over_threshold_at = kNever;
        DistinctWindow senders;
        DistinctWindow recipients;
        bool present = false;
    };

    // The id (id_of) of the stored campaign or sighting nearest to `fingerprint` within
    // max_distance bits; a campaign wins a tie.
    std::optional<std::uint32_t> nearest(std::uint64_t fingerprint, unsigned max_distance) const;
    std::uint64_t fingerprint_of(std::uint32_t id) const;
    std::size_t sighting_of(std::uint64_t fingerprint) const;
    bool sighting_is_enough(std::optional<std::uint64_t> recipient, const Settings::SmsCampaign& settings) const;
    CampaignState observe_sighting(std::uint64_t fingerprint, std::uint64_t sender,
                                   std::optional<std::uint64_t> recipient, Timestamp now);
    std::uint32_t campaign_from_sighting(std::uint32_t number, Timestamp window);
    std::uint32_t claim(std::uint64_t fingerprint, Timestamp now);
    void index(std::uint32_t id, std::uint64_t fingerprint, std::uint32_t replaced = kNoSlot);
    void promote(std::uint32_t slot);
    static void move_to_front(Bucket& ways, std::size_t from, std::uint32_t way);
    Bucket& bucket(std::size_t band, std::uint64_t fingerprint);
    const Bucket& bucket(std::size_t band, std::uint64_t fingerprint) const;
    std::size_t bucket_index(std::size_t band, std::uint64_t fingerprint) const;
    bool holds_band(std::uint32_t way, std::size_t band, std::uint64_t fingerprint) const;
    CampaignShare share_of(std::uint32_t slot) const;
    void note_change(std::uint32_t slot);
    void merge_peer(std::uint32_t slot, const CampaignShare& share, Timestamp window);

    mutable std::mutex mutex_;
    std::vector<Slot> slots_;
    std::vector<std::uint64_t> fingerprints_;
    std::vector<Timestamp> last_active_;
    std::vector<std::uint8_t> used_;
    std::array<std::vector<Bucket>, kBands> bands_;
    std::vector<Sighting> sightings_;  // as many as slots; emptied by track_changes()
    std::atomic<std::uint64_t> occupied_{0};
    std::atomic<std::uint64_t> evictions_{0};
    std::atomic<std::uint64_t> sightings_kept_{0};
    // behaviour.redis only (empty otherwise), guarded by mutex_.
    std::vector<std::uint8_t> changed_;
    std::vector<std::uint32_t> pending_;  // capacity: every slot, reserved up front
    std::vector<PeerView> peers_;
    std::atomic<std::uint64_t> peer_campaigns_{0};
};

}  // namespace scamgate::behaviour
