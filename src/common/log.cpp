#include "common/log.h"

namespace scamgate {

namespace {
std::string_view level_tag(LogLevel level) {
    switch (level) {
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warning: return "warning";
        case LogLevel::error: return "error";
    }
    return "?";
}
}  // namespace

void Logger::write(LogLevel level, std::string_view message) {
    std::lock_guard lock(write_mutex_);
    *out_ << "scamgate: " << level_tag(level) << ": " << message << '\n';
}

bool LogLimiter::allow(std::string_view key) {
    auto it = seen_.find(key);
    if (it == seen_.end()) it = seen_.emplace(std::string(key), 0).first;
    if (it->second >= per_key_) return false;
    ++it->second;
    return true;
}

bool LogLimiter::is_last_allowed(std::string_view key) const {
    auto it = seen_.find(key);
    return it != seen_.end() && it->second == per_key_;
}

}  // namespace scamgate
