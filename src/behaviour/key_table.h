#pragma once
// The bounded, shared table of tracked keys. Sharded (up to 64 shards, one mutex each, the shard
// chosen by the key's hash) so the workers of a process rarely wait on one another. Each shard is
// a fixed array of slots allocated at construction (Capacity::keys split across the shards),
// probed linearly for at most 8 slots. A new key that finds neither itself nor a free slot in
// those 8 evicts the least recently active of them (counted: behaviour.evictions). Memory never
// grows after construction: a flood of millions of new callers replaces old entries, and a heavy
// caller that keeps calling stays, since some of the other probed slots are always older.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "behaviour/key_state.h"
#include "common/ip_address.h"

namespace scamgate::behaviour {

// The key hash of a text key of `kind` (XXH3-64 seeded by the kind; never 0).
std::uint64_t key_hash(KeyKind kind, std::string_view text);
std::uint64_t key_hash(KeyKind kind, const IpAddress& address);
// A 64-bit hash of an item counted distinctly (callee, recipient, sender).
std::uint64_t item_hash(std::string_view text);

class KeyTable {
public:
    static constexpr std::size_t kMaxShards = 64;
    static constexpr std::size_t kProbe = 8;
    static constexpr std::size_t kDrainChunk = 16;

    explicit KeyTable(std::size_t capacity);

    // Runs fn(State&) under the key's shard lock, creating the key (evicting if need be) when it
    // is absent, and marks it active at `now`.
    template <typename State, typename Fn>
    decltype(auto) update(std::uint64_t key, Timestamp now, Fn&& fn) {
        Shard& shard = shard_of(key);
        std::lock_guard lock(shard.mutex);
        const std::size_t i = claim(shard, key, now);
        if (tracking_) note_change(shard, i);
        KeyState& slot = shard.states[i];
        auto* state = std::get_if<State>(&slot);
        if (state == nullptr) state = &slot.template emplace<State>();  // new (or a rare cross-kind collision)
        return fn(*state);
    }

    // Runs fn(const State&) under the shard lock when the key is tracked; false when it is not.
    template <typename State, typename Fn>
    bool inspect(std::uint64_t key, Fn&& fn) const {
        const Shard& shard = shard_of(key);
        std::lock_guard lock(shard.mutex);
        const auto i = find_index(shard, key);
        if (!i) return false;
        const auto* state = std::get_if<State>(&shard.states[*i]);
        if (state == nullptr) return false;
        fn(*state);
        return true;
    }

    // Like update() but only for a tracked key (nothing is created): false when it is not tracked.
    template <typename State, typename Fn>
    bool update_existing(std::uint64_t key, Fn&& fn) {
        Shard& shard = shard_of(key);
        std::lock_guard lock(shard.mutex);
        const auto i = find_index(shard, key);
        if (!i) return false;
        auto* state = std::get_if<State>(&shard.states[*i]);
        if (state == nullptr) return false;
        if (tracking_) note_change(shard, *i);
        fn(*state);
        return true;
    }

    // Sets the key's whole state (creating the key, evicting if need be), marks it active at `now`.
    void assign(std::uint64_t key, Timestamp now, const KeyState& state) {
        Shard& shard = shard_of(key);
        std::lock_guard lock(shard.mutex);
        shard.states[claim(shard, key, now)] = state;
    }

    // Empties the key's state when it is tracked (its slot stays the key's until evicted).
    void clear_existing(std::uint64_t key) {
        Shard& shard = shard_of(key);
        std::lock_guard lock(shard.mutex);
        if (const auto i = find_index(shard, key)) shard.states[*i] = std::monostate{};
    }

