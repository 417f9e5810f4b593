#include "lists/learned_list.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "common/time.h"

namespace scamgate::lists {

namespace {

constexpr std::size_t kMaxDigits = 15;   // E.164
constexpr std::size_t kMaxDomain = 253;  // DNS
constexpr std::size_t kMaxBy = 64;
// Times are kept within 1970..2100, so a capture with a wild packet time cannot write a file the
// next start refuses, and a time in nanoseconds never overflows.
constexpr std::int64_t kMaxTime = 4'102'444'800;

bool printable(std::string_view field) {
    return std::all_of(field.begin(), field.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool domain_char(unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '.'; }

std::optional<std::int64_t> parse_seconds(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0 || value > kMaxTime) return std::nullopt;
    return value;
}

std::vector<std::string_view> fields_of(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LearnedListError(fmt::format("{}: cannot read the learned list: {}", path, std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string whole_seconds_rfc3339(std::int64_t unix_seconds) {
    const std::string full = format_rfc3339(std::clamp<std::int64_t>(unix_seconds, 0, kMaxTime) * kNanosPerSecond);  // ...T13:48:59.000000000Z
    const auto dot = full.find('.');
    return dot == std::string::npos ? full : full.substr(0, dot) + "Z";
}

std::optional<LearnedKey> parse_learned_key(std::string_view text) {
    const std::string_view digits = text.starts_with('+') ? text.substr(1) : text;
    if (all_digits(digits)) {
        if (digits.size() > kMaxDigits) return std::nullopt;
        return LearnedKey{std::string(digits), LearnedKind::number};
    }
    if (text.empty() || text.size() > kMaxDomain || text.find('.') == std::string_view::npos) return std::nullopt;
    if (text.front() == '.' || text.back() == '.' || text.find("..") != std::string_view::npos) return std::nullopt;
    std::string domain;
    for (const unsigned char c : text) {
        if (!domain_char(c)) return std::nullopt;
        domain.push_back(static_cast<char>(std::tolower(c)));
    }
    return LearnedKey{std::move(domain), LearnedKind::domain};
}

std::string LearnedEntry::display() const { return kind == LearnedKind::number ? "+" + key : key; }

std::vector<LearnedEntry> parse_learned_text(std::string_view text, const std::string& source, std::int64_t now,
                                             std::int64_t default_ttl) {
    std::vector<LearnedEntry> entries;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const auto fields = fields_of(line);
        if (fields.empty()) continue;
        const auto fail = [&](const std::string& what) {
            return LearnedListError(fmt::format("{}:{}: {}", source, line_no, what));
        };
        if (fields.size() > 4) throw fail("too many fields; a line is ENTRY [EXPIRES [ADDED [BY]]]");
        for (const auto field : fields) {
            if (!printable(field)) throw fail("a control character; a line is ENTRY [EXPIRES [ADDED [BY]]]");
        }
        const auto key = parse_learned_key(fields[0]);
        if (!key) {
            throw fail(fmt::format("'{}' is neither a number (+ and up to 15 digits) nor a domain", fields[0]));
        }
        LearnedEntry entry{key->key, key->kind, now + default_ttl, now, "manual"};
        if (fields.size() > 1) {
            const auto expires = parse_seconds(fields[1]);
            if (!expires) throw fail(fmt::format("expiry '{}' is not Unix seconds (0..{})", fields[1], kMaxTime));
            entry.expires = *expires;
        }
        if (fields.size() > 2) {
            const auto added = parse_seconds(fields[2]);
            if (!added) throw fail(fmt::format("added time '{}' is not Unix seconds (0..{})", fields[2], kMaxTime));
            entry.added = *added;
        }
        if (fields.size() > 3) {
            if (fields[3].size() > kMaxBy) throw fail("the finding name is longer than 64 characters");
            entry.by = std::string(fields[3]);
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::string learned_text(const std::vector<LearnedEntry>& entries, std::int64_t now) {
    std::string text = fmt::format(
        "# scamgate learned list, {} entries, written {}\n"
        "# ENTRY (E.164 number or registrable domain) EXPIRES ADDED (Unix seconds) BY (finding or manual)\n",
        entries.size(), whole_seconds_rfc3339(now));
    for (const auto& e : entries) text += fmt::format("{} {} {} {}\n", e.display(), e.expires, e.added, e.by);
    return text;
}

LearnedList::LearnedList(std::size_t max_entries, std::int64_t ttl) : max_entries_(std::max<std::size_t>(max_entries, 1)), ttl_(ttl) {}

bool LearnedList::add(LearnedEntry entry) {
    LearnedObserver* const observer = observer_.load(std::memory_order_acquire);
    if (observer == nullptr) return merge(std::move(entry));
    LearnedEntry told = entry;  // a copy only when someone listens
    if (!merge(std::move(entry))) return false;
    observer->on_learned(told);
    return true;
}

bool LearnedList::merge(LearnedEntry entry) {
    std::unique_lock lock(mutex_);
    return add_locked(std::move(entry));
}

bool LearnedList::add_locked(LearnedEntry entry) {
    entry.expires = std::clamp<std::int64_t>(entry.expires, 0, kMaxTime);
    entry.added = std::clamp<std::int64_t>(entry.added, 0, kMaxTime);
    if (const auto it = entries_.find(entry.key); it != entries_.end()) {
        if (entry.expires <= it->second.expires) return false;
        by_expiry_.erase({it->second.expires, it->first});
        by_expiry_.emplace(entry.expires, it->first);
        it->second = std::move(entry);
        changed();
        return true;
    }
    by_expiry_.emplace(entry.expires, entry.key);
    std::string key = entry.key;
    entries_.emplace(std::move(key), std::move(entry));
    while (entries_.size() > max_entries_) {
        const auto first = by_expiry_.begin();
        entries_.erase(first->second);
        by_expiry_.erase(first);
        evicted_.fetch_add(1, std::memory_order_relaxed);
    }
    changed();
    return true;
}

bool LearnedList::learn(LearnedKey key, std::int64_t at, std::string_view by) {
    return add(LearnedEntry{std::move(key.key), key.kind, at + ttl_, at, std::string(by)});
}

bool LearnedList::remove(const LearnedKey& key) {
    {
        std::unique_lock lock(mutex_);
        if (!erase_locked(key.key)) return false;
    }
    if (LearnedObserver* const observer = observer_.load(std::memory_order_acquire)) observer->on_removed(key);
    return true;
}

bool LearnedList::retract(const LearnedKey& key, std::int64_t removed_at) {
    std::unique_lock lock(mutex_);
    const auto it = entries_.find(key.key);
    if (it == entries_.end() || it->second.added > removed_at) return false;
    return erase_locked(key.key);
}

bool LearnedList::erase_locked(const std::string& key) {
    const auto it = entries_.find(key);
    if (it == entries_.end()) return false;
    by_expiry_.erase({it->second.expires, it->first});
    entries_.erase(it);
    changed();
    return true;
}

bool LearnedList::contains(std::string_view key, std::int64_t at) const {
    std::shared_lock lock(mutex_);
    if (entries_.empty()) return false;
    const auto it = entries_.find(std::string(key));
    return it != entries_.end() && at < it->second.expires;
}

std::size_t LearnedList::prune(std::int64_t now) {
    std::unique_lock lock(mutex_);
    std::size_t removed = 0;
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
        entries_.erase(by_expiry_.begin()->second);
        by_expiry_.erase(by_expiry_.begin());
        ++removed;
    }
    if (removed > 0) changed();
    return removed;
}

std::vector<LearnedEntry> LearnedList::entries() const {
    std::vector<LearnedEntry> out;
    {
        std::shared_lock lock(mutex_);
        out.reserve(entries_.size());
        for (const auto& [key, entry] : entries_) out.push_back(entry);
    }
    std::sort(out.begin(), out.end(), [](const LearnedEntry& a, const LearnedEntry& b) {
        return std::pair(a.kind, a.key) < std::pair(b.kind, b.key);
    });
    return out;
}

std::size_t LearnedList::size() const {
    std::shared_lock lock(mutex_);
    return entries_.size();
}

void LearnedList::load_file(const std::string& path, std::int64_t now) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return;  // not written yet: empty
    const auto loaded = parse_learned_text(read_whole(path), path, now, ttl_);
    std::unique_lock lock(mutex_);
    for (const auto& entry : loaded) add_locked(entry);
}

void LearnedList::save_file(const std::string& path, std::int64_t now) const {
    const std::string text = learned_text(entries(), now);
    const std::string temp = fmt::format("{}.tmp.{}", path, ::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(fmt::format("{}: cannot write: {}", temp, std::strerror(errno)));
    ::fchmod(fd, 0600);  // an older temporary file may have had another mode
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n <= 0) {
            const int error = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            throw std::runtime_error(fmt::format("{}: cannot write: {}", temp, std::strerror(error)));
        }
        written += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    if (!synced || ::rename(temp.c_str(), path.c_str()) != 0) {
        const int why = synced ? errno : error;
        ::unlink(temp.c_str());
        throw std::runtime_error(fmt::format("{}: cannot replace: {}", path, std::strerror(why)));
    }
}

}  // namespace scamgate::lists
