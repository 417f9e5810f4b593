#pragma once
// Ingress identity: which trunk a contact came in on, by source address (CIDR, v4 and v6), VLAN or
// SMPP account, and the trunk's role (international, domestic, customer, ...).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "record/contact.h"

namespace scamgate::detect {

struct Cidr {
    IpAddress network;
    unsigned prefix = 0;
    // "203.0.113.0/24", "2001:db8::/32", or a bare address (a /32 or /128).
    static std::optional<Cidr> parse(std::string_view text);
    bool contains(const IpAddress& address) const;
};

struct Trunk {
    std::string name;
    std::string role;
    std::vector<Cidr> cidrs;
    std::vector<std::uint16_t> vlans;
    std::vector<std::string> accounts;  // SMPP system_ids
    bool require_cli = false;           // calls must present a caller number (cli.anonymous)
};

class TrunkError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "NAME:ROLE:CIDR[,CIDR...]" as given to --trunk. Throws TrunkError saying what is wrong.
Trunk parse_trunk_option(std::string_view text);

class TrunkTable {
public:
    TrunkTable() = default;
    explicit TrunkTable(std::vector<Trunk> trunks) : trunks_(std::move(trunks)) {}
    // The first trunk (in order) whose account, VLAN or source CIDR matches; nullptr for none.
    const Trunk* match(const record::Contact& contact) const;
    // The first trunk whose source CIDR holds `address` (what `match` finds for a packet that
    // carries no account and no VLAN); nullptr for none.
    const Trunk* match_address(const IpAddress& address) const;
    const Trunk* find(std::string_view name) const;
    const std::vector<Trunk>& trunks() const { return trunks_; }
    void add(Trunk trunk) { trunks_.push_back(std::move(trunk)); }

private:
    std::vector<Trunk> trunks_;
};

}  // namespace scamgate::detect
