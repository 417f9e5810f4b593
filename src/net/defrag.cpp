#include "net/defrag.h"

#include <algorithm>
#include <cstring>

namespace scamgate::net::detail {
namespace {

std::size_t mix(std::size_t seed, std::size_t value) {
    return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

}  // namespace

std::size_t FragmentKey::hash() const {
    std::size_t h = src.hash();
    h = mix(h, dst.hash());
    h = mix(h, id);
    h = mix(h, std::size_t{protocol} << 1 | (ipv6 ? 1 : 0));
    for (std::size_t i = 0; i < vlan_count && i < vlan_ids.size(); ++i) h = mix(h, vlan_ids[i]);
    if (tunnel != TunnelKind::none) {
        h = mix(h, static_cast<std::size_t>(tunnel));
        h = mix(h, tunnel_src.hash());
        h = mix(h, tunnel_dst.hash());
        h = mix(h, tunnel_id);
    }
    return h;
}

FragmentTable::FragmentTable(const NetLimits& limits, FragmentObserver& observer)
    : limits_(limits), observer_(observer) {}

std::optional<Reassembled> FragmentTable::add(const FragmentKey& key, Timestamp ts,
                                              const Fragment& fragment) {
    expire(ts);
    const std::uint64_t end = std::uint64_t{fragment.offset} + fragment.data.size();
    if (end > limits_.max_datagram_size) {
        observer_.fragment_anomaly(NetAnomaly::fragment_too_large, true);
        if (auto found = index_.find(key); found != index_.end()) drop(found->second);
        return std::nullopt;
    }
    if (!fragment_is_sane(fragment)) {
        observer_.fragment_anomaly(NetAnomaly::bad_fragment_offset, true);
        return std::nullopt;
    }
    auto it = find_or_create(key, ts);
    if (it == trains_.end()) return std::nullopt;
    Train& train = *it;
    if (!accept_end(train, fragment, static_cast<std::uint32_t>(end))) {
        observer_.fragment_anomaly(NetAnomaly::bad_fragment_offset, true);
        drop(it);
        return std::nullopt;
    }
    if (overlaps_differently(train, fragment)) {
        observer_.fragment_anomaly(NetAnomaly::fragment_overlap, true);
        drop(it);
        return std::nullopt;
    }
    const std::size_t growth = end > train.data.size() ? end - train.data.size() : 0;
    if (!make_room(it, growth)) {
        observer_.fragment_anomaly(NetAnomaly::fragment_table_full, true);
        drop(it);
        return std::nullopt;
    }
    store(train, fragment);
    if (fragment.offset == 0) train.next_header = fragment.next_header;
    if (!complete(train)) return std::nullopt;

    Reassembled done{std::move(train.data), train.next_header};
    done.datagram.resize(*train.total_length);
    drop(it);
    return done;
}

void FragmentTable::expire(Timestamp now) {
    while (!trains_.empty() && now - trains_.front().first_seen >= limits_.fragment_timeout) {
        observer_.fragment_anomaly(NetAnomaly::fragment_timeout, false);
        drop(trains_.begin());
    }
}

// Every fragment but the last carries a multiple of 8 bytes, and none is empty.
bool FragmentTable::fragment_is_sane(const Fragment& fragment) const {
    if (fragment.more && (fragment.data.empty() || fragment.data.size() % 8 != 0)) return false;
    return !(fragment.data.empty() && fragment.offset == 0);
}

FragmentTable::TrainList::iterator FragmentTable::find_or_create(const FragmentKey& key, Timestamp ts) {
    if (auto found = index_.find(key); found != index_.end()) return found->second;
    if (limits_.max_fragment_trains == 0) {
        observer_.fragment_anomaly(NetAnomaly::fragment_table_full, true);
        return trains_.end();
    }
    while (index_.size() >= limits_.max_fragment_trains) evict_oldest();
    trains_.push_back(Train{.key = key, .first_seen = ts, .data = {}, .received = {},
                            .total_length = std::nullopt, .next_header = 0, .held = 0});
    auto it = std::prev(trains_.end());
    index_.emplace(key, it);
    return it;
}

// The last fragment fixes the length; nothing may lie beyond it or contradict it.
bool FragmentTable::accept_end(Train& train, const Fragment& fragment, std::uint32_t end) const {
    if (!fragment.more) {
        if (train.total_length && *train.total_length != end) return false;
        if (!train.received.empty() && train.received.back().end > end) return false;
        train.total_length = end;
        return true;
    }
    return !train.total_length || end <= *train.total_length;
}

bool FragmentTable::overlaps_differently(const Train& train, const Fragment& fragment) const {
    const std::uint32_t begin = fragment.offset;
    const auto end = static_cast<std::uint32_t>(begin + fragment.data.size());
    for (const Range& r : train.received) {
        const std::uint32_t lo = std::max(begin, r.begin);
        const std::uint32_t hi = std::min(end, r.end);
        if (lo >= hi) continue;
        if (std::memcmp(train.data.data() + lo, fragment.data.data() + (lo - begin), hi - lo) != 0) {
            return true;
        }
    }
    return false;
}

bool FragmentTable::make_room(TrainList::iterator keep, std::size_t growth) {
    while (bytes_held_ + growth > limits_.max_fragment_bytes) {
        if (trains_.begin() == keep) {
            if (std::next(keep) == trains_.end()) return false;
            // Evict the oldest other train.
            auto victim = std::next(keep);
            observer_.fragment_anomaly(NetAnomaly::fragment_table_full, false);
            drop(victim);
            continue;
        }
        evict_oldest();
    }
    return true;
}

void FragmentTable::store(Train& train, const Fragment& fragment) {
    const std::uint32_t begin = fragment.offset;
    const auto end = static_cast<std::uint32_t>(begin + fragment.data.size());
    if (end > train.data.size()) {
        bytes_held_ += end - train.data.size();
        train.held += end - train.data.size();
        train.data.resize(end);
    }
    std::copy(fragment.data.begin(), fragment.data.end(), train.data.begin() + begin);

    auto& ranges = train.received;
    auto pos = std::lower_bound(ranges.begin(), ranges.end(), begin,
                                [](const Range& r, std::uint32_t b) { return r.begin < b; });
    ranges.insert(pos, Range{begin, end});
    std::vector<Range> merged;
    merged.reserve(ranges.size());
    for (const Range& r : ranges) {
        if (!merged.empty() && r.begin <= merged.back().end) {
            merged.back().end = std::max(merged.back().end, r.end);
        } else {
            merged.push_back(r);
        }
    }
    ranges = std::move(merged);
}

bool FragmentTable::complete(const Train& train) const {
    return train.total_length && train.received.size() == 1 && train.received[0].begin == 0 &&
           train.received[0].end == *train.total_length;
}

void FragmentTable::drop(TrainList::iterator it) {
    bytes_held_ -= it->held;
    index_.erase(it->key);
    trains_.erase(it);
}

void FragmentTable::evict_oldest() {
    observer_.fragment_anomaly(NetAnomaly::fragment_table_full, false);
    drop(trains_.begin());
}

}  // namespace scamgate::net::detail
