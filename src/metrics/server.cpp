#include "metrics/server.h"

#include <civetweb.h>

#include <array>
#include <cstring>
#include <exception>

#include <fmt/format.h>

namespace scamgate::metrics {

namespace {

constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// libcivetweb is initialised once per process and never torn down (mg_exit_library would end it
// for any other user too); a function-local static, so no start-up order to care about.
void init_library_once() {
    static const unsigned features = mg_init_library(0);
    (void)features;
}

}  // namespace

void MetricsServer::StopContext::operator()(mg_context* context) const { mg_stop(context); }

std::unique_ptr<MetricsServer> MetricsServer::start(const ListenAddress& address, Scrape scrape, std::string& error) {
    init_library_once();
    if (address.ipv6() && mg_check_feature(MG_FEATURES_IPV6) == 0) {
        error = fmt::format("cannot listen on {}: this libcivetweb was built without IPv6", address.to_string());
        return nullptr;
    }
    const std::string ports = address.to_string();
    // Two threads: a scrape in progress never keeps a second one (or a health check) waiting on
    // the first; a slow or idle client is cut after 10 s.
    // tcp_nodelay: the head and the body go out as two writes; without it the body can wait for the
    // client's delayed ACK of the head.
    std::array<const char*, 11> options{"listening_ports", ports.c_str(), "num_threads", "2", "request_timeout_ms",
                                        "10000", "enable_keep_alive", "no", "tcp_nodelay", "1", nullptr};
    std::unique_ptr<MetricsServer> server(new MetricsServer(ports, std::move(scrape)));
    mg_callbacks callbacks{};
    mg_init_data init{&callbacks, server.get(), options.data()};
    std::array<char, 256> text{};
    unsigned code = 0;
    mg_error_data failure{&code, text.data(), text.size()};
    server->context_.reset(mg_start2(&init, &failure));
    if (!server->context_) {
        error = fmt::format("cannot listen on {}: {}", ports, text[0] != '\0' ? text.data() : "civetweb failed to start");
        return nullptr;
    }
    mg_set_request_handler(server->context_.get(), "/metrics$", &MetricsServer::handle, server.get());
    return server;
}

MetricsServer::~MetricsServer() = default;  // context_ first: mg_stop joins civetweb's threads

int MetricsServer::handle(mg_connection* connection, void* self) {
    const mg_request_info* request = mg_get_request_info(connection);
    if (request == nullptr || (std::strcmp(request->request_method, "GET") != 0 &&
                               std::strcmp(request->request_method, "HEAD") != 0)) {
        mg_send_http_error(connection, 405, "only GET /metrics");
        return 405;
    }
    std::string body;
    try {
        body = static_cast<MetricsServer*>(self)->scrape_();
    } catch (const std::exception& e) {
        mg_send_http_error(connection, 500, "%s", e.what());
        return 500;
    }
    mg_send_http_ok(connection, kContentType, static_cast<long long>(body.size()));
    if (std::strcmp(request->request_method, "GET") == 0) mg_write(connection, body.data(), body.size());
    return 200;
}

}  // namespace scamgate::metrics
