#include "app/config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include <sched.h>

#include <charconv>
#include <thread>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace scamgate::app {

namespace {

enum class ParamType { count, seconds, probability, boolean, port_list, path, path_list, alphabet, alphabet_map, text, name_list, capture_mode, unparsed_action, worker_count, redis_url, override_list, listen_address };

struct Param {
    std::string key;  // "section.name"
    ParamType type;
    double min = 0;
    double max = 0;
    std::string help;
    std::function<void(AppConfig&, const YAML::Node&, const std::string& where)> set;
    std::function<std::string(AppConfig)> show;
};

std::string where_of(const std::string& file, const YAML::Node& node) {
    return fmt::format("{}:{}", file, node.Mark().line + 1);
}

// detection.cache_dir "auto": $XDG_CACHE_HOME/scamgate, else $HOME/.cache/scamgate, else no cache.
std::string user_cache_dir() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/scamgate";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/scamgate";
    return {};
}

std::string absolute(const std::string& base, const std::string& path) {
    if (path.empty() || path.front() == '/') return path;
    return (std::filesystem::path(base) / path).lexically_normal().string();
}

double read_number(const YAML::Node& node, const Param& p, const std::string& where) {
    double value = 0;
    try {
        value = node.as<double>();
    } catch (const YAML::Exception&) {
        throw ConfigError(fmt::format("{}: '{}' must be a number, got '{}'", where, p.key, node.Scalar()));
    }
    if (value < p.min || value > p.max) {
        throw ConfigError(fmt::format("{}: '{}' is {}, outside {}..{}; use a value in that range", where, p.key,
                                      node.Scalar(), p.min, p.max));
    }
    if (p.type == ParamType::count && value != static_cast<double>(static_cast<std::uint64_t>(value))) {
        throw ConfigError(fmt::format("{}: '{}' must be a whole number, got '{}'", where, p.key, node.Scalar()));
    }
    return value;
}

template <typename Access>
Param count_param(std::string key, double min, double max, std::string help, Access access) {
    Param p{std::move(key), ParamType::count, min, max, std::move(help), {}, {}};
    p.set = [access, p](AppConfig& c, const YAML::Node& n, const std::string& where) {
        access(c) = static_cast<std::remove_reference_t<decltype(access(c))>>(read_number(n, p, where));
    };
    p.show = [access](AppConfig c) { return fmt::format("{}", access(c)); };
    return p;
}

template <typename Access>
Param seconds_param(std::string key, double min, double max, std::string help, Access access) {
    Param p{std::move(key), ParamType::seconds, min, max, std::move(help), {}, {}};
    p.set = [access, p](AppConfig& c, const YAML::Node& n, const std::string& where) {
        access(c) = seconds(read_number(n, p, where));
    };
    p.show = [access](AppConfig c) {
        return fmt::format("{}", static_cast<double>(access(c)) / kNanosPerSecond);
    };
    return p;
}

template <typename Access>
Param probability_param(std::string key, std::string help, Access access) {
    Param p{std::move(key), ParamType::probability, 0, 1, std::move(help), {}, {}};
    p.set = [access, p](AppConfig& c, const YAML::Node& n, const std::string& where) { access(c) = read_number(n, p, where); };
    p.show = [access](AppConfig c) { return fmt::format("{}", access(c)); };
    return p;
}

template <typename Access>
Param bool_param(std::string key, std::string help, Access access) {
    Param p{std::move(key), ParamType::boolean, 0, 1, std::move(help), {}, {}};
    p.set = [access, key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        try {
            access(c) = n.as<bool>();
        } catch (const YAML::Exception&) {
            throw ConfigError(fmt::format("{}: '{}' must be true or false, got '{}'", where, key, n.Scalar()));
        }
    };
    p.show = [access](AppConfig c) { return access(c) ? "true" : "false"; };
    return p;
}

template <typename Access>
Param ports_param(std::string key, std::string help, Access access) {
    Param p{std::move(key), ParamType::port_list, 1, 65535, std::move(help), {}, {}};
    p.set = [key = p.key, access](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsSequence()) throw ConfigError(fmt::format("{}: '{}' must be a list of ports, e.g. [5060, 5061]", where, key));
        std::vector<std::uint16_t> ports;
        for (const auto& item : n) {
            int port = 0;
            try {
                port = item.as<int>();
            } catch (const YAML::Exception&) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw ConfigError(fmt::format("{}: '{}' holds '{}', not a port number 1..65535", where, key, item.Scalar()));
            }
            ports.push_back(static_cast<std::uint16_t>(port));
        }
        access(c) = std::move(ports);
    };
    p.show = [access](AppConfig c) { return fmt::format("[{}]", fmt::join(access(c), ", ")); };
    return p;
}

// What SMPP data_coding 0 may mean: the SMSC default alphabet is GSM 03.38 by the spec, but some
// SMSCs use Latin-1 or ASCII for it.
sms::Encoding read_alphabet(const YAML::Node& n, const std::string& key, const std::string& where) {
    const std::string value = n.IsScalar() ? n.Scalar() : "";
    if (value == "gsm7") return sms::Encoding::gsm7;
    if (value == "latin1") return sms::Encoding::latin1;
    if (value == "ascii") return sms::Encoding::ascii;
    throw ConfigError(fmt::format("{}: '{}' is '{}'; use gsm7, latin1 or ascii", where, key, value));
}

Param alphabet_param() {
    Param p{"smpp.default_alphabet", ParamType::alphabet, 0, 0,
            "what SMPP data_coding 0 means: gsm7 (the SMPP default), latin1 or ascii", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        c.pipeline.smpp.default_alphabet = read_alphabet(n, key, where);
    };
    p.show = [](const AppConfig& c) { return std::string(sms::encoding_name(c.pipeline.smpp.default_alphabet)); };
    return p;
}

Param account_alphabet_param() {
    Param p{"smpp.account_alphabet", ParamType::alphabet_map, 0, 0,
            "per bind system_id, what data_coding 0 means, e.g. {esme-a: latin1}", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsMap() && !n.IsNull()) {
            throw ConfigError(fmt::format("{}: '{}' must map system_ids to gsm7, latin1 or ascii", where, key));
        }
        std::map<std::string, sms::Encoding> accounts;
        if (n.IsMap()) {
            for (const auto& entry : n) {
                const auto entry_where = fmt::format("{}:{}", where.substr(0, where.rfind(':')), entry.second.Mark().line + 1);
                accounts[entry.first.Scalar()] = read_alphabet(entry.second, key + "." + entry.first.Scalar(), entry_where);
            }
        }
        c.pipeline.smpp.account_alphabet = std::move(accounts);
    };
    p.show = [](const AppConfig& c) {
        std::vector<std::string> items;
        for (const auto& [account, alphabet] : c.pipeline.smpp.account_alphabet) {
            items.push_back(fmt::format("{}: {}", account, sms::encoding_name(alphabet)));
        }
        return fmt::format("{{{}}}", fmt::join(items, ", "));
    };
    return p;
}

