#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "app/config.h"

using namespace scamgate;
using namespace scamgate::app;

namespace {
const std::string kSource = SCAMGATE_SOURCE_DIR;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("config/scamgate.yaml holds exactly the built-in defaults") {
    AppConfig bundled = load_config(kSource + "/config/scamgate.yaml");
    AppConfig defaults;
    CHECK(bundled.pipeline.sip.ports == defaults.pipeline.sip.ports);
    CHECK(bundled.pipeline.sip.any_port == defaults.pipeline.sip.any_port);
    CHECK(bundled.pipeline.sip_parser.max_message_size == defaults.pipeline.sip_parser.max_message_size);
    CHECK(bundled.pipeline.sip_parser.max_headers == defaults.pipeline.sip_parser.max_headers);
    CHECK(bundled.pipeline.calls.max_calls == defaults.pipeline.calls.max_calls);
    CHECK(bundled.pipeline.calls.setup_timeout == defaults.pipeline.calls.setup_timeout);
    CHECK(bundled.pipeline.calls.max_duration == defaults.pipeline.calls.max_duration);
    CHECK(bundled.pipeline.calls.linger == defaults.pipeline.calls.linger);
    CHECK(bundled.pipeline.net.max_fragment_trains == defaults.pipeline.net.max_fragment_trains);
    CHECK(bundled.pipeline.net.max_fragment_bytes == defaults.pipeline.net.max_fragment_bytes);
    CHECK(bundled.pipeline.net.fragment_timeout == defaults.pipeline.net.fragment_timeout);
    CHECK(bundled.pipeline.net.max_tunnel_depth == defaults.pipeline.net.max_tunnel_depth);
    CHECK(bundled.pipeline.tcp.max_connections == defaults.pipeline.tcp.max_connections);
    CHECK(bundled.pipeline.tcp.max_pending_bytes_per_direction == defaults.pipeline.tcp.max_pending_bytes_per_direction);
    CHECK(bundled.pipeline.tcp.idle_timeout == defaults.pipeline.tcp.idle_timeout);
    CHECK(bundled.events_path == defaults.events_path);
}

TEST_CASE("every parameter of --help-config is documented in docs/config.md and set in the bundled config") {
    const std::string docs = read_file(kSource + "/docs/config.md");
    const std::string bundled = read_file(kSource + "/config/scamgate.yaml");
    std::istringstream lines(describe_parameters());
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        const std::string key = line.substr(0, line.find(' '));
        const std::string leaf = key.substr(key.find('.') + 1);
        INFO("parameter " << key);
        CHECK(docs.find("`" + key + "`") != std::string::npos);
        CHECK(bundled.find("  " + leaf + ":") != std::string::npos);
        ++count;
    }
    CHECK(count >= 15);
}

TEST_CASE("a valid override is applied and the rest stays default") {
    const std::string path = "/tmp/scamgate-unit-config.yaml";
    std::ofstream(path) << "sip:\n  ports: [5060, 5070]\n  detect_any_port: false\ncalls:\n  setup_timeout: 2.5\n";
    AppConfig config = load_config(path);
    CHECK(config.pipeline.sip.ports == std::vector<std::uint16_t>{5060, 5070});
    CHECK_FALSE(config.pipeline.sip.any_port);
    CHECK(config.pipeline.calls.setup_timeout == seconds(2.5));
    CHECK(config.pipeline.calls.linger == pipeline::CallTrackerLimits{}.linger);
}

TEST_CASE("bad configurations are refused with file:line and the exact message") {
    const std::string dir = kSource + "/tests/configs/bad/";
    std::istringstream expected(read_file(dir + "expected-errors.txt"));
    std::string row;
    int cases = 0;
    while (std::getline(expected, row)) {
        const auto tab = row.find('\t');
        const std::string file = row.substr(0, tab);
        const std::string message = row.substr(tab + 1);
        INFO("config " << file);
        std::string got;
        try {
            load_config(dir + file);
        } catch (const ConfigError& e) {
            got = e.what();
        }
        CHECK(got == dir + message);
        ++cases;
    }
    CHECK(cases == 9);
}

TEST_CASE("a missing file says so and names the path") {
    try {
        load_config("/nonexistent/scamgate.yaml");
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) ==
              "/nonexistent/scamgate.yaml: cannot open the configuration file; check the path given to -c");
    }
}
