#include "behaviour/key_table.h"

// Inlined (header-only xxHash): the hashes here are of a few bytes, where a library call costs
// as much as the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>

namespace scamgate::behaviour {

std::string_view key_kind_name(KeyKind kind) {
    switch (kind) {
        case KeyKind::caller: return "caller";
        case KeyKind::wangiri_caller: return "caller";
        case KeyKind::wangiri_prefix: return "caller prefix";
        case KeyKind::call_account: return "account";
        case KeyKind::source: return "source";
        case KeyKind::sms_sender: return "sender";
        case KeyKind::sms_account: return "account";
        case KeyKind::domain: return "domain";
    }
    return "key";
}

namespace {

// 0 marks a free slot: a key hashing to 0 is moved to 1.
std::uint64_t nonzero(std::uint64_t h) { return h == 0 ? 1 : h; }

// Shards of at least kProbe * 8 slots, so a probe rarely wraps around a tiny shard.
std::size_t shard_count(std::size_t capacity) {
    return std::clamp<std::size_t>(capacity / (KeyTable::kProbe * 8), 1, KeyTable::kMaxShards);
}

}  // namespace

std::uint64_t key_hash(KeyKind kind, std::string_view text) {
    return nonzero(XXH3_64bits_withSeed(text.data(), text.size(), static_cast<std::uint64_t>(kind) + 1));
}

std::uint64_t key_hash(KeyKind kind, const IpAddress& address) {
    const auto& bytes = address.bytes();
    const std::uint64_t seed = (static_cast<std::uint64_t>(kind) + 1) | (address.is_v4() ? 0x100u : 0x200u);
    return nonzero(XXH3_64bits_withSeed(bytes.data(), address.size(), seed));
}

std::uint64_t item_hash(std::string_view text) { return XXH3_64bits(text.data(), text.size()); }

KeyTable::KeyTable(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)), shards_(shard_count(capacity_)) {
    const std::size_t per_shard = capacity_ / shards_.size();
    const std::size_t remainder = capacity_ % shards_.size();
    for (std::size_t i = 0; i < shards_.size(); ++i) {
        const std::size_t n = per_shard + (i < remainder ? 1 : 0);
        shards_[i].keys.assign(n, 0);
        shards_[i].last_active.assign(n, 0);
        shards_[i].states.resize(n);
    }
}

void KeyTable::track_changes() {
    changes_.resize(shards_.size());
    for (std::size_t i = 0; i < shards_.size(); ++i) {
        Changes& c = changes_[i];
        c.changed.assign(shards_[i].keys.size(), 0);
        c.pending.reserve(shards_[i].keys.size());  // never grows beyond: no allocation on the packet path
    }
    tracking_ = true;
}

std::uint64_t KeyTable::occupied() const {
    std::uint64_t n = 0;
    for (const auto& shard : shards_) n += shard.occupied.load(std::memory_order_relaxed);
    return n;
}

std::uint64_t KeyTable::evictions() const {
    std::uint64_t n = 0;
    for (const auto& shard : shards_) n += shard.evictions.load(std::memory_order_relaxed);
    return n;
}

// Multiply-shift over the low 32 bits (the shard used bits 40 and up): uniform without a modulo.
std::size_t KeyTable::home_slot(const Shard& shard, std::uint64_t key) {
    return static_cast<std::size_t>(((key & 0xffffffffu) * shard.keys.size()) >> 32);
}

std::optional<std::size_t> KeyTable::find_index(const Shard& shard, std::uint64_t key) {
    const std::size_t n = shard.keys.size();
    const std::size_t probe = std::min(kProbe, n);
    std::size_t i = home_slot(shard, key);
    for (std::size_t step = 0; step < probe; ++step, i = (i + 1 == n ? 0 : i + 1)) {
        if (shard.keys[i] == key) return i;
    }
    return std::nullopt;
}

// The key's slot: its own, else the first free one of the probe, else the least recently active
// one of the probe, evicted. Slots are never freed, only replaced, and every lookup reads the
// whole probe, so no key is missed behind a hole.
std::size_t KeyTable::claim(Shard& shard, std::uint64_t key, Timestamp now) {
    const std::size_t n = shard.keys.size();
    const std::size_t probe = std::min(kProbe, n);
    std::size_t i = home_slot(shard, key);
    std::optional<std::size_t> free_slot;
    std::optional<std::size_t> oldest;
    for (std::size_t step = 0; step < probe; ++step, i = (i + 1 == n ? 0 : i + 1)) {
        if (shard.keys[i] == key) {
            shard.last_active[i] = std::max(shard.last_active[i], now);
            return i;
        }
        if (shard.keys[i] == 0) {
            if (!free_slot) free_slot = i;
        } else if (!oldest || shard.last_active[i] < shard.last_active[*oldest]) {
            oldest = i;
        }
    }
    std::size_t chosen = 0;
    if (free_slot) {
        chosen = *free_slot;
        shard.occupied.fetch_add(1, std::memory_order_relaxed);
    } else {
        chosen = *oldest;
        shard.evictions.fetch_add(1, std::memory_order_relaxed);
    }
    shard.keys[chosen] = key;
    shard.last_active[chosen] = now;
    shard.states[chosen] = std::monostate{};
    return chosen;
}

}  // namespace scamgate::behaviour
