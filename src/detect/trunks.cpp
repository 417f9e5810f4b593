#include "detect/trunks.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace scamgate::detect {

std::optional<Cidr> Cidr::parse(std::string_view text) {
    const auto slash = text.find('/');
    auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    Cidr cidr{*address, address->is_v4() ? 32u : 128u};
    if (slash == std::string_view::npos) return cidr;
    const auto bits = text.substr(slash + 1);
    unsigned prefix = 0;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (ec != std::errc() || end != bits.data() + bits.size() || prefix > cidr.prefix) return std::nullopt;
    cidr.prefix = prefix;
    return cidr;
}

bool Cidr::contains(const IpAddress& address) const {
    if (address.is_v4() != network.is_v4()) return false;
    const auto& a = address.bytes();
    const auto& n = network.bytes();
    unsigned full = prefix / 8;
    for (unsigned i = 0; i < full; ++i) {
        if (a[i] != n[i]) return false;
    }
    const unsigned rest = prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
    return (a[full] & mask) == (n[full] & mask);
}

Trunk parse_trunk_option(std::string_view text) {
    const auto first = text.find(':');
    const auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
    if (second == std::string_view::npos) {
        throw TrunkError(fmt::format("--trunk '{}': expected NAME:ROLE:CIDR[,CIDR...], e.g. "
                                     "intl:international:203.0.113.0/24",
                                     text));
    }
    Trunk trunk;
    trunk.name = std::string(text.substr(0, first));
    trunk.role = std::string(text.substr(first + 1, second - first - 1));
    if (trunk.name.empty() || trunk.role.empty()) throw TrunkError(fmt::format("--trunk '{}': NAME and ROLE must not be empty", text));
    auto list = text.substr(second + 1);
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = list.substr(0, comma);
        auto cidr = Cidr::parse(item);
        if (!cidr) throw TrunkError(fmt::format("--trunk '{}': '{}' is not an address or CIDR (203.0.113.0/24, 2001:db8::/32)", text, item));
        trunk.cidrs.push_back(*cidr);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    if (trunk.cidrs.empty()) throw TrunkError(fmt::format("--trunk '{}': give at least one CIDR", text));
    return trunk;
}

const Trunk* TrunkTable::match(const record::Contact& contact) const {
    const std::string_view account = contact.sms ? std::string_view(contact.sms->account) : std::string_view();
    for (const auto& trunk : trunks_) {
        if (!account.empty() && std::find(trunk.accounts.begin(), trunk.accounts.end(), account) != trunk.accounts.end()) {
            return &trunk;
        }
        for (auto vlan : contact.ingress.vlans) {
            if (std::find(trunk.vlans.begin(), trunk.vlans.end(), vlan) != trunk.vlans.end()) return &trunk;
        }
        for (const auto& cidr : trunk.cidrs) {
            if (cidr.contains(contact.ingress.src)) return &trunk;
        }
    }
    return nullptr;
}

const Trunk* TrunkTable::match_address(const IpAddress& address) const {
    for (const auto& trunk : trunks_) {
        for (const auto& cidr : trunk.cidrs) {
            if (cidr.contains(address)) return &trunk;
        }
    }
    return nullptr;
}

const Trunk* TrunkTable::find(std::string_view name) const {
    for (const auto& trunk : trunks_) {
        if (trunk.name == name) return &trunk;
    }
    return nullptr;
}

}  // namespace scamgate::detect