template <typename Access>
Param path_param(std::string key, std::string help, Access access) {
    Param p{std::move(key), ParamType::path, 0, 0, std::move(help), {}, {}};
    p.set = [access, key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsNull() && !n.IsScalar()) throw ConfigError(fmt::format("{}: '{}' must be a path", where, key));
        const std::string value = n.IsNull() ? "" : n.Scalar();
        access(c) = value == "auto" ? value : absolute(c.loading_dir, value);
    };
    p.show = [access](AppConfig c) { return fmt::format("\"{}\"", access(c)); };
    return p;
}

Param signatures_param() {
    Param p{"detection.signatures", ParamType::path_list, 0, 0,
            "signature packs: paths or globs, relative to the config file's folder", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsSequence()) throw ConfigError(fmt::format("{}: '{}' must be a list of paths or globs, e.g. [../signatures/*.yaml]", where, key));
        std::vector<std::string> paths;
        for (const auto& item : n) paths.push_back(absolute(c.loading_dir, item.Scalar()));
        c.detection.signatures = std::move(paths);
    };
    p.show = [](const AppConfig& c) { return fmt::format("[{}]", fmt::join(c.detection.signatures, ", ")); };
    return p;
}

// detection.model: one path or a list (one model per language or market; an SMS gets the
// highest probability any of them gives).
Param models_param() {
    Param p{"detection.model", ParamType::path_list, 0, 0,
            "trained text model files (one path or a list; [] for none), relative to the config file's folder", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        std::vector<std::string> paths;
        if (n.IsScalar()) {
            if (!n.Scalar().empty()) paths.push_back(absolute(c.loading_dir, n.Scalar()));
        } else if (n.IsSequence()) {
            for (const auto& item : n) {
                if (!item.IsScalar() || item.Scalar().empty())
                    throw ConfigError(fmt::format("{}: '{}' items must be paths", where, key));
                paths.push_back(absolute(c.loading_dir, item.Scalar()));
            }
        } else if (!n.IsNull()) {
            throw ConfigError(fmt::format("{}: '{}' must be a path or a list of paths, e.g. ../signatures/models/sms-text.model", where, key));
        }
        c.detection.models = std::move(paths);
    };
    p.show = [](const AppConfig& c) { return fmt::format("[{}]", fmt::join(c.detection.models, ", ")); };
    return p;
}

Param events_param() {
    Param p{"output.events", ParamType::path, 0, 0,
            "JSONL events destination: a file path, \"-\" for stdout, empty for none (--events overrides)", {}, {}};
    p.set = [](AppConfig& c, const YAML::Node& n, const std::string&) { c.events_path = n.IsNull() ? "" : n.Scalar(); };
    p.show = [](const AppConfig& c) { return fmt::format("\"{}\"", c.events_path); };
    return p;
}

// A Redis URL (checked here, so a typo is a file:line error at start-up and a reload, not a
// warning later), or empty for off: output.redis_stream and behaviour.redis.
// `field(config)` names the setting, for a const and a mutable config alike.
template <typename Field>
Param redis_url_param(std::string key, std::string help, Field field) {
    Param p{std::move(key), ParamType::redis_url, 0, 0, std::move(help), {}, {}};
    p.set = [key = p.key, field](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsNull() && !n.IsScalar()) throw ConfigError(fmt::format("{}: '{}' must be a Redis URL", where, key));
        const std::string url = n.IsNull() ? "" : n.Scalar();
        if (!url.empty()) {
            try {
                redis::parse_url(url);
            } catch (const redis::UrlError& e) {
                throw ConfigError(fmt::format("{}: '{}': {}", where, key, e.what()));
            }
        }
        field(c) = url;
    };
    p.show = [field](const AppConfig& c) { return fmt::format("\"{}\"", field(c)); };
    return p;
}

Param redis_stream_param() {
    return redis_url_param(
        "output.redis_stream",
        "also send every event line to a Redis stream (XADD, field event) at this URL, for a central analyst or a "
        "SIEM; empty: off. Queued off the packet path and fail-open: when Redis is slow or down the line is "
        "dropped and counted (redis.*), the events file is unaffected (docs/redis.md)",
        [](auto& c) -> auto& { return c.event_stream.url; });
}

Param behaviour_redis_param() {
    return redis_url_param(
        "behaviour.redis",
        "share behaviour's counters and windows and the learned list (lists.learned) with every scamgate pointing at "
        "this Redis (campaigns stay per gateway); empty: local state only. Decisions never wait for Redis (docs/behaviour.md, \"Across gateways\")",
        [](auto& c) -> auto& { return c.behaviour_redis; });
}

Param redis_stream_key_param() {
    Param p{"output.redis_stream_key", ParamType::text, 0, 0, "the Redis stream output.redis_stream adds to", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsScalar() || n.Scalar().empty()) throw ConfigError(fmt::format("{}: '{}' must be a stream key name, e.g. scamgate:events", where, key));
        c.event_stream.key = n.Scalar();
    };
    p.show = [](const AppConfig& c) { return fmt::format("\"{}\"", c.event_stream.key); };
    return p;
}

Param metrics_listen_param() {
    Param p{"metrics.listen", ParamType::listen_address, 0, 0,
            "serve Prometheus metrics (`scamgate run`) at http://ADDR/metrics; PORT or :PORT listen on 127.0.0.1 "
            "only, another address (0.0.0.0:PORT, [::]:PORT) must be written out; empty: off (--metrics overrides; "
            "docs/metrics.md)", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsNull() && !n.IsScalar()) throw ConfigError(fmt::format("{}: '{}' must be an address such as 9105 or 127.0.0.1:9105", where, key));
        const std::string text = n.IsNull() ? "" : n.Scalar();
        if (text.empty()) {
            c.metrics_listen.reset();
            return;
        }
        metrics::ListenParse parsed = metrics::parse_listen_address(text);
        if (!parsed.address) throw ConfigError(fmt::format("{}: '{}': {}", where, key, parsed.error));
        c.metrics_listen = std::move(parsed.address);
    };
    p.show = [](const AppConfig& c) { return fmt::format("\"{}\"", c.metrics_listen ? c.metrics_listen->to_string() : ""); };
    return p;
}

Param control_socket_param() {
    Param p{"control.socket", ParamType::path, 0, 0,
            "`scamgate run`'s control socket for `scamgate reload` (AF_UNIX, mode 0600); empty: "
            "/run/scamgate/control.sock as root, else $XDG_RUNTIME_DIR/scamgate.sock (--control overrides)", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsNull() && !n.IsScalar()) throw ConfigError(fmt::format("{}: '{}' must be a path", where, key));
        const std::string value = n.IsNull() ? "" : n.Scalar();
        c.control_socket = value.empty() ? value : absolute(c.loading_dir, value);
    };
    p.show = [](const AppConfig& c) { return fmt::format("\"{}\"", c.control_socket); };
    return p;
}

