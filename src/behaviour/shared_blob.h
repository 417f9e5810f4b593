#pragma once
// behaviour.redis: one tracked key's shareable state as a blob (what an instance writes to Redis),
// and the merge of states from several instances (docs/behaviour.md, "Across gateways").
//
// Blob v1, little-endian, fixed layout per state kind:
//   u8 version (1), u8 kind (KeyState's variant index, 1..6), u16 zero,
//   then the state's components in the order components() visits them:
//     window counter of N: i64 window (ns), i64 bucket start, u32 previous[N], u32 current[N]
//     distinct window:     i64 window (ns), i64 bucket start, u64 previous[4], u64 current[4]
//     count (concurrent):  u32
// The window is written with each component, so that the merge of several instances' blobs (on
// the Redis client's thread, where no Settings are at hand) knows which buckets line up. What is
// not shared (a caller's sequential-callee run) is not in the blob and stays local.
//
// decode_blob() reads data from the network: every length, kind, window and bucket start is
// checked; a blob that fails is refused whole (the caller counts it, behaviour.redis_bad_blobs).
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>

#include "behaviour/behaviour.h"
#include "behaviour/campaign_table.h"
#include "behaviour/key_state.h"

namespace scamgate::behaviour {

inline constexpr std::uint8_t kBlobVersion = 1;
// The bucket start of a component that never counted anything (window.h's "far past").
inline constexpr Timestamp kNeverStart = std::numeric_limits<Timestamp>::min() / 2;

// The most windowed components one state has (CallerState: attempts, callees, outcomes).
inline constexpr std::size_t kMaxComponents = 4;

// A state as another instance shared it: the state and the window of each of its components
// (in components() order; a plain count's entry is 0).
struct SharedState {
    KeyState state;
    std::array<Timestamp, kMaxComponents> windows{};
};

// Appends the blob of `state` to `out`, its windows from `settings` (AccountState serves call and
// SMS accounts alike: one whose recipients never counted is written with the call windows).
// False (nothing appended) for an empty slot.
bool encode_blob(const KeyState& state, const Settings& settings, std::string& out);

// The longest window of the state's components (its blob's TTL in Redis is twice that, plus slack).
Timestamp longest_window(const KeyState& state, const Settings& settings);

// The state a blob holds, or nullopt when it is malformed: wrong version, kind or length, a
// window outside 1 ns..kLongestWindow, a bucket start neither "never" nor a multiple of its window.
std::optional<SharedState> decode_blob(std::span<const std::uint8_t> blob);

// Adds another instance's state of the same key into `into`, component by component: counters
// summed bucket by bucket, distinct bitmaps united, concurrent counts summed (see merge_window).
// A component whose window differs between the two is left as `into` has it (instances are
// meant to share their windows); states of different kinds (a hash collision) are not merged:
// false.
bool merge_shared(SharedState& into, const SharedState& from);

// The same at decision time, for the local state and the peers' view of one key, with the
// windows the settings in force give.
void merge_state(CallerState& into, const CallerState& from, const Settings& settings);
void merge_state(WangiriState& into, const WangiriState& from, const Settings& settings);
void merge_state(AccountState& into, const AccountState& from, const Settings& settings);
void merge_state(SourceState& into, const SourceState& from, const Settings& settings);
void merge_state(SenderState& into, const SenderState& from, const Settings& settings);
void merge_state(DomainState& into, const DomainState& from, const Settings& settings);

// One component's two buckets merged from another instance's. Buckets line up because every
// instance starts them at multiples of the window on packet time. Same start: summed (united).
// Different starts: the newer wins, and the older one's current bucket becomes (is added to) its
// previous bucket when it is exactly one window older; older still (expired) or not aligned, it
// is ignored. Never empty for SlidingCounters<N> and DistinctWindow.
void merge_window(WindowCounter& into, const WindowCounter& from, Timestamp window);
void merge_window(SlidingCounters<3>& into, const SlidingCounters<3>& from, Timestamp window);
void merge_window(DistinctWindow& into, const DistinctWindow& from, Timestamp window);

// ---- campaigns (campaign_table.h: CampaignShare) ----
// Campaign blob v1, little-endian, 172 bytes:
//   u8 version (1), u8 kind (kCampaignBlobKind, after every KeyState kind), u16 zero,
//   u64 fingerprint, i64 window (ns), i64 over_threshold_at (INT64_MIN: never),
//   distinct senders:    i64 bucket start, u64 previous[4], u64 current[4]
//   distinct recipients: i64 bucket start, u64 previous[4], u64 current[4]
// decode_campaign_blob() checks it as decode_blob() does (version, kind, exact length, window
// 1 ns..kLongestWindow, bucket starts "never" or multiples of the window within +-2^62 ns,
// over_threshold_at "never" or within +-2^62 ns); a key blob is not a campaign blob and back.
inline constexpr std::uint8_t kCampaignBlobKind = std::variant_size_v<KeyState>;
inline constexpr std::size_t kCampaignBlobSize = 4 + 8 + 8 + 8 + 2 * (8 + 2 * sizeof(DistinctBitmap));

void encode_campaign_blob(const CampaignShare& share, std::string& out);
std::optional<CampaignShare> decode_campaign_blob(std::span<const std::uint8_t> blob);

}  // namespace scamgate::behaviour