    // ---- change tracking (behaviour.redis) ----
    // Off unless switched on, before any worker uses the table; then every update() and
    // update_existing() marks its slot changed, once until drained, in its shard's list. A slot is
    // in the list at most once, so the list never holds more than the shard's slots: no change is
    // ever dropped, and a key changed many times between two drains is sent once. 5 bytes per key.
    void track_changes();
    // Calls fn(key, const KeyState&) for every key changed since the last drain, clearing its mark.
    // The states are copied kDrainChunk at a time under the shard lock and fn runs on the copies
    // after it is released: a worker waits for at most 16 copies, never for fn.
    template <typename Fn>
    void drain_changes(Fn&& fn) {
        if (!tracking_) return;
        std::array<std::pair<std::uint64_t, KeyState>, kDrainChunk> batch;
        for (std::size_t s = 0; s < shards_.size(); ++s) {
            Shard& shard = shards_[s];
            Changes& c = changes_[s];
            for (bool more = true; more;) {
                std::size_t n = 0;
                {
                    std::lock_guard lock(shard.mutex);
                    while (n < kDrainChunk && !c.pending.empty()) {
                        const std::uint32_t i = c.pending.back();
                        c.pending.pop_back();
                        c.changed[i] = 0;
                        if (shard.keys[i] != 0) batch[n++] = {shard.keys[i], shard.states[i]};
                    }
                    more = !c.pending.empty();
                }
                for (std::size_t k = 0; k < n; ++k) fn(batch[k].first, static_cast<const KeyState&>(batch[k].second));
            }
        }
    }

    // Asks the CPU to start loading the key's likely slot (its home key and state), so that the
    // lookups of one contact's several keys wait for memory together rather than one by one.
    void prefetch(std::uint64_t key) const {
        const Shard& shard = shard_of(key);
        const std::size_t home = home_slot(shard, key);
        __builtin_prefetch(&shard.keys[home]);
        __builtin_prefetch(&shard.last_active[home]);
        const auto* state = reinterpret_cast<const char*>(&shard.states[home]);
        for (std::size_t line = 0; line < sizeof(KeyState); line += 64) __builtin_prefetch(state + line);
    }

    std::size_t capacity() const { return capacity_; }
    std::uint64_t occupied() const;   // keys tracked now
    std::uint64_t evictions() const;
    // With change tracking: 5 more bytes per key (a mark and a place in the list).
    std::size_t bytes() const {
        std::size_t tracking = 0;
        for (const auto& c : changes_) tracking += c.changed.size() * (1 + sizeof(std::uint32_t));  // sizes fixed at start
        return capacity_ * kBytesPerKey + shards_.size() * sizeof(Shard) + tracking;
    }

private:
    struct alignas(64) Shard {
        mutable std::mutex mutex;
        std::vector<std::uint64_t> keys;  // 0: free
        std::vector<Timestamp> last_active;
        std::vector<KeyState> states;
        std::atomic<std::uint64_t> occupied{0};
        std::atomic<std::uint64_t> evictions{0};
    };
    // Change tracking of one shard (guarded by its mutex): a mark per slot, the marked slots.
    struct Changes {
        std::vector<std::uint8_t> changed;
        std::vector<std::uint32_t> pending;  // capacity: the shard's slots, reserved up front
    };

    void note_change(const Shard& shard, std::size_t i) {
        Changes& c = changes_[static_cast<std::size_t>(&shard - shards_.data())];
        if (c.changed[i] != 0) return;
        c.changed[i] = 1;
        c.pending.push_back(static_cast<std::uint32_t>(i));
    }

    Shard& shard_of(std::uint64_t key) { return shards_[(key >> 40) % shards_.size()]; }
    const Shard& shard_of(std::uint64_t key) const { return shards_[(key >> 40) % shards_.size()]; }
    static std::size_t home_slot(const Shard& shard, std::uint64_t key);
    static std::optional<std::size_t> find_index(const Shard& shard, std::uint64_t key);
    static std::size_t claim(Shard& shard, std::uint64_t key, Timestamp now);  // the key's slot index

    std::size_t capacity_;
    std::vector<Shard> shards_;
    std::vector<Changes> changes_;  // one per shard with tracking on; empty otherwise
    bool tracking_ = false;
};

}  // namespace scamgate::behaviour
