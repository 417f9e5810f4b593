#pragma once
// Hex test vectors -> bytes, and anomaly checks, for the SMS unit tests.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sms/text.h"

namespace scamgate::sms::test {

// Upper or lower case hex, no separators; a bad digit makes the test vector itself wrong.
inline std::vector<std::uint8_t> hex(std::string_view text) {
    auto nibble = [](char c) -> std::uint8_t {
        if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
        if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
        if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
        return 0xFF;
    };
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>((nibble(text[i]) << 4) | nibble(text[i + 1])));
    }
    return out;
}

inline bool has(const SmsAnomalies& anomalies, SmsAnomaly anomaly) {
    return anomalies.test(static_cast<std::size_t>(anomaly));
}

inline SmsAnomalies only(SmsAnomaly anomaly) {
    SmsAnomalies set;
    set.set(static_cast<std::size_t>(anomaly));
    return set;
}

// "sms.a,sms.b": the set anomalies by name, so a failed CHECK shows which ones differ.
inline std::string names(const SmsAnomalies& anomalies) {
    std::string out;
    for (std::size_t i = 0; i < anomalies.size(); ++i) {
        if (!anomalies.test(i)) continue;
        if (!out.empty()) out += ',';
        out += describe(static_cast<SmsAnomaly>(i)).name;
    }
    return out;
}

// U+FFFD in UTF-8.
inline constexpr std::string_view kFffd = "\xEF\xBF\xBD";

}  // namespace scamgate::sms::test
