#pragma once
// IPv4/IPv6 fragment reassembly, bounded in trains, bytes and datagram size. Internal to net/.
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/ip_address.h"
#include "net/decoder.h"
#include "net/flow.h"

namespace scamgate::net::detail {

struct FragmentKey {
    IpAddress src;
    IpAddress dst;
    std::uint32_t id = 0;
    std::uint8_t protocol = 0;  // IPv4 protocol; 0 for IPv6 (the next header may differ per RFC 8200)
    bool ipv6 = false;
    // Where the fragments came from: the same addresses behind different tunnels are different.
    std::array<std::uint16_t, Encapsulation::kMaxVlans> vlan_ids{};
    std::uint8_t vlan_count = 0;
    TunnelKind tunnel = TunnelKind::none;
    IpAddress tunnel_src;
    IpAddress tunnel_dst;
    std::uint32_t tunnel_id = 0;

    bool operator==(const FragmentKey&) const = default;
    std::size_t hash() const;
};

struct FragmentKeyHash {
    std::size_t operator()(const FragmentKey& k) const noexcept { return k.hash(); }
};

class FragmentObserver {
public:
    virtual ~FragmentObserver() = default;
    // `from_current_packet` is false for trains dropped by age or eviction: they are not the
    // fault of the packet being decoded.
    virtual void fragment_anomaly(NetAnomaly anomaly, bool from_current_packet) = 0;
};

struct Fragment {
    std::uint32_t offset = 0;  // in bytes
    ByteView data;
    bool more = false;
    std::uint8_t next_header = 0;  // IPv6: the fragment header's next header (offset 0 counts)
};

struct Reassembled {
    std::vector<std::uint8_t> datagram;  // the whole fragmentable part
    std::uint8_t next_header = 0;
};

class FragmentTable {
public:
    FragmentTable(const NetLimits& limits, FragmentObserver& observer);

    // Adds one fragment; returns the datagram when this fragment completed it.
    std::optional<Reassembled> add(const FragmentKey& key, Timestamp ts, const Fragment& fragment);
    void expire(Timestamp now);
    std::size_t trains() const { return index_.size(); }
    std::size_t bytes_held() const { return bytes_held_; }

private:
    struct Range {
        std::uint32_t begin;
        std::uint32_t end;
    };
    struct Train {
        FragmentKey key;
        Timestamp first_seen = 0;
        std::vector<std::uint8_t> data;
        std::vector<Range> received;  // sorted, disjoint, not adjacent
        std::optional<std::uint32_t> total_length;
        std::uint8_t next_header = 0;
        std::size_t held = 0;  // bytes charged to bytes_held_
    };
    using TrainList = std::list<Train>;  // oldest first

    bool fragment_is_sane(const Fragment& fragment) const;
    TrainList::iterator find_or_create(const FragmentKey& key, Timestamp ts);
    bool accept_end(Train& train, const Fragment& fragment, std::uint32_t end) const;
    bool overlaps_differently(const Train& train, const Fragment& fragment) const;
    bool make_room(TrainList::iterator keep, std::size_t growth);
    void store(Train& train, const Fragment& fragment);
    bool complete(const Train& train) const;
    void drop(TrainList::iterator it);
    void evict_oldest();

    NetLimits limits_;
    FragmentObserver& observer_;
    TrainList trains_;
    std::unordered_map<FragmentKey, TrainList::iterator, FragmentKeyHash> index_;
    std::size_t bytes_held_ = 0;
};

}  // namespace scamgate::net::detail
