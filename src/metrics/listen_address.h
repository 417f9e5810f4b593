#pragma once
// metrics.listen / --metrics: where the /metrics endpoint listens. Loopback unless another
// address is written out: "9105" and ":9105" mean 127.0.0.1:9105; "0.0.0.0:9105", "[::]:9105" or
// a host's own address must be given in full (docs/metrics.md, "Security").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scamgate::metrics {

struct ListenAddress {
    std::string host;  // an IPv4 or IPv6 literal, without brackets
    std::uint16_t port = 0;

    bool ipv6() const { return host.find(':') != std::string::npos; }
    // "127.0.0.1:9105" or "[::1]:9105": how logs and civetweb's listening_ports write it.
    std::string to_string() const;
};

struct ListenParse {
    std::optional<ListenAddress> address;
    std::string error;  // why the text is refused, when address is empty
};

// PORT, :PORT, IPV4:PORT, localhost:PORT or [IPV6]:PORT with PORT 1..65535. Host names other
// than localhost are refused (the endpoint binds an address, and a name could resolve to a public one).
ListenParse parse_listen_address(std::string_view text);

}  // namespace scamgate::metrics
