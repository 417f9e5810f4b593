// metrics.listen / --metrics: loopback unless another address is written out; bad values refused
// with the reason.
#include <doctest/doctest.h>

#include "metrics/listen_address.h"

namespace scamgate::metrics {
namespace {

std::string parsed(std::string_view text) {
    const ListenParse p = parse_listen_address(text);
    return p.address ? p.address->to_string() : "error: " + p.error;
}

TEST_CASE("listen address: a bare port or :port binds 127.0.0.1 only") {
    CHECK(parsed("9105") == "127.0.0.1:9105");
    CHECK(parsed(":9105") == "127.0.0.1:9105");
    CHECK(parsed("localhost:9105") == "127.0.0.1:9105");
}

TEST_CASE("listen address: other addresses only when written out") {
    CHECK(parsed("0.0.0.0:9105") == "0.0.0.0:9105");
    CHECK(parsed("192.0.2.7:80") == "192.0.2.7:80");
    CHECK(parsed("[::1]:9105") == "[::1]:9105");
    CHECK(parsed("[::]:9105") == "[::]:9105");
    CHECK(parse_listen_address("[::1]:9105").address->ipv6());
    CHECK_FALSE(parse_listen_address("9105").address->ipv6());
}

TEST_CASE("listen address: refused values say why") {
    CHECK(parsed("0") == "error: '0' is not a port 1..65535: use PORT, :PORT (127.0.0.1), IPV4:PORT or [IPV6]:PORT");
    CHECK(parsed("65536").find("is not a port 1..65535") != std::string::npos);
    CHECK(parsed("").find("is not a port") != std::string::npos);
    CHECK(parsed("abc").find("'abc' is not a port") != std::string::npos);
    CHECK(parsed("example.com:9105").find("'example.com' is not an IPv4 address") != std::string::npos);
    CHECK(parsed("::1:9105").find("needs brackets") != std::string::npos);
    CHECK(parsed("[::1]").find("not an address with a port") != std::string::npos);
    CHECK(parsed("[zz]:1").find("'zz' is not an IPv6 address") != std::string::npos);
    CHECK(parsed("1.2.3.4:").find("'' is not a port") != std::string::npos);
}

}  // namespace
}  // namespace scamgate::metrics
