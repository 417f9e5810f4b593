#pragma once
// Hex helpers and real SMPP PDUs for the smpp tests.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scamgate::smpp::test {

inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    auto nibble = [](char c) -> std::uint8_t {
        if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
        if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
        return static_cast<std::uint8_t>(c - 'A' + 10);
    };
    std::size_t i = 0;
    while (i + 1 < hex.size()) {
        if (hex[i] == ' ') {
            ++i;
            continue;
        }
        out.push_back(static_cast<std::uint8_t>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
        i += 2;
    }
    return out;
}

// The SMPP exchange of ndpi's public smpp_in_general.pcap (frames 4-13): bind_transmitter
// "abhik"/"password", enquire_link, submit_sm "test" from 100 to 1234567890, unbind.
inline const std::vector<std::string_view>& ndpi_session() {
    static const std::vector<std::string_view> pdus = {
        "00000028000000020000000000000001616268696b0070617373776f726400534d50500001000000",
        "00000015800000020000000000000001534d534300",
        "00000010000000150000000000000002",
        "00000010800000150000000000000002",
        "0000003200000004000000000000000300000131303000010131323334353637383930000000000000000000000474657374",
        "00000019800000040000000000000003343763386337376100",
        "00000010000000060000000000000004",
        "00000010800000060000000000000004",
    };
    return pdus;
}

}  // namespace scamgate::smpp::test
