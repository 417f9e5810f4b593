#pragma once
// The /metrics endpoint: civetweb (Debian libcivetweb-dev, embedded) answering GET /metrics with
// whatever `scrape` returns, on its own threads. Nothing else is served (no document root, no
// other path, no directory listing).
#include <functional>
#include <memory>
#include <string>

#include "metrics/listen_address.h"

struct mg_context;
struct mg_connection;

namespace scamgate::metrics {

class MetricsServer {
public:
    using Scrape = std::function<std::string()>;

    // Listens on `address` and serves /metrics until destroyed. Returns null with `error` set when
    // it cannot listen (address in use, not this host's, IPv6 not built into libcivetweb).
    static std::unique_ptr<MetricsServer> start(const ListenAddress& address, Scrape scrape, std::string& error);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    std::string address() const { return address_; }

private:
    MetricsServer(std::string address, Scrape scrape) : address_(std::move(address)), scrape_(std::move(scrape)) {}
    static int handle(::mg_connection* connection, void* self);

    struct StopContext {
        void operator()(mg_context* context) const;
    };

    std::string address_;
    Scrape scrape_;
    std::unique_ptr<mg_context, StopContext> context_;
};

}  // namespace scamgate::metrics
