#include "metrics/listen_address.h"

#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

namespace scamgate::metrics {

namespace {

constexpr std::string_view kLoopback = "127.0.0.1";
constexpr std::string_view kForms = "use PORT, :PORT (127.0.0.1), IPV4:PORT or [IPV6]:PORT";

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < 1 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

bool is_literal(int family, const std::string& host) {
    unsigned char buffer[16];
    return inet_pton(family, host.c_str(), buffer) == 1;
}

ListenParse refuse(std::string message) { return ListenParse{std::nullopt, std::move(message)}; }

}  // namespace

std::string ListenAddress::to_string() const {
    return ipv6() ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

ListenParse parse_listen_address(std::string_view text) {
    std::string host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return refuse(fmt::format("'{}' is not an address with a port: {}", text, kForms));
        }
        host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
        if (!is_literal(AF_INET6, host)) return refuse(fmt::format("'{}' is not an IPv6 address: {}", host, kForms));
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            host = std::string(kLoopback);
            port_text = text;
        } else {
            host = std::string(text.substr(0, colon));
            port_text = text.substr(colon + 1);
            if (host.find(':') != std::string::npos) {
                return refuse(fmt::format("'{}': an IPv6 address needs brackets, e.g. [::1]:9105", text));
            }
            if (host.empty() || host == "localhost") host = std::string(kLoopback);
            if (!is_literal(AF_INET, host)) {
                return refuse(fmt::format("'{}' is not an IPv4 address (host names other than localhost are not "
                                          "accepted): {}", host, kForms));
            }
        }
    }
    const auto port = parse_port(port_text);
    if (!port) return refuse(fmt::format("'{}' is not a port 1..65535: {}", port_text, kForms));
    return ListenParse{ListenAddress{std::move(host), *port}, {}};
}

}  // namespace scamgate::metrics
