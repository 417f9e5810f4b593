#include <doctest/doctest.h>

#include <string>

#include "redis/endpoint.h"

using scamgate::redis::Endpoint;
using scamgate::redis::parse_url;
using scamgate::redis::Transport;
using scamgate::redis::UrlError;

namespace {

// The message parse_url throws for `url` ("" when it does not throw).
std::string refusal(const std::string& url) {
    try {
        parse_url(url);
    } catch (const UrlError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("redis:// URLs: every part has a default") {
    const Endpoint all = parse_url("redis://");
    CHECK(all.transport == Transport::tcp);
    CHECK(all.host == "127.0.0.1");
    CHECK(all.port == 6379);
    CHECK(all.db == 0);

    const Endpoint full = parse_url("redis://cache.example:6380/3");
    CHECK(full.host == "cache.example");
    CHECK(full.port == 6380);
    CHECK(full.db == 3);

    CHECK(parse_url("redis://10.0.0.5").host == "10.0.0.5");
    CHECK(parse_url("redis://10.0.0.5").port == 6379);
    CHECK(parse_url("redis://10.0.0.5/").db == 0);
    CHECK(parse_url("redis://:7000/2").host == "127.0.0.1");
    CHECK(parse_url("redis://:7000/2").port == 7000);
    CHECK(parse_url("redis:///5").db == 5);
}

TEST_CASE("redis:// URLs: IPv6 addresses in brackets") {
    const Endpoint v6 = parse_url("redis://[::1]:6390/1");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 6390);
    CHECK(v6.db == 1);
    CHECK(parse_url("redis://[2001:db8::7]").host == "2001:db8::7");
    CHECK(parse_url("redis://[2001:db8::7]").port == 6379);
    CHECK(to_string(v6) == "redis://[::1]:6390/1");
}

TEST_CASE("unix:// URLs: an absolute path and optionally ?db=N") {
    const Endpoint socket = parse_url("unix:///run/redis/redis.sock");
    CHECK(socket.transport == Transport::unix_socket);
    CHECK(socket.path == "/run/redis/redis.sock");
    CHECK(socket.db == 0);
    CHECK(parse_url("unix:///tmp/r.sock?db=4").db == 4);
    CHECK(parse_url("unix:///tmp/r.sock?db=4").path == "/tmp/r.sock");
    CHECK(to_string(parse_url("unix:///tmp/r.sock?db=4")) == "unix:///tmp/r.sock?db=4");
}

TEST_CASE("bad Redis URLs are refused, naming what is wrong") {
    CHECK(refusal("http://localhost:6379").find("unknown scheme") != std::string::npos);
    CHECK(refusal("localhost:6379").find("unknown scheme") != std::string::npos);
    CHECK(refusal("").find("unknown scheme") != std::string::npos);
    CHECK(refusal("rediss://host").find("TLS") != std::string::npos);
    CHECK(refusal("redis://host:0").find("port '0' is not a number 1..65535") != std::string::npos);
    CHECK(refusal("redis://host:65536").find("port '65536'") != std::string::npos);
    CHECK(refusal("redis://host:63x9").find("port '63x9'") != std::string::npos);
    CHECK(refusal("redis://host:").find("empty port") != std::string::npos);
    CHECK(refusal("redis://host/db1").find("database 'db1'") != std::string::npos);
    CHECK(refusal("redis://host/-1").find("database '-1'") != std::string::npos);
    CHECK(refusal("redis://::1:6379").find("IPv6 address must be in brackets") != std::string::npos);
    CHECK(refusal("redis://[::1").find("closing ']'") != std::string::npos);
    CHECK(refusal("redis://[::1]6379").find("after the IPv6 address") != std::string::npos);
    CHECK(refusal("redis://[]:6379").find("empty IPv6 address") != std::string::npos);
    CHECK(refusal("redis://user:secret@host").find("credentials") != std::string::npos);
    CHECK(refusal("redis://host/0?timeout=1").find("query") != std::string::npos);
    CHECK(refusal("unix://run/r.sock").find("must be absolute") != std::string::npos);
    CHECK(refusal("unix:///").find("no socket path") != std::string::npos);
    CHECK(refusal("unix:///tmp/r.sock?database=1").find("unknown parameter 'database=1'") != std::string::npos);
    CHECK(refusal("unix:///tmp/r.sock?db=x").find("database 'x'") != std::string::npos);
    // The message quotes the URL and shows the accepted forms.
    CHECK(refusal("redis://host:0").find("Redis URL 'redis://host:0'") == 0);
    CHECK(refusal("redis://host:0").find("unix:///path/to.sock?db=N") != std::string::npos);
}
