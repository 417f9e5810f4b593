#pragma once
// A logger passed by reference to whoever needs it (no global logger). Lines go to one stream
// with a level tag, whole lines even when several threads log; `limit()` lets callers log the first few of a repeated event and count the rest.
#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace scamgate {

enum class LogLevel : std::uint8_t { debug, info, warning, error };

class Logger {
public:
    explicit Logger(std::ostream& out, LogLevel threshold = LogLevel::info)
        : out_(&out), threshold_(threshold) {}

    void set_threshold(LogLevel level) { threshold_ = level; }
    bool enabled(LogLevel level) const { return level >= threshold_; }

    void write(LogLevel level, std::string_view message);

    template <typename... Args>
    void info(fmt::format_string<Args...> f, Args&&... args) {
        if (enabled(LogLevel::info)) write(LogLevel::info, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void warn(fmt::format_string<Args...> f, Args&&... args) {
        if (enabled(LogLevel::warning)) write(LogLevel::warning, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void error(fmt::format_string<Args...> f, Args&&... args) {
        if (enabled(LogLevel::error)) write(LogLevel::error, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) {
        if (enabled(LogLevel::debug)) write(LogLevel::debug, fmt::format(f, std::forward<Args>(args)...));
    }

private:
    std::ostream* out_;
    LogLevel threshold_;
    std::mutex write_mutex_;  // the packet and control threads both log: one line at a time
};

// Lets the first `per_key` occurrences of each key through, then stays quiet; the totals are in
// the stats anyway. Used for per-packet anomalies so a hostile capture cannot flood the log.
class LogLimiter {
public:
    explicit LogLimiter(std::uint32_t per_key = 5) : per_key_(per_key) {}
    // True when this occurrence should be logged; the last one let through says so.
    bool allow(std::string_view key);
    bool is_last_allowed(std::string_view key) const;

private:
    std::uint32_t per_key_;
    std::map<std::string, std::uint32_t, std::less<>> seen_;
};

}  // namespace scamgate
