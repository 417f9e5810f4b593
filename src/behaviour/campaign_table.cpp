#include "behaviour/campaign_table.h"

#include <algorithm>
#include <bit>

#include "behaviour/shared_blob.h"

namespace scamgate::behaviour {
namespace {

constexpr std::size_t kProbe = 8;

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::size_t scaled(std::uint64_t hash, std::size_t n) {  // uniform in [0, n) without a modulo
    return static_cast<std::size_t>(((hash >> 32) * n) >> 32);
}

std::uint64_t band_value(std::size_t band, std::uint64_t fingerprint) { return (fingerprint >> (16 * band)) & 0xffffu; }

// The 8 bits of a band value a way keeps beside its slot number. The bucket is chosen from a mix
// of all 16 bits, so band values that share a bucket differ in these bits 255 times in 256.
std::uint32_t band_tag(std::size_t band, std::uint64_t fingerprint) {
    return static_cast<std::uint32_t>(band_value(band, fingerprint) & 0xffu);
}

}  // namespace

CampaignTable::CampaignTable(std::size_t capacity)
    : slots_(std::clamp<std::size_t>(capacity, 1, kMaxCapacity)),
      fingerprints_(slots_.size(), 0),
      last_active_(slots_.size(), 0),
      used_(slots_.size(), 0),
      sightings_(slots_.size()) {
    Bucket empty;
    empty.fill(kNoSlot);
    for (auto& band : bands_) band.assign(slots_.size(), empty);
}

std::size_t CampaignTable::bytes_per_campaign() {
    return sizeof(Slot) + sizeof(std::uint64_t) + sizeof(Timestamp) + sizeof(std::uint8_t) + kBands * sizeof(Bucket) +
           sizeof(Sighting);
}
std::size_t CampaignTable::bytes_per_peer_view() {
    // The view, the change mark, its place in the list of marks.
    return sizeof(PeerView) + sizeof(std::uint8_t) + sizeof(std::uint32_t);
}
std::size_t CampaignTable::bytes() const {
    return slots_.size() * (bytes_per_campaign() + (tracking() ? bytes_per_peer_view() - sizeof(Sighting) : 0));
}

void CampaignTable::track_changes() {
    const std::lock_guard lock(mutex_);
    changed_.assign(slots_.size(), 0);
    pending_.reserve(slots_.size());  // never grows beyond: no allocation on the packet path
    peers_.assign(slots_.size(), PeerView{});
    std::vector<Sighting>().swap(sightings_);  // shared campaigns take a slot at once
}

void CampaignTable::note_change(std::uint32_t slot) {
    if (changed_[slot] != 0) return;
    changed_[slot] = 1;
    pending_.push_back(slot);
}

CampaignShare CampaignTable::share_of(std::uint32_t slot) const {
    CampaignShare share;
    share.fingerprint = fingerprints_[slot];
    share.over_threshold_at = slots_[slot].over_threshold_at;
    share.senders = slots_[slot].senders;
    share.recipients = slots_[slot].recipients;
    return share;
}

void CampaignTable::merge_peer(std::uint32_t slot, const CampaignShare& share, Timestamp window) {
    PeerView& view = peers_[slot];
    if (!view.present) {
        view.present = true;
        peer_campaigns_.fetch_add(1, std::memory_order_relaxed);
    }
    merge_window(view.senders, share.senders, window);
    merge_window(view.recipients, share.recipients, window);
    view.over_threshold_at = std::max(view.over_threshold_at, share.over_threshold_at);
}

std::size_t CampaignTable::adopt_peers(const std::vector<CampaignShare>& shares, unsigned max_distance) {
    max_distance = std::min(max_distance, kMaxDistance);
    std::size_t adopted = 0;
    const std::lock_guard lock(mutex_);
    if (!tracking()) return 0;
    for (const CampaignShare& share : shares) {
        std::uint32_t id = 0;
        if (const auto near = nearest(share.fingerprint, max_distance)) {
            id = *near;
        } else {
            id = claim(share.fingerprint, std::max(share.senders.start, share.recipients.start));
            index(id, share.fingerprint);
            ++adopted;
        }
        merge_peer(id, share, share.window);
    }
    return adopted;
}

std::size_t CampaignTable::merge_peers(const std::vector<CampaignShare>& shares, unsigned max_distance,
                                       Timestamp window) {
    max_distance = std::min(max_distance, kMaxDistance);
    std::size_t merged = 0;
    const std::lock_guard lock(mutex_);
    if (!tracking()) return 0;
    for (const CampaignShare& share : shares) {
        if (share.window != window) continue;  // buckets would not line up (instances share their windows)
        for (std::size_t band = 0; band < kBands; ++band) {
            for (const std::uint32_t way : bucket(band, share.fingerprint)) {
                if (!holds_band(way, band, share.fingerprint)) continue;
                const std::uint32_t slot = slot_of(way);
                const auto distance = static_cast<unsigned>(std::popcount(fingerprints_[slot] ^ share.fingerprint));
                if (distance > max_distance) continue;
                merge_peer(slot, share, window);  // idempotent: a slot found in two bands merges twice, harmlessly
                ++merged;
            }
        }
    }
    return merged;
}

std::size_t CampaignTable::bucket_index(std::size_t band, std::uint64_t fingerprint) const {
    return scaled(mix(band_value(band, fingerprint) | (std::uint64_t{band} << 16)), bands_[band].size());
}
CampaignTable::Bucket& CampaignTable::bucket(std::size_t band, std::uint64_t fingerprint) {
    return bands_[band][bucket_index(band, fingerprint)];
}
const CampaignTable::Bucket& CampaignTable::bucket(std::size_t band, std::uint64_t fingerprint) const {
    return bands_[band][bucket_index(band, fingerprint)];
}

// The way's campaign or sighting is in use and has this band value (its tag is checked first: no
// slot read).
bool CampaignTable::holds_band(std::uint32_t way, std::size_t band, std::uint64_t fingerprint) const {
    if (way == kNoSlot || way >> kSlotBits != band_tag(band, fingerprint)) return false;
    const std::uint32_t number = slot_of(way);
    if (is_sighting(way)) {
        const Sighting& s = sightings_[number];
        return s.at != kNever && band_value(band, s.fingerprint) == band_value(band, fingerprint);
    }
    return used_[number] != 0 && band_value(band, fingerprints_[number]) == band_value(band, fingerprint);
}

std::uint64_t CampaignTable::fingerprint_of(std::uint32_t id) const {
    return is_sighting(id) ? sightings_[slot_of(id)].fingerprint : fingerprints_[slot_of(id)];
}

std::size_t CampaignTable::sighting_of(std::uint64_t fingerprint) const {
    return scaled(mix(fingerprint ^ 0x5851f42d4c957f2dULL), sightings_.size());
}

void CampaignTable::prefetch(std::uint64_t fingerprint) const {
    for (std::size_t band = 0; band < kBands; ++band) __builtin_prefetch(&bucket(band, fingerprint));
    const std::size_t home = scaled(mix(fingerprint), slots_.size());
    __builtin_prefetch(&used_[home]);
    __builtin_prefetch(&last_active_[home]);
    if (!sightings_.empty()) __builtin_prefetch(&sightings_[sighting_of(fingerprint)], 1);
}

std::optional<std::uint32_t> CampaignTable::nearest(std::uint64_t fingerprint, unsigned max_distance) const {
    std::optional<std::uint32_t> best;
    int best_distance = static_cast<int>(max_distance) + 1;
    for (std::size_t band = 0; band < kBands; ++band) {
        for (const std::uint32_t way : bucket(band, fingerprint)) {
            if (!holds_band(way, band, fingerprint)) continue;  // empty, another band value, or displaced
            const int distance = std::popcount(fingerprint_of(way) ^ fingerprint);
            const bool closer = distance < best_distance ||
                                (distance == best_distance && best && is_sighting(*best) && !is_sighting(way));
            if (closer) {
                best = id_of(way);
                best_distance = distance;
                if (distance == 0 && !is_sighting(way)) return best;
            }
        }
    }
    return best;
}

// A slot for a new campaign: the first free one of its probe, else the least recently active.
std::uint32_t CampaignTable::claim(std::uint64_t fingerprint, Timestamp now) {
    const std::size_t n = slots_.size();
    std::size_t i = scaled(mix(fingerprint), n);
    std::size_t chosen = i;
    bool found_free = false;
    for (std::size_t step = 0; step < std::min(kProbe, n); ++step, i = (i + 1 == n ? 0 : i + 1)) {
        if (used_[i] == 0) {
            chosen = i;
            found_free = true;
            break;
        }
        if (last_active_[i] < last_active_[chosen]) chosen = i;
    }
    (found_free ? occupied_ : evictions_).fetch_add(1, std::memory_order_relaxed);
    slots_[chosen] = Slot{};
    if (tracking() && peers_[chosen].present) {  // the evicted campaign's peers are not the new one's
        peers_[chosen] = PeerView{};
        peer_campaigns_.fetch_sub(1, std::memory_order_relaxed);
    }
    fingerprints_[chosen] = fingerprint;
    last_active_[chosen] = now;
    used_[chosen] = 1;
    return static_cast<std::uint32_t>(chosen);
}

// Enters a new campaign at the front of its 4 band buckets. A bucket's ways are kept most recently
// used first (a claim or a member found through it moves its way to the front), so the way pushed
// out is the least recently used; a way left by an evicted campaign fails holds_band() and drifts
// to the back. Neither reads a slot: only the bucket's own cache line, which prefetch() loaded.
// `id` is a campaign's slot or kSightingBit | a sighting's number; `replaced`, the id of the
// sighting a new campaign grows from.
void CampaignTable::index(std::uint32_t id, std::uint64_t fingerprint, std::uint32_t replaced) {
    for (std::size_t band = 0; band < kBands; ++band) {
        Bucket& ways = bucket(band, fingerprint);
        // The previous holder of the slot or sighting, or the sighting replaced, may still have a
        // way here: that one goes, not the last.
        std::size_t out = kBandWays - 1;
        for (std::size_t w = 0; w < kBandWays; ++w) {
            if (ways[w] != kNoSlot && (id_of(ways[w]) == id || id_of(ways[w]) == replaced)) {
                out = w;
                break;
            }
        }
        move_to_front(ways, out, band_tag(band, fingerprint) << kSlotBits | id);
    }
}

// A member found campaign `slot`: its ways move to the front of their buckets.
void CampaignTable::promote(std::uint32_t slot) {
    const std::uint64_t fingerprint = fingerprints_[slot];
    for (std::size_t band = 0; band < kBands; ++band) {
        Bucket& ways = bucket(band, fingerprint);
        const std::uint32_t way = band_tag(band, fingerprint) << kSlotBits | slot;
        for (std::size_t w = 1; w < kBandWays; ++w) {
            if (ways[w] == way) {
                move_to_front(ways, w, way);
                break;
            }
        }
    }
}

// What a campaign of one member holds: one distinct sender, and one distinct recipient when the
// member has one (the linear-counting estimate of one bit in an empty bitmap, as DistinctWindow
// gives it in its first bucket). A sighting is enough when that does not reach a threshold.
namespace {
double one_distinct() { return linear_counting_table()[DistinctBitmap::kBits - 1]; }
std::uint16_t bitmap_bit(std::uint64_t hash) { return static_cast<std::uint16_t>(hash % DistinctBitmap::kBits); }
}  // namespace

bool CampaignTable::sighting_is_enough(std::optional<std::uint64_t> recipient,
                                       const Settings::SmsCampaign& settings) const {
    const double recipients = recipient ? one_distinct() : 0.0;
    return !((settings.min_senders > 0 && one_distinct() >= settings.min_senders) ||
             (settings.min_recipients > 0 && recipients >= settings.min_recipients));
}

// A text near no campaign or sighting: kept as a sighting, answered as a campaign of one member.
CampaignState CampaignTable::observe_sighting(std::uint64_t fingerprint, std::uint64_t sender,
                                              std::optional<std::uint64_t> recipient, Timestamp now) {
    const auto number = static_cast<std::uint32_t>(sighting_of(fingerprint));
    sightings_[number] = Sighting{fingerprint, now, bitmap_bit(sender), recipient ? bitmap_bit(*recipient) : std::uint16_t{0},
                                  recipient.has_value()};
    index(kSightingBit | number, fingerprint);
    sightings_kept_.fetch_add(1, std::memory_order_relaxed);
    CampaignState state;
    state.fingerprint = fingerprint;
    state.senders = one_distinct();
    state.recipients = recipient ? one_distinct() : 0.0;
    return state;
}

// A second text near sighting `number`: the campaign it makes, its first member counted at the
// sighting's time (the caller counts the second). Its ways take the sighting's.
std::uint32_t CampaignTable::campaign_from_sighting(std::uint32_t number, Timestamp window) {
    const Sighting first = sightings_[number];
    sightings_[number].at = kNever;
    const std::uint32_t id = claim(first.fingerprint, first.at);
    index(id, first.fingerprint, kSightingBit | number);
    Slot& campaign = slots_[id];
    campaign.senders.add(first.at, window, first.sender_bit);
    if (first.has_recipient) campaign.recipients.add(first.at, window, first.recipient_bit);
    return id;
}

void CampaignTable::move_to_front(Bucket& ways, std::size_t from, std::uint32_t way) {
    for (std::size_t w = from; w > 0; --w) ways[w] = ways[w - 1];
    ways[0] = way;
}

CampaignState CampaignTable::observe(std::uint64_t fingerprint, std::uint64_t sender,
                                     std::optional<std::uint64_t> recipient, Timestamp now,
                                     const Settings::SmsCampaign& settings) {
    const unsigned max_distance = std::min(settings.max_distance, kMaxDistance);
    std::lock_guard lock(mutex_);
    std::uint32_t id = 0;
    const auto near = nearest(fingerprint, max_distance);
    if (near && !is_sighting(*near)) {
        id = *near;
        promote(id);
    } else if (near) {
        id = campaign_from_sighting(slot_of(*near), settings.window);
    } else if (!sightings_.empty() && sighting_is_enough(recipient, settings)) {
        return observe_sighting(fingerprint, sender, recipient, now);
    } else {
        id = claim(fingerprint, now);
        index(id, fingerprint);
    }
    Slot& campaign = slots_[id];
    last_active_[id] = std::max(last_active_[id], now);
    campaign.senders.add(now, settings.window, sender);
    if (recipient) campaign.recipients.add(now, settings.window, *recipient);

    CampaignState state;
    state.fingerprint = fingerprints_[id];
    Timestamp recognised_at = campaign.over_threshold_at;
    const PeerView* peer = nullptr;
    if (tracking()) {  // behaviour.redis only: local-only tables never reach here
        note_change(id);
        if (peers_[id].present) peer = &peers_[id];
    }
    if (peer == nullptr) {
        state.senders = campaign.senders.estimate(now, settings.window);
        state.recipients = campaign.recipients.estimate(now, settings.window);
    } else {  // this gateway's counts and the other gateways' together
        DistinctWindow senders = campaign.senders;
        DistinctWindow recipients = campaign.recipients;
        merge_window(senders, peer->senders, settings.window);
        merge_window(recipients, peer->recipients, settings.window);
        state.senders = senders.estimate(now, settings.window);
        state.recipients = recipients.estimate(now, settings.window);
        recognised_at = std::max(recognised_at, peer->over_threshold_at);
    }
    state.over_threshold = (settings.min_senders > 0 && state.senders >= settings.min_senders) ||
                           (settings.min_recipients > 0 && state.recipients >= settings.min_recipients);
    if (state.over_threshold) campaign.over_threshold_at = now;
    // recognised_at > now - window, not now - recognised_at < window: a peer's time (any value a
    // blob may hold) minus packet time could overflow.
    state.recognised = state.over_threshold || (recognised_at != kNever &&
                                                recognised_at > now - usable_window(settings.window));
    return state;
}

}  // namespace scamgate::behaviour
