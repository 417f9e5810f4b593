#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

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
    CHECK(bundled.redact_text == defaults.redact_text);
    CHECK(bundled.pipeline.smpp.ports == defaults.pipeline.smpp.ports);
    CHECK(bundled.pipeline.smpp.framer.max_pdu_size == defaults.pipeline.smpp.framer.max_pdu_size);
    CHECK(bundled.pipeline.smpp.default_alphabet == defaults.pipeline.smpp.default_alphabet);
    CHECK(bundled.pipeline.sms.response_timeout == defaults.pipeline.sms.response_timeout);
    CHECK(bundled.pipeline.sms.concat_timeout == defaults.pipeline.sms.concat_timeout);
    CHECK(bundled.detection_enabled == defaults.detection_enabled);
    // Paths: the file's are relative to config/, the defaults to the bundled config/ folder.
    const auto a = bundled.resolved_detection();
    const auto b = defaults.resolved_detection();
    CHECK(a.signatures == b.signatures);
    CHECK(a.numbering_plan == b.numbering_plan);
    CHECK(a.cache_dir == b.cache_dir);
    CHECK(a.public_suffix_list == b.public_suffix_list);
    CHECK(a.neighbour_digits == b.neighbour_digits);
    CHECK(a.lists.block_numbers == b.lists.block_numbers);
    CHECK(a.lists.brands == b.lists.brands);
    CHECK(a.lists.allow_domains == b.lists.allow_domains);
    CHECK(bundled.resolved_policy_path() == defaults.resolved_policy_path());
    // The one difference: the bundled file defines example trunks, the built-in defaults none.
    CHECK(defaults.detection.trunks.empty());
    REQUIRE(bundled.detection.trunks.size() == 3);
    CHECK(bundled.detection.trunks[0].role == "international");
}

TEST_CASE("trunks: CIDRs, VLANs and accounts; bad entries name file:line") {
    const std::string dir = "/tmp/scamgate-test-config";
    std::filesystem::create_directories(dir);
    {
        std::ofstream f(dir + "/trunks.yaml");
        f << "trunks:\n  - name: intl\n    role: international\n    cidrs: [203.0.113.0/24, '2001:db8::/32']\n"
             "  - name: cust\n    role: customer\n    accounts: [esme-1]\n    vlans: [214]\n";
    }
    const auto c = load_config(dir + "/trunks.yaml");
    REQUIRE(c.detection.trunks.size() == 2);
    CHECK(c.detection.trunks[0].cidrs.size() == 2);
    CHECK(c.detection.trunks[1].accounts == std::vector<std::string>{"esme-1"});
    CHECK(c.detection.trunks[1].vlans == std::vector<std::uint16_t>{214});
    {
        std::ofstream f(dir + "/bad-trunk.yaml");
        f << "trunks:\n  - name: intl\n    role: international\n    cidrs: [203.0.113.0/33]\n";
    }
    std::string error;
    try {
        (void)load_config(dir + "/bad-trunk.yaml");
    } catch (const ConfigError& e) {
        error = e.what();
    }
    CHECK(error == dir + "/bad-trunk.yaml:4: '203.0.113.0/33' is not an address or CIDR (203.0.113.0/24, 2001:db8::/32)");
    std::filesystem::remove_all(dir);
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
