#include "common/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace scamgate {

IpAddress IpAddress::v4(const std::uint8_t* four_bytes) {
    IpAddress a;
    std::memcpy(a.bytes_.data(), four_bytes, 4);
    a.is_v4_ = true;
    return a;
}

IpAddress IpAddress::v6(const std::uint8_t* sixteen_bytes) {
    IpAddress a;
    std::memcpy(a.bytes_.data(), sixteen_bytes, 16);
    a.is_v4_ = false;
    return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    std::string buf(text);
    std::array<std::uint8_t, 16> raw{};
    if (inet_pton(AF_INET, buf.c_str(), raw.data()) == 1) return v4(raw.data());
    if (inet_pton(AF_INET6, buf.c_str(), raw.data()) == 1) return v6(raw.data());
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    char out[INET6_ADDRSTRLEN] = {};
    inet_ntop(is_v4_ ? AF_INET : AF_INET6, bytes_.data(), out, sizeof out);
    return out;
}

std::size_t IpAddress::hash() const {
    // FNV-1a over the significant bytes; cheap and good enough for hash tables of flows.
    std::uint64_t h = 1469598103934665603ULL;
    for (std::size_t i = 0; i < size(); ++i) {
        h ^= bytes_[i];
        h *= 1099511628211ULL;
    }
    return static_cast<std::size_t>(h ^ (is_v4_ ? 4 : 6));
}

}  // namespace scamgate
