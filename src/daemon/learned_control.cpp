#include "daemon/learned_control.h"

#include <charconv>
#include <ctime>
#include <vector>

#include <fmt/format.h>


namespace scamgate::daemon {

namespace {

constexpr auto kSaveInterval = std::chrono::seconds(1);
constexpr std::int64_t kMaxTtl = 10LL * 365 * 86400;

std::vector<std::string_view> words_of(std::string_view text) {
    std::vector<std::string_view> words;
    while (!text.empty()) {
        const auto start = text.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        text.remove_prefix(start);
        const auto end = text.find(' ');
        words.push_back(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end);
    }
    return words;
}

std::string iso(std::int64_t unix_seconds) { return lists::whole_seconds_rfc3339(unix_seconds); }

// `show`: one line an entry, times readable.
std::string show_text(const std::vector<lists::LearnedEntry>& entries) {
    std::string text;
    for (const auto& e : entries) {
        text += fmt::format("{}  expires {}  added {}  by {}\n", e.display(), iso(e.expires), iso(e.added), e.by);
    }
    return text;
}

}  // namespace

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

LearnedControl::LearnedControl(lists::LearnedList& list, std::string path, Logger& log)
    : list_(list), path_(std::move(path)), log_(log), saved_version_(list.version()) {}

std::string LearnedControl::answer(std::string_view request, std::string_view body) {
    const auto words = words_of(request);
    const std::string_view verb = words.empty() ? std::string_view() : words[0];
    const std::int64_t now = unix_now();
    if (verb == "show" && words.size() == 1) {
        list_.prune(now);
        const auto entries = list_.entries();
        return fmt::format("ok {} entries\n{}", entries.size(), show_text(entries));
    }
    if (verb == "export" && words.size() == 1) {
        list_.prune(now);
        const auto entries = list_.entries();
        return fmt::format("ok {} entries\n{}", entries.size(), lists::learned_text(entries, now));
    }
    if ((verb == "add" && (words.size() == 2 || words.size() == 3)) || (verb == "remove" && words.size() == 2)) {
        const auto key = lists::parse_learned_key(words[1]);
        if (!key) return fmt::format("error '{}' is neither a number (+ and up to 15 digits) nor a domain\n", words[1]);
        if (verb == "remove") {
            return list_.remove(*key) ? fmt::format("ok removed {}\n", words[1]) : fmt::format("error {} is not on the list\n", words[1]);
        }
        std::int64_t ttl = list_.ttl();
        if (words.size() == 3) {
            const auto [end, error] = std::from_chars(words[2].data(), words[2].data() + words[2].size(), ttl);
            if (error != std::errc{} || end != words[2].data() + words[2].size() || ttl < 1 || ttl > kMaxTtl) {
                return fmt::format("error TTL '{}' is not a number of seconds 1..{}\n", words[2], kMaxTtl);
            }
        }
        lists::LearnedEntry entry{key->key, key->kind, now + ttl, now, "manual"};
        const std::string shown = entry.display();
        if (list_.add(std::move(entry))) return fmt::format("ok added {} until {}\n", shown, iso(now + ttl));
        return fmt::format("ok {} is already listed until a later time; unchanged\n", shown);
    }
    if (verb == "import" && words.size() == 1) {
        try {
            const auto entries = lists::parse_learned_text(body, "import", now, list_.ttl());
            std::size_t changed = 0;
            for (const auto& entry : entries) changed += list_.add(entry);
            return fmt::format("ok imported {} entries ({} new or extended)\n", entries.size(), changed);
        } catch (const lists::LearnedListError& e) {
            return fmt::format("error {}\n", e.what());
        }
    }
    return fmt::format("error unknown lists request '{}'; use show, add ENTRY [TTL], remove ENTRY, export, import\n", request);
}

void LearnedControl::save_if_changed(bool force) {
    if (path_.empty()) return;
    std::lock_guard lock(save_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_save_ < kSaveInterval) return;
    list_.prune(unix_now());
    const std::uint64_t version = list_.version();
    if (version == saved_version_) return;
    last_save_ = now;
    try {
        list_.save_file(path_, unix_now());
        saved_version_ = version;
    } catch (const std::exception& e) {
        log_.error("learned list: {}", e.what());
    }
}

}  // namespace scamgate::daemon
