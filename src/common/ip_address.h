#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace scamgate {

// An IPv4 or IPv6 address as a value. IPv4 is kept in the first four bytes.
class IpAddress {
public:
    IpAddress() = default;
    static IpAddress v4(const std::uint8_t* four_bytes);
    static IpAddress v6(const std::uint8_t* sixteen_bytes);
    // Accepts dotted IPv4 or RFC 5952 IPv6 text.
    static std::optional<IpAddress> parse(std::string_view text);

    bool is_v4() const { return is_v4_; }
    const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
    std::size_t size() const { return is_v4_ ? 4 : 16; }
    std::string to_string() const;
    std::size_t hash() const;

    auto operator<=>(const IpAddress&) const = default;

private:
    std::array<std::uint8_t, 16> bytes_{};
    bool is_v4_ = true;
};

}  // namespace scamgate

template <>
struct std::hash<scamgate::IpAddress> {
    std::size_t operator()(const scamgate::IpAddress& a) const noexcept { return a.hash(); }
};
