#include <algorithm>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "app/config.h"
#include "temp_files.h"

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

// Paths as the program uses them: a file's are relative to its folder, the built-in defaults' to
// the bundled config/ folder; resolved, both must name the same files. detection.cache_dir "auto"
// stays the word (resolved, it would be this user's cache folder for both).
AppConfig with_resolved_paths(AppConfig config) {
    const bool auto_cache = config.detection.cache_dir == "auto";
    config.detection = config.resolved_detection();
    if (auto_cache) config.detection.cache_dir = "auto";
    config.policy_path = config.resolved_policy_path();
    return config;
}
}  // namespace

TEST_CASE("config/scamgate.yaml holds exactly the built-in defaults") {
    const AppConfig bundled = load_config(kSource + "/config/scamgate.yaml");
    const AppConfig defaults;
    // Every parameter of the table, in its order: a new parameter is compared without editing this.
    const auto want = parameter_values(with_resolved_paths(defaults));
    const auto got = parameter_values(with_resolved_paths(bundled));
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("parameter " << want[i].first);
        CHECK(got[i].first == want[i].first);
        CHECK(got[i].second == want[i].second);
    }
    CHECK(want.size() >= 49);  // the table's size when this test was written: none may go missing
    // The one difference: the bundled file defines example trunks (not a table parameter), the
    // built-in defaults none.
    CHECK(defaults.detection.trunks.empty());
    REQUIRE(bundled.detection.trunks.size() == 3);
    CHECK(bundled.detection.trunks[0].role == "international");
}

TEST_CASE("trunks: CIDRs, VLANs and accounts, bad entries name file:line") {
    const test_support::TempDir temp("config");
    const std::string& dir = temp.path();
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
}

TEST_CASE("every parameter of --help-config is documented in docs/config.md and set in the bundled config") {
    const std::string docs = read_file(kSource + "/docs/config.md");
    const std::string bundled = read_file(kSource + "/config/scamgate.yaml");
    std::istringstream lines(describe_parameters());
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        const std::string key = line.substr(0, line.find(' '));
        const std::string leaf = key.substr(key.rfind('.') + 1);
        // A nested key (behaviour.wangiri.min_calls) is indented two spaces per level.
        const auto depth = static_cast<std::size_t>(std::count(key.begin(), key.end(), '.'));
        INFO("parameter " << key);
        CHECK(docs.find("`" + key + "`") != std::string::npos);
        CHECK(bundled.find("\n" + std::string(2 * depth, ' ') + leaf + ":") != std::string::npos);
        ++count;
    }
    CHECK(count >= 15);
}

TEST_CASE("a valid override is applied and the rest stays default") {
    const test_support::TempFile file("config", ".yaml");
    AppConfig config = load_config(file.write("sip:\n  ports: [5060, 5070]\n  detect_any_port: false\ncalls:\n  setup_timeout: 2.5\n"));
    CHECK(config.pipeline.sip.ports == std::vector<std::uint16_t>{5060, 5070});
    CHECK_FALSE(config.pipeline.sip.any_port);
    CHECK(config.pipeline.calls.setup_timeout == seconds(2.5));
    CHECK(config.pipeline.calls.linger == pipeline::CallTrackerLimits{}.linger);
}