Param capture_interfaces_param() {
    Param p{"capture.interfaces", ParamType::name_list, 0, 0,
            "interfaces `scamgate run` captures on, e.g. [eth1, eth2] (--interface overrides)", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsSequence()) throw ConfigError(fmt::format("{}: '{}' must be a list of interface names, e.g. [eth1]", where, key));
        std::vector<std::string> names;
        for (const auto& item : n) {
            if (!item.IsScalar() || item.Scalar().empty()) {
                throw ConfigError(fmt::format("{}: '{}' holds an empty or non-text entry; give interface names", where, key));
            }
            names.push_back(item.Scalar());
        }
        c.capture.interfaces = std::move(names);
    };
    p.show = [](const AppConfig& c) { return fmt::format("[{}]", fmt::join(c.capture.interfaces, ", ")); };
    return p;
}

Param capture_mode_param() {
    Param p{"capture.mode", ParamType::capture_mode, 0, 0,
            "passive (a copy of the traffic: mirror port or TAP), nfqueue (inline through netfilter), bridge (inline "
            "between two interfaces, libpcap)", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        const std::string value = n.IsScalar() ? n.Scalar() : "";
        if (value != "passive" && value != "nfqueue" && value != "bridge") {
            throw ConfigError(fmt::format("{}: '{}' is '{}'; use passive, nfqueue or bridge", where, key, value));
        }
        c.capture.mode = value;
    };
    p.show = [](const AppConfig& c) { return c.capture.mode; };
    return p;
}

Param inline_unparsed_param() {
    Param p{"inline.unparsed", ParamType::unparsed_action, 0, 0,
            "nfqueue/bridge: a packet on a SIP or SMPP port that cannot be parsed is forwarded (allow), forwarded "
            "with an alert event (alert) or dropped (drop; UDP only, TCP segments are forwarded); each is counted "
            "as inline.unparsed with an event naming the anomaly (docs/policy.md)", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        const std::string value = n.IsScalar() ? n.Scalar() : "";
        auto action = enforce::unparsed_action_from(value);
        if (!action) throw ConfigError(fmt::format("{}: '{}' is '{}'; use allow, alert or drop", where, key, value));
        c.inline_gate.unparsed = *action;
    };
    p.show = [](const AppConfig& c) { return std::string(enforce::unparsed_action_name(c.inline_gate.unparsed)); };
    return p;
}

Param workers_param() {
    Param p{"pipeline.workers", ParamType::worker_count, 1, WorkerCount::kMax,
            "worker threads packets are shared over, by outermost IP address pair (docs/architecture.md): replay "
            "shards a capture over them; run gives each its own NFQUEUE (capture.queue and up) or its share of "
            "every interface (AF_PACKET fanout). auto: one per core available. 1 keeps the capture's event order; "
            "more give the same events in another order (--workers overrides)", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        auto count = n.IsScalar() ? WorkerCount::parse(n.Scalar()) : std::nullopt;
        if (!count) {
            throw ConfigError(fmt::format("{}: '{}' is '{}'; use auto or a number 1..{}", where, key, n.Scalar(),
                                          WorkerCount::kMax));
        }
        c.workers = *count;
    };
    p.show = [](const AppConfig& c) { return c.workers.to_string(); };
    return p;
}

// A text value, taken as written (empty or null: not set); `what` says what it must be.
template <typename Access>
Param text_param(std::string key, std::string help, std::string what, Access access) {
    Param p{std::move(key), ParamType::text, 0, 0, std::move(help), {}, {}};
    p.set = [access, what = std::move(what), key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsNull() && !n.IsScalar()) throw ConfigError(fmt::format("{}: '{}' must be {}", where, key, what));
        access(c) = n.IsNull() ? "" : n.Scalar();
    };
    p.show = [access](AppConfig c) { return fmt::format("\"{}\"", access(c)); };
    return p;
}

constexpr double kMaxCount = 1e9;

const std::vector<Param>& parameters();
const Param* find_param(const std::string& key);
std::string known_keys_under(const std::string& section);

// A key an override may set: a behaviour threshold. Not a window (a key's counters keep one
// window: a second width per trunk would read buckets filled at the other width), and nothing
// fixed at start or structural (table sizes, Redis, the overrides themselves).
bool overridable(const Param& p) {
    const bool threshold_type = p.type == ParamType::count || p.type == ParamType::seconds ||
                                p.type == ParamType::probability || p.type == ParamType::boolean;
    return threshold_type && p.key.starts_with("behaviour.") && !p.key.ends_with(".window") &&
           p.key != "behaviour.max_keys" && p.key != "behaviour.max_campaigns";
}

std::string overridable_keys_under(const std::string& group) {
    std::vector<std::string> keys;
    for (const auto& p : parameters()) {
        if (overridable(p) && p.key.starts_with(group + ".")) keys.push_back(p.key.substr(group.size() + 1));
    }
    return fmt::format("{}", fmt::join(keys, ", "));
}

std::string file_of(const std::string& where) { return where.substr(0, where.rfind(':')); }

// `body`: an override's keys below `group` (behaviour, then behaviour.wangiri, ...), nested as in
// the behaviour section itself. Each value is applied to a scratch config now, so a bad value is
// refused at its own line.
void read_override_values(BehaviourOverrideConfig& out, const std::string& file, const std::string& group,
                          const YAML::Node& body) {
    for (const auto& entry : body) {
        const std::string name = entry.first.Scalar();
        if (group == "behaviour" && (name == "trunk" || name == "prefix")) continue;
        const std::string key = group + "." + name;
        const Param* p = find_param(key);
        if (!p && entry.second.IsMap() && !known_keys_under(key).empty()) {
            read_override_values(out, file, key, entry.second);
            continue;
        }
        if (p && key.ends_with(".window")) {
            throw ConfigError(fmt::format("{}: '{}' cannot be overridden: a window is one for all contacts (the "
                                          "counters of a key are kept for one window); set it in the behaviour "
                                          "section", where_of(file, entry.first), key));
        }
        if (!p || !overridable(*p)) {
            throw ConfigError(fmt::format("{}: '{}' cannot be set in an override; keys an override may set under "
                                          "'{}': {}", where_of(file, entry.first), key, group,
                                          overridable_keys_under(group)));
        }
        if (!entry.second.IsScalar()) {
            throw ConfigError(fmt::format("{}: '{}' must be a single value", where_of(file, entry.second), key));
        }
        AppConfig scratch;
        p->set(scratch, entry.second, where_of(file, entry.second));
        out.values.push_back({key, entry.second.Scalar(), where_of(file, entry.second)});
    }
}

// "+8424" -> "8424": an E.164 prefix, 1..15 digits after the '+'.
std::optional<std::string> e164_prefix_digits(const std::string& text) {
    if (text.size() < 2 || text.size() > 16 || text.front() != '+') return std::nullopt;
    const std::string digits = text.substr(1);
    if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return digits;
}

