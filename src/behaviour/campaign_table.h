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
// One mutex for the table: near fingerprints may live anywhere in it, so it cannot be sharded by
// fingerprint. It is held for one lookup and one update (well under a microsecond).
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

class CampaignTable {
public:
    static constexpr std::size_t kBands = 4;
    static constexpr std::size_t kBandWays = 4;
    static constexpr unsigned kMaxDistance = 3;  // what 4 bands of 16 bits guarantee
    static constexpr std::size_t kMaxCapacity = (std::size_t{1} << 24) - 1;  // slot numbers fit 24 bits, one value for "empty"

    explicit CampaignTable(std::size_t capacity);

    // Counts a member (its sender, its first recipient when known) and answers its campaign.
    CampaignState observe(std::uint64_t fingerprint, std::uint64_t sender, std::optional<std::uint64_t> recipient,
                          Timestamp now, const Settings::SmsCampaign& settings);

    // Asks the CPU to start loading what observe(fingerprint) reads first: the fingerprint's four
    // band buckets and the slots a new campaign would be claimed from. Called before other work
    // of the same message, so those cache misses overlap with it.
    void prefetch(std::uint64_t fingerprint) const;

    std::uint64_t occupied() const { return occupied_.load(std::memory_order_relaxed); }
    std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
    std::size_t bytes() const;
    static std::size_t bytes_per_campaign();

private:
    static constexpr Timestamp kNever = std::numeric_limits<Timestamp>::min();
    static constexpr std::uint32_t kNoSlot = std::numeric_limits<std::uint32_t>::max();  // an empty way
    static constexpr unsigned kSlotBits = 24;
    static constexpr std::uint32_t slot_of(std::uint32_t way) { return way & ((1u << kSlotBits) - 1); }

    // A campaign's counts. Its fingerprint, last activity and whether it is used are kept in
    // parallel arrays, so a lookup compares fingerprints without touching the counts.
    struct Slot {  // 152 bytes
        Timestamp over_threshold_at = kNever;  // last member that reached a threshold
        DistinctWindow senders;
        DistinctWindow recipients;
    };
    using Bucket = std::array<std::uint32_t, kBandWays>;  // ways: tag << kSlotBits | slot, or kNoSlot

    std::optional<std::uint32_t> nearest(std::uint64_t fingerprint, unsigned max_distance) const;
    std::uint32_t claim(std::uint64_t fingerprint, Timestamp now);
    void index(std::uint32_t slot, std::uint64_t fingerprint);
    void promote(std::uint32_t slot);
    static void move_to_front(Bucket& ways, std::size_t from, std::uint32_t way);
    Bucket& bucket(std::size_t band, std::uint64_t fingerprint);
    const Bucket& bucket(std::size_t band, std::uint64_t fingerprint) const;
    std::size_t bucket_index(std::size_t band, std::uint64_t fingerprint) const;
    bool holds_band(std::uint32_t way, std::size_t band, std::uint64_t fingerprint) const;

    mutable std::mutex mutex_;
    std::vector<Slot> slots_;
    std::vector<std::uint64_t> fingerprints_;
    std::vector<Timestamp> last_active_;
    std::vector<std::uint8_t> used_;
    std::array<std::vector<Bucket>, kBands> bands_;
    std::atomic<std::uint64_t> occupied_{0};
    std::atomic<std::uint64_t> evictions_{0};
};

}  // namespace scamgate::behaviour