TEST_CASE("metrics.listen: off by default, a bare port is loopback, an explicit address is kept, empty is off") {
    CHECK_FALSE(AppConfig{}.metrics_listen.has_value());
    const test_support::TempFile file("config", ".yaml");
    CHECK(load_config(file.write("metrics:\n  listen: 9105\n")).metrics_listen->to_string() == "127.0.0.1:9105");
    CHECK(load_config(file.write("metrics:\n  listen: \":9105\"\n")).metrics_listen->to_string() == "127.0.0.1:9105");
    CHECK(load_config(file.write("metrics:\n  listen: \"0.0.0.0:9105\"\n")).metrics_listen->to_string() == "0.0.0.0:9105");
    CHECK(load_config(file.write("metrics:\n  listen: \"[::1]:9105\"\n")).metrics_listen->to_string() == "[::1]:9105");
    CHECK_FALSE(load_config(file.write("metrics:\n  listen: \"\"\n")).metrics_listen.has_value());
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
    CHECK(cases == 12);
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

TEST_CASE("detection.host_model and detection.host_model_threshold: defaults, overrides and bad values") {
    const AppConfig defaults;
    CHECK(defaults.resolved_detection().host_model ==
          (std::filesystem::path(AppConfig::bundled_config_dir()) / "../signatures/models/url-host.model").lexically_normal().string());
    CHECK(defaults.detection.host_model_threshold == doctest::Approx(0.9));
    CHECK(defaults.resolved_detection().lists.link_services == AppConfig::bundled_config_dir() + "/lists/link-services.txt");

    const test_support::TempFile file("config", ".yaml");
    const auto config = load_config(file.write("detection:\n  host_model: models/h.model\n  host_model_threshold: 0.75\n"));
    const std::string folder = file.path().substr(0, file.path().rfind('/'));
    CHECK(config.resolved_detection().host_model == folder + "/models/h.model");
    CHECK(config.detection.host_model_threshold == doctest::Approx(0.75));
    CHECK(load_config(file.write("detection:\n  host_model: \"\"\n")).resolved_detection().host_model.empty());

    auto error_of = [&](const std::string& yaml) {
        try {
            load_config(file.write(yaml));
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(error_of("detection:\n  host_model_threshold: 1.5\n") ==
          file.path() + ":2: 'detection.host_model_threshold' is 1.5, outside 0..1; use a value in that range");
    CHECK(error_of("detection:\n  host_model_threshold: high\n") ==
          file.path() + ":2: 'detection.host_model_threshold' must be a number, got 'high'");
}

TEST_CASE("pipeline.workers: 1 by default, auto or 1..64, anything else refused with file:line") {
    const AppConfig defaults;
    CHECK(defaults.workers.kind == WorkerCount::Kind::fixed);
    CHECK(defaults.workers.resolve() == 1);

    const test_support::TempFile file("config", ".yaml");
    CHECK(load_config(file.write("pipeline:\n  workers: 3\n")).workers.resolve() == 3);
    CHECK(load_config(file.write("pipeline:\n  workers: 64\n")).workers.to_string() == "64");
    const AppConfig automatic = load_config(file.write("pipeline:\n  workers: auto\n"));
    CHECK(automatic.workers.kind == WorkerCount::Kind::automatic);
    CHECK(automatic.workers.to_string() == "auto");
    CHECK(automatic.workers.resolve() >= 1);
    CHECK(automatic.workers.resolve() <= WorkerCount::kMax);

    for (const char* bad : {"0", "65", "two", "2.5", "-1", "[2]"}) {
        INFO("workers: " << bad);
        std::string got;
        try {
            load_config(file.write(std::string("pipeline:\n  workers: ") + bad + "\n"));
        } catch (const ConfigError& e) {
            got = e.what();
        }
        const std::string shown = std::string(bad) == "[2]" ? "" : bad;
        CHECK(got == file.path() + ":2: 'pipeline.workers' is '" + shown + "'; use auto or a number 1..64");
    }
    CHECK_FALSE(WorkerCount::parse("3 ").has_value());
    CHECK_FALSE(WorkerCount::parse("").has_value());
    CHECK(WorkerCount::parse("1")->resolve() == 1);
}

namespace {

std::string config_error(const std::string& path) {
    try {
        (void)load_config(path);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

constexpr const char* kTrunks = "trunks:\n  - name: intl\n    role: international\n    cidrs: [203.0.113.0/24]\n";

}  // namespace

TEST_CASE("behaviour.overrides: read nested as the section, resolved onto the final base thresholds") {
    const test_support::TempFile file("config", ".yaml");
    // The overrides come before the base they apply to: resolution uses the whole file's base.
    const std::string path = file.write(std::string(kTrunks) +
                                        "behaviour:\n"
                                        "  overrides:\n"
                                        "    - trunk: intl\n"
                                        "      wangiri: {min_calls: 25, max_ring: 5}\n"
                                        "    - prefix: \"+842873000\"\n"
                                        "      enabled: false\n"
                                        "    - prefix: \"+8428\"\n"
                                        "      call_rate:\n"
                                        "        per_caller: 200\n"
                                        "  wangiri:\n"
                                        "    min_callees: 4\n"
                                        "  call_rate:\n"
                                        "    per_source: 50\n");
    const AppConfig config = load_config(path);
    REQUIRE(config.behaviour_overrides.size() == 3);
    CHECK(config.behaviour_overrides[0].selector == BehaviourOverrideConfig::Selector::trunk);
    CHECK(config.behaviour_overrides[0].where == path + ":7");
    CHECK(config.behaviour_overrides[1].name == "842873000");
    const auto shown = parameter_values(config);
    const auto row = std::find_if(shown.begin(), shown.end(), [](const auto& p) { return p.first == "behaviour.overrides"; });
    REQUIRE(row != shown.end());
    CHECK(row->second ==
          "[{trunk: intl, wangiri.min_calls: 25, wangiri.max_ring: 5}, {prefix: +842873000, enabled: false}, "
          "{prefix: +8428, call_rate.per_caller: 200}]");

    const detect::TrunkTable trunks(config.detection.trunks);
    const policy::BehaviourOverrides resolved = resolve_behaviour_overrides(config, trunks);
    CHECK(resolved.size() == 3);
    const auto& intl = resolved.select(config.behaviour, "442079460000", "intl");
    CHECK(intl.wangiri.min_calls == 25);
    CHECK(intl.wangiri.max_ring == seconds(5));
    CHECK(intl.wangiri.min_callees == 4);        // the base's, set after the overrides in the file
    CHECK(intl.call_rate.per_source == 50);
    CHECK(intl.call_rate.per_caller == 30);      // untouched: the default
    CHECK_FALSE(resolved.select(config.behaviour, "842873000123", "intl").enabled);
    CHECK(resolved.select(config.behaviour, "842873100123", "intl").call_rate.per_caller == 200);
    CHECK(resolved.select(config.behaviour, "842873100123", "intl").wangiri.min_calls == 10);  // prefix wins whole
    CHECK(&resolved.select(config.behaviour, "442079460000", "") == &config.behaviour);
}

TEST_CASE("behaviour.overrides: a window, an unknown key, a bad prefix or an unknown trunk are refused at file:line") {
    const test_support::TempDir temp("config");
    const std::string dir = temp.path();
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir + "/" + name) << text;
        return dir + "/" + name;
    };
    const std::string window = write("window.yaml", "behaviour:\n  overrides:\n    - trunk: intl\n      wangiri:\n        window: 60\n");
    CHECK(config_error(window) ==
          window + ":5: 'behaviour.wangiri.window' cannot be overridden: a window is one for all contacts (the "
                   "counters of a key are kept for one window); set it in the behaviour section");
    const std::string unknown = write("unknown.yaml", "behaviour:\n  overrides:\n    - prefix: \"+84\"\n      wangiri: {min_call: 3}\n");
    CHECK(config_error(unknown) ==
          unknown + ":4: 'behaviour.wangiri.min_call' cannot be set in an override; keys an override may set under "
                    "'behaviour.wangiri': max_ring, max_answered, min_calls, min_callees, prefix_digits, international_only");
    const std::string fixed = write("fixed.yaml", "behaviour:\n  overrides:\n    - prefix: \"+84\"\n      max_keys: 4096\n");
    CHECK(config_error(fixed).starts_with(fixed + ":4: 'behaviour.max_keys' cannot be set in an override"));
    const std::string range = write("range.yaml", "behaviour:\n  overrides:\n    - prefix: \"+84\"\n      short_calls: {min_short_share: 2}\n");
    CHECK(config_error(range) ==
          range + ":4: 'behaviour.short_calls.min_short_share' is 2, outside 0..1; use a value in that range");
    const std::string prefix = write("prefix.yaml", "behaviour:\n  overrides:\n    - prefix: \"8424x\"\n      enabled: false\n");
    CHECK(config_error(prefix) == prefix + ":3: prefix '8424x' is not an E.164 prefix: '+' and 1 to 15 digits, in "
                                           "quotes, e.g. \"+8424\"");
    const std::string both = write("both.yaml", "behaviour:\n  overrides:\n    - {trunk: intl, prefix: \"+84\", enabled: false}\n");
    CHECK(config_error(both).starts_with(both + ":3: an override names exactly one of 'trunk'"));
    const std::string empty = write("empty.yaml", "behaviour:\n  overrides:\n    - trunk: intl\n");
    CHECK(config_error(empty).starts_with(empty + ":3: this override changes no threshold"));

    // A trunk name is checked against the trunks in force (the detector's), once the file is read.
    const std::string trunk = write("trunk.yaml", std::string(kTrunks) +
                                                      "behaviour:\n  overrides:\n    - trunk: intl-carier\n"
                                                      "      wangiri: {min_calls: 5}\n");
    const AppConfig config = load_config(trunk);
    std::string error;
    try {
        (void)resolve_behaviour_overrides(config, detect::TrunkTable(config.detection.trunks));
    } catch (const ConfigError& e) {
        error = e.what();
    }
    CHECK(error == trunk + ":7: behaviour override for trunk 'intl-carier', which is not configured; configured trunks: intl");
    const std::string twice = write("twice.yaml", std::string(kTrunks) +
                                                      "behaviour:\n  overrides:\n    - {prefix: \"+84\", enabled: false}\n"
                                                      "    - {prefix: \"+84\", wangiri: {min_calls: 5}}\n");
    const AppConfig twice_config = load_config(twice);
    error.clear();
    try {
        (void)resolve_behaviour_overrides(twice_config, detect::TrunkTable(twice_config.detection.trunks));
    } catch (const ConfigError& e) {
        error = e.what();
    }
    CHECK(error == twice + ":8: a second behaviour override for prefix '+84'; merge the two");
}