BehaviourOverrideConfig read_override(const std::string& file, const YAML::Node& n) {
    const auto where = where_of(file, n);
    if (!n.IsMap()) {
        throw ConfigError(fmt::format("{}: each override is a mapping: trunk: NAME or prefix: \"+E164\", and the "
                                      "thresholds it changes, e.g. {{trunk: intl, wangiri: {{min_calls: 5}}}}", where));
    }
    const bool by_trunk = static_cast<bool>(n["trunk"]);
    const bool by_prefix = static_cast<bool>(n["prefix"]);
    if (by_trunk == by_prefix) {
        throw ConfigError(fmt::format("{}: an override names exactly one of 'trunk' (a configured trunk's name) or "
                                      "'prefix' (an E.164 caller prefix such as \"+8424\")", where));
    }
    BehaviourOverrideConfig override;
    const YAML::Node selector = by_trunk ? n["trunk"] : n["prefix"];
    override.where = where_of(file, selector);
    const std::string text = selector.IsScalar() ? selector.Scalar() : "";
    if (by_trunk) {
        if (text.empty()) throw ConfigError(fmt::format("{}: 'trunk' must name a configured trunk", override.where));
        override.selector = BehaviourOverrideConfig::Selector::trunk;
        override.name = text;
    } else {
        const auto digits = e164_prefix_digits(text);
        if (!digits) {
            throw ConfigError(fmt::format("{}: prefix '{}' is not an E.164 prefix: '+' and 1 to 15 digits, in quotes, "
                                          "e.g. \"+8424\"", override.where, text));
        }
        override.selector = BehaviourOverrideConfig::Selector::prefix;
        override.name = *digits;
    }
    read_override_values(override, file, "behaviour", n);
    if (override.values.empty()) {
        throw ConfigError(fmt::format("{}: this override changes no threshold; give the keys it sets, e.g. "
                                      "wangiri: {{min_calls: 30}} or enabled: false", where));
    }
    return override;
}

std::string override_text(const BehaviourOverrideConfig& o) {
    std::vector<std::string> values;
    for (const auto& v : o.values) values.push_back(fmt::format("{}: {}", v.key.substr(sizeof("behaviour.") - 1), v.text));
    const bool trunk = o.selector == BehaviourOverrideConfig::Selector::trunk;
    return fmt::format("{{{}: {}{}, {}}}", trunk ? "trunk" : "prefix", trunk ? "" : "+", o.name, fmt::join(values, ", "));
}

Param behaviour_overrides_param() {
    Param p{"behaviour.overrides", ParamType::override_list, 0, 0,
            "per-trunk and per-caller-prefix thresholds: a list of {trunk: NAME} or {prefix: \"+E164\"} with the "
            "behaviour keys it changes (not windows), e.g. {trunk: intl, wangiri: {min_calls: 5}}; the longest "
            "prefix wins, then the trunk, else the section's own (docs/behaviour.md, \"Overrides\")", {}, {}};
    p.set = [key = p.key](AppConfig& c, const YAML::Node& n, const std::string& where) {
        if (!n.IsSequence() && !n.IsNull()) {
            throw ConfigError(fmt::format("{}: '{}' must be a list of overrides, e.g. [{{prefix: \"+8424\", enabled: false}}]",
                                          where, key));
        }
        std::vector<BehaviourOverrideConfig> overrides;
        for (const auto& item : n) overrides.push_back(read_override(file_of(where), item));
        c.behaviour_overrides = std::move(overrides);
    };
    p.show = [](const AppConfig& c) {
        std::vector<std::string> items;
        for (const auto& o : c.behaviour_overrides) items.push_back(override_text(o));
        return fmt::format("[{}]", fmt::join(items, ", "));
    };
    return p;
}


