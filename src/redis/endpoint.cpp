#include "redis/endpoint.h"

#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace scamgate::redis {

namespace {

constexpr std::string_view kTcpScheme = "redis://";
constexpr std::string_view kUnixScheme = "unix://";

[[noreturn]] void refuse(std::string_view url, std::string_view what) {
    throw UrlError(fmt::format("Redis URL '{}': {}; expected redis://HOST:PORT/DB or unix:///path/to.sock?db=N", url, what));
}

// A whole non-negative decimal number no larger than `max`; -1 when the text is not one.
long long read_decimal(std::string_view text, long long max) {
    if (text.empty()) return -1;
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) return -1;
    return value;
}

int read_db(std::string_view url, std::string_view text) {
    const long long db = read_decimal(text, std::numeric_limits<int>::max());
    if (db < 0) refuse(url, fmt::format("database '{}' is not a number 0..{}", text, std::numeric_limits<int>::max()));
    return static_cast<int>(db);
}

// "host", "host:port", "[v6]", "[v6]:port" or "" into the endpoint.
void read_authority(std::string_view url, std::string_view authority, Endpoint& endpoint) {
    if (authority.find('@') != std::string_view::npos) {
        refuse(url, "credentials (user:password@) are not supported; use a local socket or a firewalled address");
    }
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) refuse(url, "IPv6 address without its closing ']'");
        host = authority.substr(1, close - 1);
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(':')) refuse(url, fmt::format("'{}' after the IPv6 address; expected :PORT", rest));
            port = rest.substr(1);
            if (port.empty()) refuse(url, "empty port after ':'");
        }
        if (host.empty()) refuse(url, "empty IPv6 address in []");
    } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        if (authority.find(':', colon + 1) != std::string_view::npos) refuse(url, "an IPv6 address must be in brackets, e.g. redis://[::1]:6379");
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (port.empty()) refuse(url, "empty port after ':'");
    }
    if (!host.empty()) endpoint.host = std::string(host);
    if (!port.empty()) {
        const long long value = read_decimal(port, 65535);
        if (value < 1) refuse(url, fmt::format("port '{}' is not a number 1..65535", port));
        endpoint.port = static_cast<std::uint16_t>(value);
    }
}

Endpoint parse_tcp(std::string_view url) {
    Endpoint endpoint;
    std::string_view rest = url.substr(kTcpScheme.size());
    if (rest.find_first_of("?#") != std::string_view::npos) refuse(url, "query or fragment not supported in redis:// URLs");
    const auto slash = rest.find('/');
    read_authority(url, rest.substr(0, slash), endpoint);
    if (slash != std::string_view::npos) {
        const std::string_view db = rest.substr(slash + 1);
        if (!db.empty()) endpoint.db = read_db(url, db);
    }
    return endpoint;
}

Endpoint parse_unix(std::string_view url) {
    Endpoint endpoint;
    endpoint.transport = Transport::unix_socket;
    std::string_view rest = url.substr(kUnixScheme.size());
    if (!rest.starts_with('/')) refuse(url, "the socket path must be absolute (unix:///path/to.sock: three slashes)");
    const auto query = rest.find('?');
    endpoint.path = std::string(rest.substr(0, query));
    if (endpoint.path.size() <= 1) refuse(url, "no socket path");
    if (query != std::string_view::npos) {
        const std::string_view parameter = rest.substr(query + 1);
        if (!parameter.starts_with("db=")) refuse(url, fmt::format("unknown parameter '{}'; only ?db=N", parameter));
        endpoint.db = read_db(url, parameter.substr(3));
    }
    return endpoint;
}

}  // namespace

Endpoint parse_url(std::string_view url) {
    if (url.starts_with(kTcpScheme)) return parse_tcp(url);
    if (url.starts_with(kUnixScheme)) return parse_unix(url);
    if (url.starts_with("rediss://")) refuse(url, "TLS (rediss://) is not supported");
    refuse(url, "unknown scheme");
}

std::string to_string(const Endpoint& endpoint) {
    if (endpoint.transport == Transport::unix_socket) return fmt::format("unix://{}?db={}", endpoint.path, endpoint.db);
    if (endpoint.host.find(':') != std::string::npos) return fmt::format("redis://[{}]:{}/{}", endpoint.host, endpoint.port, endpoint.db);
    return fmt::format("redis://{}:{}/{}", endpoint.host, endpoint.port, endpoint.db);
}

}  // namespace scamgate::redis
