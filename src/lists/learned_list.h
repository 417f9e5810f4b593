#pragma once
// The learned block list (lists.learned): numbers and registrable domains that behaviour flagged
// (or an operator added), each with an absolute expiry. One table for the whole process, read by
// every worker at each decision (a shared lock and one hash lookup) and changed by the workers
// (a blocking behaviour finding), the control socket (`scamgate lists add|remove|import`) and
// the loader. Bounded: beyond `max_entries` the entry that expires first is evicted.
//
// Times are Unix seconds. A contact matches an entry while its packet time is before the entry's
// expiry, so a replay judges a capture by the capture's own clock; the daemon also drops entries
// whose expiry the wall clock has passed (prune) before it saves.
//
// File format (the persisted file, `scamgate lists export` and `scamgate lists import` alike):
// UTF-8 text, one entry a line, '#' starts a comment, blank lines ignored:
//     ENTRY [EXPIRES [ADDED [BY]]]
// ENTRY is a number in E.164 with '+' (+22200990011) or a registrable domain (example.com);
// EXPIRES and ADDED are Unix seconds; BY is the finding that added it (behaviour.wangiri, ...) or
// "manual". A bare ENTRY (a list from a bank) expires the default TTL after the import.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace scamgate::lists {

enum class LearnedKind : std::uint8_t { number, domain };

struct LearnedKey {
    std::string key;  // a number's E.164 digits without '+', or a lower-case domain
    LearnedKind kind = LearnedKind::number;
};

// "+22200990011" or "22200990011" (1..15 digits) -> a number; a host name with a dot -> a domain
// (lower-cased); anything else nullopt.
std::optional<LearnedKey> parse_learned_key(std::string_view text);

struct LearnedEntry {
    std::string key;  // as LearnedKey::key
    LearnedKind kind = LearnedKind::number;
    std::int64_t expires = 0;  // Unix seconds: matches contacts before this
    std::int64_t added = 0;    // Unix seconds
    std::string by;            // the finding that added it, or "manual"

    std::string display() const;  // "+digits" for a number, the domain as is
    bool operator==(const LearnedEntry&) const = default;
};

// A line of a learned-list file that cannot be read: "FILE:LINE: what is wrong".
class LearnedListError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads a learned-list text (see the file format above). `source` names it in errors; a bare
// entry gets added = now, expires = now + default_ttl, by = "manual". Throws LearnedListError.
std::vector<LearnedEntry> parse_learned_text(std::string_view text, const std::string& source, std::int64_t now,
                                             std::int64_t default_ttl);

// 2026-12-05T13:48:59Z
std::string whole_seconds_rfc3339(std::int64_t unix_seconds);

// The text of `entries` in the file format, with a "# " header naming the time `now`.
std::string learned_text(const std::vector<LearnedEntry>& entries, std::int64_t now);

// Told of the changes made on this process (a finding, `lists add|remove|import`, a file loaded
// before the observer was set is not told): lists/learned_sync.h sends them to Redis. Called on
// the changing thread after the table's lock is released; must not block (it only queues).
class LearnedObserver {
public:
    virtual ~LearnedObserver() = default;
    virtual void on_learned(const LearnedEntry& entry) = 0;
    virtual void on_removed(const LearnedKey& key) = 0;
};

class LearnedList {
public:
    // ttl: seconds an entry added by a finding lives (lists.learned_ttl); max_entries >= 1.
    LearnedList(std::size_t max_entries, std::int64_t ttl);

    // Adds the entry, or updates it when its key is there (the later expiry wins; when the new
    // entry's is later, its `added` and `by` replace the old ones). Returns whether anything
    // changed. Evicts the entry that expires first when the table is full.
    bool add(LearnedEntry entry);
    // A finding flagged `key` at `at` (Unix seconds): on the list until at + ttl.
    bool learn(LearnedKey key, std::int64_t at, std::string_view by);
    bool remove(const LearnedKey& key);
    // Changes that came from elsewhere (the shared list in Redis): like add(), and a removal of
    // `key` only when its entry was added at or before `removed_at` (a later re-learning stands).
    // The observer is not told, so nothing is echoed back.
    bool merge(LearnedEntry entry);
    bool retract(const LearnedKey& key, std::int64_t removed_at);
    // Set once before the workers start and cleared (nullptr) after they stopped; not owned.
    void set_observer(LearnedObserver* observer) { observer_.store(observer, std::memory_order_release); }
    // Whether `key` is on the list and not expired at `at` (Unix seconds). Cheap: shared lock.
    bool contains(std::string_view key, std::int64_t at) const;
    // Removes the entries expired at `now`; returns how many.
    std::size_t prune(std::int64_t now);
    std::vector<LearnedEntry> entries() const;  // sorted by kind, then key
    std::size_t size() const;
    std::size_t max_entries() const { return max_entries_; }
    std::int64_t ttl() const { return ttl_; }
    // Goes up with every change (the saver writes the file when it moved).
    std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
    std::uint64_t evicted() const { return evicted_.load(std::memory_order_relaxed); }

    // Loads `path` (a missing file is an empty list) on top of the table. Throws
    // LearnedListError "path:line: ..." for a bad line, or when the file cannot be read.
    void load_file(const std::string& path, std::int64_t now);
    // Writes the entries to `path` atomically (a temporary file beside it, mode 0600, then
    // rename): the list names people's numbers. Throws std::runtime_error on failure.
    void save_file(const std::string& path, std::int64_t now) const;

private:
    bool add_locked(LearnedEntry entry);
    void changed() { version_.fetch_add(1, std::memory_order_acq_rel); }
    bool erase_locked(const std::string& key);

    std::size_t max_entries_;
    std::int64_t ttl_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, LearnedEntry> entries_;
    std::set<std::pair<std::int64_t, std::string>> by_expiry_;  // (expires, key): the first is evicted first
    std::atomic<std::uint64_t> version_{0};
    std::atomic<std::uint64_t> evicted_{0};
    std::atomic<LearnedObserver*> observer_{nullptr};
};

}  // namespace scamgate::lists
