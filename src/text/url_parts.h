#pragma once
// Host helpers shared by the URL extractor and PublicSuffixList. Internal to src/text/.
#include <string_view>

namespace scamgate::text {

// Dotted-quad IPv4 with four decimal parts 0..255 and no leading zeros ("1.000.000.000" is an
// amount, not 1.0.0.0).
bool is_ipv4(std::string_view host);

// IPv4 as above, or a bracketed IPv6 literal ("[2001:db8::1]").
bool is_ip_literal(std::string_view host);

}  // namespace scamgate::text
