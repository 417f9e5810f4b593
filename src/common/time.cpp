#include "common/time.h"

#include <ctime>

#include <fmt/format.h>

namespace scamgate {

std::string format_rfc3339(Timestamp ts) {
    auto secs = static_cast<std::time_t>(ts / kNanosPerSecond);
    auto nanos = ts % kNanosPerSecond;
    if (nanos < 0) {
        nanos += kNanosPerSecond;
        --secs;
    }
    std::tm utc{};
    gmtime_r(&secs, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                       utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, nanos);
}

}  // namespace scamgate