const std::vector<Param>& parameters() {
    static const std::vector<Param> table = {
        capture_interfaces_param(),
        capture_mode_param(),
        count_param("capture.queue", 0, 65535, "NFQUEUE number in nfqueue mode (--queue overrides)",
                    [](AppConfig& c) -> unsigned& { return c.capture.queue; }),
        count_param("capture.snaplen", 64, 262144, "bytes kept of each captured frame (--snaplen overrides)",
                    [](AppConfig& c) -> std::size_t& { return c.capture.snaplen; }),
        count_param("capture.buffer_mb", 1, 4096, "kernel capture buffer per interface, or the NFQUEUE socket buffer in nfqueue mode, MiB (--buffer-mb overrides)",
                    [](AppConfig& c) -> std::size_t& { return c.capture.buffer_mb; }),
        text_param("capture.bpf",
                   "BPF filter; empty: built from sip.ports and smpp.ports plus fragments and VLANs, or no port filter "
                   "when sip.detect_any_port is true (--bpf overrides)",
                   "a BPF expression in quotes", [](AppConfig& c) -> std::string& { return c.capture.bpf; }),
        bool_param("capture.promiscuous", "put the interfaces in promiscuous mode (a mirror port or TAP does not need it)",
                   [](AppConfig& c) -> bool& { return c.capture.promiscuous; }),
        bool_param("capture.active_replies",
                   "passive mode: answer an enforced reject with the rule's SIP final response, injected on the "
                   "capture interface (--active-replies overrides)",
                   [](AppConfig& c) -> bool& { return c.capture.active_replies; }),
        text_param("daemon.user",
                   "user `scamgate run` switches to once its captures and queue are open, keeping only "
                   "CAP_NET_ADMIN/CAP_NET_RAW as needed; empty: stay as started (--user overrides)",
                   "a user name", [](AppConfig& c) -> std::string& { return c.daemon.user; }),
        text_param("daemon.group", "group for daemon.user; empty: the user's primary group (--group overrides)",
                   "a group name", [](AppConfig& c) -> std::string& { return c.daemon.group; }),
        inline_unparsed_param(),
        workers_param(),
        ports_param("sip.ports", "UDP/TCP ports where SIP is expected; non-SIP payloads there are counted",
                    [](AppConfig& c) -> std::vector<std::uint16_t>& { return c.pipeline.sip.ports; }),
        bool_param("sip.detect_any_port", "also recognise SIP on any other port by its start line",
                   [](AppConfig& c) -> bool& { return c.pipeline.sip.any_port; }),
        count_param("sip.max_message_size", 512, 1 << 20,
                    "bytes of one SIP message kept (also per WebSocket message); a longer body is cut there and the "
                    "message still judged (on TCP the rest is skipped); a longer header block is lost on TCP",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.sip_parser.max_message_size; }),
        count_param("sip.max_headers", 8, 4096,
                    "header lines kept per SIP message; past it only the first of each header scamgate reads is kept",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.sip_parser.max_headers; }),
        count_param("calls.max_active", 1, kMaxCount, "call attempts tracked at once; the oldest is evicted beyond",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.calls.max_calls; }),
        seconds_param("calls.setup_timeout", 1, 86400, "seconds an INVITE may wait for a final response",
                      [](AppConfig& c) -> Timestamp& { return c.pipeline.calls.setup_timeout; }),
        seconds_param("calls.max_duration", 1, 7 * 86400, "seconds an answered call may last without a BYE",
                      [](AppConfig& c) -> Timestamp& { return c.pipeline.calls.max_duration; }),
        seconds_param("calls.linger", 0, 3600, "seconds an ended call is remembered to absorb retransmissions",
                      [](AppConfig& c) -> Timestamp& { return c.pipeline.calls.linger; }),
        count_param("ip_fragments.max_datagrams", 1, kMaxCount, "IP datagrams in reassembly at once",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.net.max_fragment_trains; }),
        count_param("ip_fragments.max_bytes", 65536, 1e11, "bytes held across all datagrams in reassembly",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.net.max_fragment_bytes; }),
        seconds_param("ip_fragments.timeout", 1, 600, "seconds an incomplete datagram is kept",
                      [](AppConfig& c) -> Timestamp& { return c.pipeline.net.fragment_timeout; }),
        count_param("tunnels.max_depth", 1, 16, "nested encapsulations followed (GRE, PPTP, ERSPAN, IP-in-IP, GTP-U)",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.net.max_tunnel_depth; }),
        count_param("tcp.max_connections", 1, kMaxCount, "TCP connections tracked at once; least recently active evicted",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.tcp.max_connections; }),
        count_param("tcp.max_pending_bytes", 1024, 1 << 30, "out-of-order bytes held per direction before a gap is declared",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.tcp.max_pending_bytes_per_direction; }),
        seconds_param("tcp.idle_timeout", 1, 86400, "seconds a silent TCP connection is kept",
                      [](AppConfig& c) -> Timestamp& { return c.pipeline.tcp.idle_timeout; }),
        count_param("sctp.max_associations", 1, kMaxCount, "SCTP associations tracked at once; least recently active evicted",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.sctp.max_associations; }),
        count_param("sctp.max_message_size", 512, 1 << 24, "bytes of fragments held per association direction (the largest user message reassembled)",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.sctp.max_message_size; }),
        count_param("sctp.max_pending_fragments", 2, 65536, "DATA fragments held per association direction while a user message is incomplete",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.sctp.max_pending_fragments; }),
        seconds_param("sctp.fragment_timeout", 1, 600, "seconds the fragments of an incomplete SCTP user message are kept",
                      [](AppConfig& c) -> Timestamp& { return c.pipeline.sctp.fragment_timeout; }),
        seconds_param("sctp.idle_timeout", 1, 86400, "seconds a silent SCTP association is kept",
                      [](AppConfig& c) -> Timestamp& { return c.pipeline.sctp.idle_timeout; }),
        ports_param("smpp.ports", "TCP ports where a stream is SMPP even when picked up mid-PDU (elsewhere SMPP is found by its header)",
                    [](AppConfig& c) -> std::vector<std::uint16_t>& { return c.pipeline.smpp.ports; }),
        count_param("smpp.max_pdu_size", 64, 1 << 24, "largest SMPP command_length accepted; beyond it the stream resynchronises",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.smpp.framer.max_pdu_size; }),
        alphabet_param(),
        account_alphabet_param(),
        seconds_param("sms.response_timeout", 0, 3600, "seconds an SMPP message waits for its response before it is recorded without one",
                      [](AppConfig& c) -> Timestamp& { return c.pipeline.sms.response_timeout; }),
        count_param("sms.max_pending_responses", 1, kMaxCount, "SMPP messages waiting for responses at once; the oldest is recorded beyond",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.sms.max_pending_responses; }),
        seconds_param("sms.concat_timeout", 1, 86400, "seconds the parts of a concatenated SMS are awaited; then it is recorded incomplete",
                      [](AppConfig& c) -> Timestamp& { return c.pipeline.sms.concat_timeout; }),
        count_param("sms.max_concat_messages", 1, kMaxCount, "partly received concatenated SMS held at once; the oldest is recorded incomplete beyond",
                    [](AppConfig& c) -> std::size_t& { return c.pipeline.sms.max_concat_messages; }),
        bool_param("detection.enabled", "run signatures, checks and the policy on every contact",
                   [](AppConfig& c) -> bool& { return c.detection_enabled; }),
        signatures_param(),
        models_param(),
        path_param("detection.host_model", "trained URL host model file (url.phishing_host), relative to the config file's folder; empty: none",
                   [](AppConfig& c) -> std::string& { return c.detection.host_model; }),
        probability_param("detection.host_model_threshold",
                          "url.phishing_host fires when the host model's probability for a link's host reaches this "
                          "(chosen by cross-validation: docs/detection.md, \"The host model\")",
                          [](AppConfig& c) -> double& { return c.detection.host_model_threshold; }),
        path_param("detection.numbering_plan", "numbering plan (docs/numbering.md)",
                   [](AppConfig& c) -> std::string& { return c.detection.numbering_plan; }),
        path_param("detection.policy", "policy rules (docs/policy.md)",
                   [](AppConfig& c) -> std::string& { return c.policy_path; }),
        path_param("detection.cache_dir", "compiled signature databases: a folder, auto ($XDG_CACHE_HOME or ~/.cache /scamgate), or empty for none",
                   [](AppConfig& c) -> std::string& { return c.detection.cache_dir; }),
        path_param("detection.score_model",
                   "calibrated SMS score: weights over the model, hits, checks and lists (docs/detection.md); empty: "
                   "the capped sum of hand-set scores",
                   [](AppConfig& c) -> std::string& { return c.detection.score_model; }),
        path_param("detection.public_suffix_list", "the public suffix list (Debian package publicsuffix)",
                   [](AppConfig& c) -> std::string& { return c.detection.public_suffix_list; }),
        count_param("detection.neighbour_digits", 1, 15, "cli.neighbour: leading digits of the national number caller and callee share",
                    [](AppConfig& c) -> unsigned& { return c.detection.neighbour_digits; }),
        path_param("lists.block_numbers", "E.164 prefixes, one per line: callers and senders to block",
                   [](AppConfig& c) -> std::string& { return c.detection.lists.block_numbers; }),
        path_param("lists.allow_numbers", "E.164 prefixes never to block",
                   [](AppConfig& c) -> std::string& { return c.detection.lists.allow_numbers; }),
        path_param("lists.do_not_originate", "inbound-only numbers (bank hotlines, emergency) that never call",
                   [](AppConfig& c) -> std::string& { return c.detection.lists.do_not_originate; }),
        path_param("lists.brands", "alphanumeric SMS senders and the accounts registered to send them",
                   [](AppConfig& c) -> std::string& { return c.detection.lists.brands; }),
        path_param("lists.block_domains", "domains (and their subdomains) to block in SMS links",
                   [](AppConfig& c) -> std::string& { return c.detection.lists.block_domains; }),
        path_param("lists.allow_domains", "domains (and their subdomains) that are known good",
                   [](AppConfig& c) -> std::string& { return c.detection.lists.allow_domains; }),
        path_param("lists.link_services", "URL shorteners and deep-link services: hosts the host model does not score",
                   [](AppConfig& c) -> std::string& { return c.detection.lists.link_services; }),
        path_param("lists.protected_brands", "brands phishing hosts imitate, with their own domains (url.brand_lookalike); empty: off",
                   [](AppConfig& c) -> std::string& { return c.detection.lists.protected_brands; }),
        path_param("lists.learned",
                   "the learned block list: numbers and domains blocking behaviour findings flagged, with their "
                   "expiry (kept across restarts, written 0600; `scamgate lists`); empty: off (fixed at start)",
                   [](AppConfig& c) -> std::string& { return c.learned.path; }),
        seconds_param("lists.learned_ttl", 60, 365 * 86400, "seconds a number or domain a finding flagged stays on the learned list",
                      [](AppConfig& c) -> Timestamp& { return c.learned.ttl; }),
        count_param("lists.learned_max", 1, 1 << 24, "entries the learned list holds; the one that expires first is evicted beyond (fixed at start)",
                    [](AppConfig& c) -> std::size_t& { return c.learned.max_entries; }),
        behaviour_redis_param(),
        text_param("behaviour.redis_instance",
                   "this instance's name in the shared state (a field of each Redis hash); every scamgate sharing one "
                   "Redis needs its own; empty: hostname:pid (fixed at start)",
                   "a name", [](AppConfig& c) -> std::string& { return c.behaviour_redis_instance; }),
        seconds_param("behaviour.redis_interval", 0.01, 10,
                      "seconds (wall clock) between two batches of changed keys sent to behaviour.redis; the "
                      "peers' counts reach this instance about as late (fixed at start)",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour_redis_interval; }),
        bool_param("behaviour.enabled", "count every contact per caller, account, source and text, and add behaviour.* findings (docs/behaviour.md)",
                   [](AppConfig& c) -> bool& { return c.behaviour.enabled; }),
        count_param("behaviour.max_keys", 1024, 1 << 26, "callers, accounts, sources, senders and domains tracked at once; the least recently active is evicted beyond (fixed at start)",
                    [](AppConfig& c) -> std::size_t& { return c.behaviour_capacity.keys; }),
        count_param("behaviour.max_campaigns", 256, (1 << 23) - 1, "SMS text fingerprints tracked at once; the least recently active is evicted beyond (fixed at start)",
                    [](AppConfig& c) -> std::size_t& { return c.behaviour_capacity.campaigns; }),
        seconds_param("behaviour.call_rate.window", 1, 86400, "seconds over which call attempts are counted",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.call_rate.window; }),
        count_param("behaviour.call_rate.per_caller", 0, kMaxCount, "call attempts per caller in the window that fire behaviour.call_rate; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.call_rate.per_caller; }),
        count_param("behaviour.call_rate.per_account", 0, kMaxCount, "call attempts per account in the window; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.call_rate.per_account; }),
        count_param("behaviour.call_rate.per_source", 0, kMaxCount, "call attempts per source address in the window; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.call_rate.per_source; }),
        seconds_param("behaviour.callee_spray.window", 1, 7 * 86400, "seconds over which distinct callees are counted",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.callee_spray.window; }),
        count_param("behaviour.callee_spray.distinct_callees", 0, kMaxCount, "distinct callees per caller in the window that fire behaviour.callee_spray; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.callee_spray.distinct_callees; }),
        seconds_param("behaviour.wangiri.window", 1, 7 * 86400, "seconds over which short-ring calls are counted",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.wangiri.window; }),
        seconds_param("behaviour.wangiri.max_ring", 0, 600, "a call the caller cancels (CANCEL / 487) within this many seconds of its INVITE is a Wangiri call",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.wangiri.max_ring; }),
        seconds_param("behaviour.wangiri.max_answered", 0, 600, "so is a call answered and ended within this many seconds of the answer",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.wangiri.max_answered; }),
        count_param("behaviour.wangiri.min_calls", 0, kMaxCount, "Wangiri calls from one caller (or prefix) in the window that fire behaviour.wangiri; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.wangiri.min_calls; }),
        count_param("behaviour.wangiri.min_callees", 0, kMaxCount, "distinct callees those calls must reach",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.wangiri.min_callees; }),
        count_param("behaviour.wangiri.prefix_digits", 0, 12, "also count per caller prefix: the E.164 number without this many last digits (a range of rotating numbers); 0: off",
                    [](AppConfig& c) -> unsigned& { return c.behaviour.wangiri.prefix_digits; }),
        bool_param("behaviour.wangiri.international_only", "count only calls from trunks whose role is international",
                   [](AppConfig& c) -> bool& { return c.behaviour.wangiri.international_only; }),
        seconds_param("behaviour.short_calls.window", 1, 7 * 86400, "seconds over which call outcomes are counted",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.short_calls.window; }),
        seconds_param("behaviour.short_calls.max_duration", 1, 3600, "an answered call up to this many seconds long is short",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.short_calls.max_duration; }),
        count_param("behaviour.short_calls.min_attempts", 0, kMaxCount, "ended call attempts per caller in the window before behaviour.short_calls is judged; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.short_calls.min_attempts; }),
        probability_param("behaviour.short_calls.min_short_share", "short answered calls / answered calls at or above which it fires",
                          [](AppConfig& c) -> double& { return c.behaviour.short_calls.min_short_share; }),
        probability_param("behaviour.short_calls.max_answer_ratio", "answered / ended attempts at or below which it fires",
                          [](AppConfig& c) -> double& { return c.behaviour.short_calls.max_answer_ratio; }),
        seconds_param("behaviour.sequential_callees.window", 1, 86400, "seconds a run of sequential callees may span",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.sequential_callees.window; }),
        count_param("behaviour.sequential_callees.min_run", 0, kMaxCount, "callees in a run that fire behaviour.sequential_callees; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.sequential_callees.min_run; }),
        count_param("behaviour.sequential_callees.max_step", 1, 1000, "largest difference between one callee number and the next in a run",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.sequential_callees.max_step; }),
        count_param("behaviour.concurrent_calls.per_caller", 0, kMaxCount, "calls of one caller decided and not yet ended that fire behaviour.concurrent_calls; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.concurrent_calls.per_caller; }),
        count_param("behaviour.concurrent_calls.per_account", 0, kMaxCount, "the same per account; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.concurrent_calls.per_account; }),
        seconds_param("behaviour.register_flood.window", 1, 3600, "seconds over which REGISTER and INVITE requests are counted",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.register_flood.window; }),
        count_param("behaviour.register_flood.per_source", 0, kMaxCount, "REGISTER + INVITE per source address in the window that fire behaviour.register_flood; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.register_flood.per_source; }),
        seconds_param("behaviour.sms_rate.window", 1, 86400, "seconds over which SMS are counted",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.sms_rate.window; }),
        count_param("behaviour.sms_rate.per_sender", 0, kMaxCount, "SMS per sender in the window that fire behaviour.sms_rate; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.sms_rate.per_sender; }),
        count_param("behaviour.sms_rate.per_account", 0, kMaxCount, "SMS per SMPP account in the window; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.sms_rate.per_account; }),
        seconds_param("behaviour.sms_recipient_spray.window", 1, 7 * 86400, "seconds over which distinct recipients are counted",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.sms_recipient_spray.window; }),
        count_param("behaviour.sms_recipient_spray.per_sender", 0, kMaxCount, "distinct recipients per sender in the window that fire behaviour.sms_recipient_spray; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.sms_recipient_spray.per_sender; }),
        count_param("behaviour.sms_recipient_spray.per_account", 0, kMaxCount, "distinct recipients per SMPP account in the window; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.sms_recipient_spray.per_account; }),
        seconds_param("behaviour.sms_campaign.window", 1, 7 * 86400, "seconds over which the senders of one text fingerprint are counted",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.sms_campaign.window; }),
        count_param("behaviour.sms_campaign.min_senders", 0, kMaxCount, "distinct senders of near-identical texts in the window that fire behaviour.sms_campaign; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.sms_campaign.min_senders; }),
        count_param("behaviour.sms_campaign.min_recipients", 0, kMaxCount, "or distinct recipients of them; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.sms_campaign.min_recipients; }),
        count_param("behaviour.sms_campaign.max_distance", 0, 3, "fingerprint bits two texts of one campaign may differ in",
                    [](AppConfig& c) -> unsigned& { return c.behaviour.sms_campaign.max_distance; }),
        count_param("behaviour.sms_campaign.min_text_tokens", 1, 1000, "words a text needs to be fingerprinted",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.sms_campaign.min_text_tokens; }),
        seconds_param("behaviour.url_spray.window", 1, 7 * 86400, "seconds over which the senders of one domain are counted",
                      [](AppConfig& c) -> Timestamp& { return c.behaviour.url_spray.window; }),
        count_param("behaviour.url_spray.min_senders", 0, kMaxCount, "distinct senders of links to one registrable domain in the window that fire behaviour.url_spray; 0: off",
                    [](AppConfig& c) -> std::uint32_t& { return c.behaviour.url_spray.min_senders; }),
        behaviour_overrides_param(),
        events_param(),
        bool_param("output.redact_text", "replace SMS text in events with its length and a hash (--redact-text sets it)",
                   [](AppConfig& c) -> bool& { return c.redact_text; }),
        redis_stream_param(),
        redis_stream_key_param(),
        count_param("output.redis_stream_maxlen", 0, 1e12,
                    "entries the stream keeps, about (XADD MAXLEN ~: Redis trims whole blocks, so a few more stay); 0: no trim",
                    [](AppConfig& c) -> std::uint64_t& { return c.event_stream.maxlen; }),
        control_socket_param(),
        metrics_listen_param(),
    };
    return table;
}

const Param* find_param(const std::string& key) {
    for (const auto& p : parameters()) {
        if (p.key == key) return &p;
    }
    return nullptr;
}

std::string known_keys_under(const std::string& section) {
    std::vector<std::string> keys;
    for (const auto& p : parameters()) {
        if (p.key.rfind(section + ".", 0) == 0) keys.push_back(p.key.substr(section.size() + 1));
    }
    return fmt::format("{}", fmt::join(keys, ", "));
}

std::string known_sections() {
    std::set<std::string> sections = {"trunks"};
    for (const auto& p : parameters()) sections.insert(p.key.substr(0, p.key.find('.')));
    return fmt::format("{}", fmt::join(sections, ", "));
}

void apply_section(AppConfig& config, const std::string& file, const std::string& section, const YAML::Node& body) {
    if (!body.IsMap()) {
        throw ConfigError(fmt::format("{}: section '{}' must be a mapping of keys ({})", where_of(file, body),
                                      section, known_keys_under(section)));
    }
    for (const auto& entry : body) {
        const std::string key = section + "." + entry.first.Scalar();
        const Param* p = find_param(key);
        // A nested group (behaviour.wangiri.min_calls): its keys are read the same way.
        if (!p && entry.second.IsMap() && !known_keys_under(key).empty()) {
            apply_section(config, file, key, entry.second);
            continue;
        }
        if (!p) {
            throw ConfigError(fmt::format("{}: unknown key '{}' in section '{}'; known keys: {}",
                                          where_of(file, entry.first), entry.first.Scalar(), section,
                                          known_keys_under(section)));
        }
        p->set(config, entry.second, where_of(file, entry.second));
    }
}

std::vector<std::uint16_t> read_vlans(const std::string& file, const YAML::Node& n) {
    std::vector<std::uint16_t> vlans;
    if (!n) return vlans;
    if (!n.IsSequence()) throw ConfigError(fmt::format("{}: 'vlans' must be a list of VLAN ids", where_of(file, n)));
    for (const auto& item : n) {
        int id = -1;
        try {
            id = item.as<int>();
        } catch (const YAML::Exception&) {
        }
        if (id < 0 || id > 4095) throw ConfigError(fmt::format("{}: VLAN '{}' is not 0..4095", where_of(file, item), item.Scalar()));
        vlans.push_back(static_cast<std::uint16_t>(id));
    }
    return vlans;
}

detect::Trunk read_trunk(const std::string& file, const YAML::Node& n) {
    if (!n.IsMap() || !n["name"] || !n["role"]) {
        throw ConfigError(fmt::format("{}: each trunk needs 'name' and 'role', and 'cidrs', 'vlans' or 'accounts'", where_of(file, n)));
    }
    detect::Trunk trunk;
    for (const auto& entry : n) {
        const auto key = entry.first.Scalar();
        if (key != "name" && key != "role" && key != "cidrs" && key != "vlans" && key != "accounts" && key != "require_cli") {
            throw ConfigError(fmt::format("{}: unknown trunk key '{}'; known: name, role, cidrs, vlans, accounts, require_cli",
                                          where_of(file, entry.first), key));
        }
    }
    trunk.name = n["name"].Scalar();
    trunk.role = n["role"].Scalar();
    if (n["cidrs"]) {
        for (const auto& item : n["cidrs"]) {
            auto cidr = detect::Cidr::parse(item.Scalar());
            if (!cidr) throw ConfigError(fmt::format("{}: '{}' is not an address or CIDR (203.0.113.0/24, 2001:db8::/32)", where_of(file, item), item.Scalar()));
            trunk.cidrs.push_back(*cidr);
        }
    }
    trunk.vlans = read_vlans(file, n["vlans"]);
    if (n["accounts"]) {
        for (const auto& item : n["accounts"]) trunk.accounts.push_back(item.Scalar());
    }
    if (n["require_cli"]) trunk.require_cli = n["require_cli"].as<bool>(false);
    return trunk;
}

std::vector<detect::Trunk> read_trunks(const std::string& file, const YAML::Node& n) {
    std::vector<detect::Trunk> trunks;
    if (n.IsNull()) return trunks;
    if (!n.IsSequence()) throw ConfigError(fmt::format("{}: 'trunks' must be a list of trunks (name, role, cidrs/vlans/accounts)", where_of(file, n)));
    for (const auto& item : n) trunks.push_back(read_trunk(file, item));
    return trunks;
}


}  // namespace

daemon::RunSettings run_settings(const AppConfig& config) {
    daemon::RunSettings settings;
    settings.pipeline = config.pipeline;
    settings.workers = config.workers.resolve();
    settings.capture = config.capture;
    settings.daemon = config.daemon;
    settings.inline_gate = config.inline_gate;
    settings.events_path = config.events_path;
    settings.redact_text = config.redact_text;
    settings.event_stream = config.event_stream;
    return settings;
}

unsigned WorkerCount::resolve() const {
    if (kind == Kind::fixed) return std::clamp(fixed, 1u, kMax);
    unsigned cores = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) cores = static_cast<unsigned>(CPU_COUNT(&set));
    if (cores == 0) cores = std::thread::hardware_concurrency();
    return std::clamp(cores, 1u, kMax);
}

