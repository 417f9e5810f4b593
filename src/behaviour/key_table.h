#pragma once
// The bounded, shared table of tracked keys. Sharded (up to 64 shards, one mutex each, the shard
// chosen by the key's hash) so the workers of a process rarely wait on one another. Each shard is
// a fixed array of slots allocated at construction (Capacity::keys split across the shards),
// probed linearly for at most 8 slots. A new key that finds neither itself nor a free slot in
// those 8 evicts the least recently active of them (counted: behaviour.evictions). Memory never
// grows after construction: a flood of millions of new callers replaces old entries, and a heavy
// caller that keeps calling stays, since some of the other probed slots are always older.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
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

    explicit KeyTable(std::size_t capacity);

    // Runs fn(State&) under the key's shard lock, creating the key (evicting if need be) when it
    // is absent, and marks it active at `now`.
    template <typename State, typename Fn>
    decltype(auto) update(std::uint64_t key, Timestamp now, Fn&& fn) {
        Shard& shard = shard_of(key);
        std::lock_guard lock(shard.mutex);
        KeyState& slot = shard.states[claim(shard, key, now)];
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
        fn(*state);
        return true;
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
    std::size_t bytes() const { return capacity_ * kBytesPerKey + shards_.size() * sizeof(Shard); }

private:
    struct alignas(64) Shard {
        mutable std::mutex mutex;
        std::vector<std::uint64_t> keys;  // 0: free
        std::vector<Timestamp> last_active;
        std::vector<KeyState> states;
        std::atomic<std::uint64_t> occupied{0};
        std::atomic<std::uint64_t> evictions{0};
    };

    Shard& shard_of(std::uint64_t key) { return shards_[(key >> 40) % shards_.size()]; }
    const Shard& shard_of(std::uint64_t key) const { return shards_[(key >> 40) % shards_.size()]; }
    static std::size_t home_slot(const Shard& shard, std::uint64_t key);
    static std::optional<std::size_t> find_index(const Shard& shard, std::uint64_t key);
    static std::size_t claim(Shard& shard, std::uint64_t key, Timestamp now);  // the key's slot index

    std::size_t capacity_;
    std::vector<Shard> shards_;
};

}  // namespace scamgate::behaviour
