#pragma once
// scamgate.yaml: every parameter is declared once (key, type, range, help) in config.cpp; that one
// table drives parsing, validation with file:line messages, `--help-config` and docs/config.md.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "behaviour/behaviour.h"
#include "daemon/settings.h"
#include "enforce/inline_settings.h"
#include "metrics/listen_address.h"
#include "detect/detector.h"
#include "pipeline/worker.h"
#include "policy/behaviour_overrides.h"
#include "redis/event_stream.h"

namespace scamgate::app {

// pipeline.workers (replay and run --workers): worker threads packets are shared over.
struct WorkerCount {
    static constexpr unsigned kMax = 64;
    enum class Kind : std::uint8_t { fixed, automatic };
    Kind kind = Kind::fixed;
    unsigned fixed = 1;  // 1..kMax when kind is fixed

    // fixed, or for automatic the cores this process may run on (its CPU affinity), within 1..kMax.
    unsigned resolve() const;
    std::string to_string() const;  // "auto" or the number
    // "auto" or a whole number 1..kMax; nullopt for anything else.
    static std::optional<WorkerCount> parse(std::string_view text);
};

// lists.learned, lists.learned_ttl, lists.learned_max: the learned block list (docs/behaviour.md).
struct LearnedListConfig {
    std::string path;                  // empty: off; absolute once loaded from a file
    Timestamp ttl = seconds(7 * 86400);  // how long a finding keeps its number / domain listed
    std::size_t max_entries = 100'000;   // beyond, the entry that expires first is evicted
};

// behaviour.overrides: one entry as written (docs/behaviour.md, "Overrides"). Every value is
// checked while the file is read; resolve_behaviour_overrides applies them to the final base
// thresholds (wherever in the file those are set) and checks the trunk names.
struct BehaviourOverrideConfig {
    enum class Selector : std::uint8_t { trunk, prefix };
    struct Value {
        std::string key;    // a threshold parameter, e.g. behaviour.wangiri.min_calls
        std::string text;   // its value as written (a scalar, already validated)
        std::string where;  // file:line
    };
    Selector selector = Selector::prefix;
    std::string name;   // the trunk's name, or the prefix's digits without '+'
    std::string where;  // file:line of the selector
    std::vector<Value> values;
};

struct AppConfig {
    pipeline::PipelineConfig pipeline;
    // 1 by default, not auto: one worker gives a deterministic event order (tests, replay diffs),
    // and nfqueue's queue range must match the iptables rule (docs/config.md).
    WorkerCount workers;
    daemon::CaptureConfig capture;
    daemon::DaemonConfig daemon;
    enforce::InlineSettings inline_gate;  // inline.*
    std::string events_path;  // JSONL destination: a path, "-" for stdout, empty for none
    bool redact_text = false; // SMS text in events replaced by its length and a hash
    redis::EventStreamSettings event_stream;  // output.redis_stream, _key, _maxlen
    std::string control_socket;  // `run`'s control socket (reload); empty: the default path
    std::optional<metrics::ListenAddress> metrics_listen;  // metrics.listen: `run`'s /metrics endpoint; none: off
    // Detection and policy. A relative path set in a config file is relative to that file's
    // folder (made absolute while loading); the built-in defaults are relative to the bundled
    // config/ folder (`base_dir`), so a short config file still finds the bundled plan and packs.
    detect::DetectorConfig detection = default_detection();
    std::string policy_path = "policy.yaml";
    bool detection_enabled = true;
    behaviour::Settings behaviour;             // behaviour.* thresholds (reloadable)
    std::vector<BehaviourOverrideConfig> behaviour_overrides;  // behaviour.overrides (reloadable)
    behaviour::Capacity behaviour_capacity;    // behaviour.max_keys, max_campaigns (fixed at start)
    LearnedListConfig learned;                 // lists.learned* (fixed at start)
    std::string behaviour_redis;               // behaviour.redis: shared behaviour state; empty: local (fixed at start)
    std::string behaviour_redis_instance;      // behaviour.redis_instance: this instance's name; empty: hostname:pid
    Timestamp behaviour_redis_interval = seconds(0.1);  // behaviour.redis_interval (fixed at start)
    std::string base_dir = bundled_config_dir();
    std::string loading_dir;  // while a file is being read: its folder

    static detect::DetectorConfig default_detection();
    static std::string bundled_config_dir();
    // The detector settings with every path made absolute against base_dir.
    detect::DetectorConfig resolved_detection() const;
    std::string resolved_policy_path() const;
    std::string source_path;  // the file this was loaded from (empty: built-in defaults)
};

// What `scamgate run` takes from the configuration (the daemon sees nothing else of it).
daemon::RunSettings run_settings(const AppConfig& config);

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Loads and validates a configuration file on top of the built-in defaults. Throws ConfigError
// naming the file, line and what to do; a caller that keeps an older config keeps it in force.
AppConfig load_config(const std::string& path);

// behaviour.overrides resolved into complete thresholds: each entry is the base (`config.behaviour`)
// with its values applied. A trunk name not in `trunks` (the detector's, command-line trunks
// included) or a selector given twice is a ConfigError naming the entry's file:line.
policy::BehaviourOverrides resolve_behaviour_overrides(const AppConfig& config, const detect::TrunkTable& trunks);

// One line per parameter: key, type and range, default, help. Printed by --help-config.
std::string describe_parameters();

// Every parameter of the table, in its order: key and the value `config` holds, written as
// --help-config writes a default (lets a test compare two configs parameter by parameter, so a
// new parameter is covered without editing the test).
std::vector<std::pair<std::string, std::string>> parameter_values(const AppConfig& config);

}  // namespace scamgate::app