std::string WorkerCount::to_string() const { return kind == Kind::automatic ? "auto" : std::to_string(fixed); }

std::optional<WorkerCount> WorkerCount::parse(std::string_view text) {
    if (text == "auto") return WorkerCount{Kind::automatic, 1};
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 1 || value > kMax) return std::nullopt;
    return WorkerCount{Kind::fixed, value};
}

detect::DetectorConfig AppConfig::default_detection() {
    detect::DetectorConfig d;
    d.signatures = {"../signatures/*.yaml"};
    d.models = {"../signatures/models/sms-text.model"};
    d.score_model = "../signatures/models/sms-score.yaml";
    d.cache_dir = "auto";
    d.numbering_plan = "numbering/vn.yaml";
    d.lists.block_numbers = "lists/block-numbers.txt";
    d.lists.allow_numbers = "lists/allow-numbers.txt";
    d.lists.do_not_originate = "lists/do-not-originate.txt";
    d.lists.brands = "lists/brands.txt";
    d.lists.block_domains = "lists/domains-block.txt";
    d.lists.allow_domains = "lists/domains-allow.txt";
    d.lists.link_services = "lists/link-services.txt";
    d.lists.protected_brands = "lists/protected-brands.yaml";
    d.host_model = "../signatures/models/url-host.model";
    // The pooled out-of-fold threshold at 0.5% legitimate-host FPR, rounded (docs/detection.md,
    // "The host model"); config/scamgate.yaml carries the same value.
    d.host_model_threshold = 0.9;
    return d;
}

