#pragma once
// Where a Redis server is: `redis://HOST:PORT/DB` or `unix:///path/to.sock?db=N` (the URLs of
// output.redis_stream and behaviour.redis; docs/redis.md).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace scamgate::redis {

enum class Transport : std::uint8_t { tcp, unix_socket };

struct Endpoint {
    Transport transport = Transport::tcp;
    std::string host = "127.0.0.1";  // tcp: a name or an address (IPv6 without its brackets)
    std::uint16_t port = 6379;       // tcp
    std::string path;                // unix_socket: absolute path of the socket
    int db = 0;                      // SELECTed after each connect when not 0

    bool operator==(const Endpoint&) const = default;
};

// A URL that cannot be used; what() names the URL and what is wrong with it.
class UrlError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws UrlError. redis:// parts left out take their defaults (127.0.0.1, 6379, 0); an IPv6
// address goes in brackets (redis://[::1]:6379/2). unix:// takes an absolute path and optionally
// ?db=N. Credentials (user:password@) and TLS (rediss://) are refused: not supported yet.
Endpoint parse_url(std::string_view url);

// The endpoint as a URL again, for log lines ("redis://127.0.0.1:6379/0", "unix:///run/r.sock?db=0").
std::string to_string(const Endpoint& endpoint);

}  // namespace scamgate::redis
