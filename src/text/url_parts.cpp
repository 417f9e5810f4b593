#include "text/url_parts.h"

#include "text/utf8.h"

namespace scamgate::text {

bool is_ipv4(std::string_view host) {
    std::size_t parts = 0;
    std::size_t i = 0;
    while (i <= host.size()) {
        std::size_t j = i;
        unsigned value = 0;
        while (j < host.size() && is_ascii_digit(host[j]) && j - i < 3) value = value * 10 + static_cast<unsigned>(host[j++] - '0');
        const std::size_t len = j - i;
        if (len == 0 || value > 255 || (len > 1 && host[i] == '0')) return false;
        ++parts;
        if (j == host.size()) return parts == 4;
        if (host[j] != '.' || parts == 4) return false;
        i = j + 1;
    }
    return false;
}

bool is_ip_literal(std::string_view host) {
    return (host.size() >= 3 && host.front() == '[' && host.back() == ']') || is_ipv4(host);
}

}  // namespace scamgate::text