std::string AppConfig::bundled_config_dir() { return SCAMGATE_CONFIG_DIR; }

detect::DetectorConfig AppConfig::resolved_detection() const {
    auto d = detection;
    for (auto& s : d.signatures) s = absolute(base_dir, s);
    for (auto& m : d.models) m = absolute(base_dir, m);
    d.score_model = absolute(base_dir, d.score_model);
    d.host_model = absolute(base_dir, d.host_model);
    d.numbering_plan = absolute(base_dir, d.numbering_plan);
    d.cache_dir = d.cache_dir == "auto" ? user_cache_dir() : absolute(base_dir, d.cache_dir);
    d.public_suffix_list = absolute(base_dir, d.public_suffix_list);
    for (auto* list : {&d.lists.block_numbers, &d.lists.allow_numbers, &d.lists.do_not_originate, &d.lists.brands,
                       &d.lists.block_domains, &d.lists.allow_domains, &d.lists.link_services,
                       &d.lists.protected_brands}) {
        *list = absolute(base_dir, *list);
    }
    return d;
}

std::string AppConfig::resolved_policy_path() const { return absolute(base_dir, policy_path); }

AppConfig load_config(const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw ConfigError(fmt::format("{}: cannot open the configuration file; check the path given to -c", path));
    } catch (const YAML::ParserException& e) {
        throw ConfigError(fmt::format("{}:{}: YAML syntax error: {}", path, e.mark.line + 1, e.msg));
    }
    AppConfig config;
    config.source_path = path;
    config.loading_dir = std::filesystem::absolute(path).parent_path().string();
    if (root.IsNull()) return config;
    if (!root.IsMap()) throw ConfigError(fmt::format("{}:1: the configuration must be a mapping of sections", path));
    for (const auto& section : root) {
        const std::string name = section.first.Scalar();
        if (name == "trunks") {
            config.detection.trunks = read_trunks(path, section.second);
            continue;
        }
        if (known_keys_under(name).empty()) {
            throw ConfigError(fmt::format("{}: unknown section '{}'; known sections: {}", where_of(path, section.first),
                                          name, known_sections()));
        }
        apply_section(config, path, name, section.second);
    }
    return config;
}

policy::BehaviourOverrides resolve_behaviour_overrides(const AppConfig& config, const detect::TrunkTable& trunks) {
    policy::BehaviourOverrides resolved;
    for (const auto& o : config.behaviour_overrides) {
        AppConfig scratch;
        scratch.behaviour = config.behaviour;
        for (const auto& v : o.values) find_param(v.key)->set(scratch, YAML::Node(v.text), v.where);
        if (o.selector == BehaviourOverrideConfig::Selector::trunk) {
            if (trunks.find(o.name) == nullptr) {
                std::vector<std::string> names;
                for (const auto& t : trunks.trunks()) names.push_back(t.name);
                throw ConfigError(fmt::format("{}: behaviour override for trunk '{}', which is not configured; "
                                              "configured trunks: {}", o.where, o.name,
                                              names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
            }
            if (!resolved.add_trunk(o.name, scratch.behaviour)) {
                throw ConfigError(fmt::format("{}: a second behaviour override for trunk '{}'; merge the two", o.where, o.name));
            }
        } else if (!resolved.add_prefix(o.name, scratch.behaviour)) {
            throw ConfigError(fmt::format("{}: a second behaviour override for prefix '+{}'; merge the two", o.where, o.name));
        }
        // behaviour.enabled false in the section means no behaviour state at all (it is made at
        // start only when enabled): an override cannot switch it on for some contacts.
        if (scratch.behaviour.enabled && !config.behaviour.enabled) {
            throw ConfigError(fmt::format("{}: this override sets behaviour on while behaviour.enabled is false; "
                                          "switch it on in the section and off (enabled: false) where unwanted",
                                          o.where));
        }
    }
    return resolved;
}

std::string describe_parameters() {
    AppConfig defaults;
    std::string out;
    for (const auto& p : parameters()) {
        std::string range;
        switch (p.type) {
            case ParamType::count: range = fmt::format("integer {}..{}", p.min, p.max); break;
            case ParamType::seconds: range = fmt::format("seconds {}..{}", p.min, p.max); break;
            case ParamType::probability: range = fmt::format("number {}..{}", p.min, p.max); break;
            case ParamType::boolean: range = "true|false"; break;
            case ParamType::port_list: range = "list of ports 1..65535"; break;
            case ParamType::path: range = "path"; break;
            case ParamType::path_list: range = "list of paths/globs"; break;
            case ParamType::alphabet: range = "gsm7|latin1|ascii"; break;
            case ParamType::alphabet_map: range = "map id: gsm7|latin1|ascii"; break;
            case ParamType::text: range = "string"; break;
            case ParamType::name_list: range = "list of names"; break;
            case ParamType::capture_mode: range = "passive|nfqueue|bridge"; break;
            case ParamType::redis_url: range = "redis://HOST:PORT/DB or unix:///PATH?db=N"; break;
            case ParamType::listen_address: range = "PORT, :PORT, IPV4:PORT or [IPV6]:PORT; empty: off"; break;
            case ParamType::unparsed_action: range = "allow|alert|drop"; break;
            case ParamType::override_list: range = "list of trunk|prefix maps"; break;
            case ParamType::worker_count: range = fmt::format("auto|integer {}..{}", p.min, p.max); break;
        }
        out += fmt::format("{:<28} {:<26} default {:<14} {}\n", p.key, range, p.show(defaults), p.help);
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> parameter_values(const AppConfig& config) {
    std::vector<std::pair<std::string, std::string>> values;
    for (const auto& p : parameters()) values.emplace_back(p.key, p.show(config));
    return values;
}

}  // namespace scamgate::app
