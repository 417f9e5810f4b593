#include "metrics/exposition.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <cstdint>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace scamgate::metrics {

namespace {

constexpr std::string_view kPrefix = "scamgate_";

enum class Type : std::uint8_t { counter, gauge, summary };

std::string_view type_name(Type type) {
    switch (type) {
        case Type::counter: return "counter";
        case Type::gauge: return "gauge";
        case Type::summary: return "summary";
    }
    return "untyped";
}

// A stat whose name starts with `prefix` and whose rest is one label's value (a name from a closed
// set the code defines: never a number or text from the traffic).
struct LabelledFamily {
    std::string_view prefix;
    std::string_view family;
    std::string_view label;
    std::string_view help;
};

constexpr std::array kLabelled{
    LabelledFamily{"detect.checks.", "scamgate_detect_checks_total", "check",
                   "Contacts on which a named check fired, by check."},
    LabelledFamily{"policy.not_enforced.", "scamgate_policy_not_enforced_total", "reason",
                   "Verdicts whose action was not carried out on the wire, by reason."},
    LabelledFamily{"anomaly.", "scamgate_anomalies_total", "anomaly",
                   "Named anomalies met while decoding traffic, by anomaly (docs/architecture.md, Anomaly names)."},
    LabelledFamily{"smpp.command.", "scamgate_smpp_commands_total", "command", "SMPP PDUs read, by command."},
    LabelledFamily{"calls.end.", "scamgate_call_ends_total", "end", "Calls recorded, by how they ended."},
    LabelledFamily{"behaviour.findings.", "scamgate_behaviour_findings_total", "finding",
                   "Behaviour findings fired, by finding."},
};

// A stat that is one sample of a family with fixed labels.
struct FixedSample {
    std::string_view stat;
    std::string_view family;
    std::string_view labels;  // rendered, without braces
    Type type;
    std::string_view help;
};

constexpr std::string_view kReloadsHelp =
    "Reloads of the detection set (SIGHUP or scamgate reload) since start, by result.";

constexpr std::array kFixed{
    FixedSample{"reload.successes", "scamgate_reloads_total", "result=\"success\"", Type::counter, kReloadsHelp},
    FixedSample{"reload.failures", "scamgate_reloads_total", "result=\"failure\"", Type::counter, kReloadsHelp},
    FixedSample{"reload.last_success", "scamgate_reload_last_success", "", Type::gauge,
                "1 when the last reload succeeded, 0 when it failed (the previous set stays in force); absent "
                "before the first reload."},
    FixedSample{"reload.last_time", "scamgate_reload_last_timestamp_seconds", "", Type::gauge,
                "When the last reload ended, Unix time in seconds; absent before the first reload."},
};

// Levels, not event counts: exposed as gauges. Every other stat only grows while the process runs.
constexpr std::string_view kGauges[] = {
    "calls.active",        "sctp.active_associations", "sctp.pending_bytes",  "tcp.active",
    "tcp.pending_bytes",   "sms.concat_pending",       "sms.pending",         "behaviour.keys",
    "behaviour.campaigns", "behaviour.bytes",          "behaviour.redis_peer_keys", "capture.interfaces",
    "workers",             "reload.last_success",      "reload.last_time",
};
// A connection's or a load's state (redis.connected, lists.learned_redis.loaded): 1 or 0.
constexpr std::string_view kGaugeSuffixes[] = {".connected", "_connected", ".loaded"};

constexpr std::string_view kActionPrefix = "policy.action.";
constexpr std::string_view kEnforcedActionPrefix = "policy.enforced_action.";
constexpr std::string_view kActionsFamily = "scamgate_policy_actions_total";

// Latency percentiles appended by common/latency.h users: <prefix>samples, p50_us, p99_us, max_us.
constexpr std::string_view kSummarySamples = "samples";
struct Quantile {
    std::string_view suffix;
    std::string_view quantile;
};
constexpr std::array kQuantiles{Quantile{"p50_us", "0.5"}, Quantile{"p99_us", "0.99"}, Quantile{"max_us", "1"}};

// HELP text: backslash and newline escaped (the text format's rule for docstrings).
std::string escape_help(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (const char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

struct Family {
    Type type = Type::counter;
    std::string help;
    std::map<std::string, std::string> samples;  // sample name and labels -> value
};

class Exposition {
public:
    explicit Exposition(const StatsReport& stats) : stats_(stats) {}

    std::string render(const BuildInfo& build) {
        add(std::string(kPrefix) + "build_info", Type::gauge, "The running scamgate's version; always 1.",
            fmt::format("version=\"{}\"", escape_label_value(build.version)), "1");
        for (const auto& [name, value] : stats_.values()) place(name, value);
        add_actions();
        std::string out;
        for (const auto& [name, family] : families_) {
            out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, family.help, name, type_name(family.type));
            for (const auto& [sample, value] : family.samples) out += fmt::format("{} {}\n", sample, value);
        }
        return out;
    }

private:
    void add(const std::string& family, Type type, std::string_view help, const std::string& labels,
             const std::string& value, std::string_view sample_suffix = {}) {
        Family& f = families_[family];
        if (f.samples.empty()) {
            f.type = type;
            f.help = escape_help(help);
        }
        std::string sample = family + std::string(sample_suffix);
        if (!labels.empty()) sample += "{" + labels + "}";
        f.samples[sample] = value;
    }

    void place(const std::string& name, std::uint64_t value) {
        if (starts_with(name, kActionPrefix)) {
            actions_[name.substr(kActionPrefix.size())].total = value;
            return;
        }
        if (starts_with(name, kEnforcedActionPrefix)) {
            actions_[name.substr(kEnforcedActionPrefix.size())].enforced = value;
            return;
        }
        if (place_fixed(name, value) || place_labelled(name, value) || place_worker(name, value) ||
            place_summary(name)) {
            return;
        }
        const std::string base = std::string(kPrefix) + sanitize_name(name);
        if (is_gauge(name)) {
            add(base, Type::gauge, fmt::format("--stats value {} (a level: how much there is now).", name), "", std::to_string(value));
        } else {
            add(base + "_total", Type::counter, fmt::format("--stats counter {} (since start).", name), "", std::to_string(value));
        }
    }

    bool place_fixed(const std::string& name, std::uint64_t value) {
        const auto it = std::find_if(kFixed.begin(), kFixed.end(), [&](const FixedSample& f) { return f.stat == name; });
        if (it == kFixed.end()) return false;
        add(std::string(it->family), it->type, it->help, std::string(it->labels), std::to_string(value));
        return true;
    }

    bool place_labelled(const std::string& name, std::uint64_t value) {
        for (const auto& f : kLabelled) {
            if (!starts_with(name, f.prefix) || name.size() == f.prefix.size()) continue;
            add(std::string(f.family), Type::counter, f.help,
                fmt::format("{}=\"{}\"", f.label, escape_label_value(std::string_view(name).substr(f.prefix.size()))),
                std::to_string(value));
            return true;
        }
        return false;
    }

    // worker.N.packets: the packets worker N's loop read.
    bool place_worker(const std::string& name, std::uint64_t value) {
        constexpr std::string_view head = "worker.";
        constexpr std::string_view tail = ".packets";
        if (!starts_with(name, head) || !ends_with(name, tail) || name.size() <= head.size() + tail.size()) return false;
        const std::string_view index = std::string_view(name).substr(head.size(), name.size() - head.size() - tail.size());
        if (!std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
        add(std::string(kPrefix) + "worker_packets_total", Type::counter, "Packets each worker's loop read, by worker.",
            fmt::format("worker=\"{}\"", index), std::to_string(value));
        return true;
    }

    // The four stats of one latency histogram become one summary; the three percentiles and the
    // sample count are consumed here (placed once, from the samples stat).
    bool place_summary(const std::string& name) {
        const auto prefix_of = [&]() -> std::optional<std::string> {
            if (ends_with(name, kSummarySamples)) return name.substr(0, name.size() - kSummarySamples.size());
            for (const auto& q : kQuantiles) {
                if (ends_with(name, q.suffix)) return name.substr(0, name.size() - q.suffix.size());
            }
            return std::nullopt;
        };
        const auto prefix = prefix_of();
        if (!prefix || prefix->empty() || !stats_.values().contains(*prefix + std::string(kSummarySamples)) ||
            !stats_.values().contains(*prefix + std::string(kQuantiles.front().suffix))) {
            return false;
        }
        if (!ends_with(name, kSummarySamples)) return true;  // a percentile: placed with its samples
        std::string base = *prefix;
        while (!base.empty() && (base.back() == '_' || base.back() == '.')) base.pop_back();
        const std::string family = std::string(kPrefix) + sanitize_name(base) + "_seconds";
        const std::uint64_t count = stats_.get(name);
        const std::string help = fmt::format("Time per packet ({}*_us in --stats), seconds: quantile 1 is the maximum.", *prefix);
        // A percentile is its 1 µs bucket's upper bound, so it can pass the exact maximum by 1 µs:
        // capped, so that no quantile is above quantile 1.
        const std::uint64_t max_us = stats_.get(*prefix + std::string(kQuantiles.back().suffix));
        for (const auto& q : kQuantiles) {
            const std::uint64_t us = std::min(stats_.get(*prefix + std::string(q.suffix)), max_us);
            const std::string value = count == 0 ? "NaN" : fmt::format("{}", static_cast<double>(us) / 1e6);
            add(family, Type::summary, help, fmt::format("quantile=\"{}\"", q.quantile), value);
        }
        add(family, Type::summary, help, "", std::to_string(count), "_count");
        return true;
    }

    // policy.action.X (verdicts with action X) and policy.enforced_action.X (those carried out):
    // one family labelled by action and enforced.
    void add_actions() {
        constexpr std::string_view help =
            "Verdicts by action, and whether the action was carried out on the wire (enforced=\"true\") or not "
            "(monitor mode, passive capture, not applied).";
        for (const auto& [action, count] : actions_) {
            const std::string label = escape_label_value(action);
            const std::uint64_t enforced = std::min(count.enforced, count.total);
            add(std::string(kActionsFamily), Type::counter, help, fmt::format("action=\"{}\",enforced=\"false\"", label),
                std::to_string(count.total - enforced));
            add(std::string(kActionsFamily), Type::counter, help, fmt::format("action=\"{}\",enforced=\"true\"", label),
                std::to_string(enforced));
        }
    }

    struct ActionCount {
        std::uint64_t total = 0;
        std::uint64_t enforced = 0;
    };

    const StatsReport& stats_;
    std::map<std::string, Family> families_;
    std::map<std::string, ActionCount> actions_;
};

}  // namespace

std::string sanitize_name(std::string_view name) {
    std::string out;
    out.reserve(name.size() + 1);
    if (!name.empty() && name.front() >= '0' && name.front() <= '9') out += '_';
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
        out += ok ? c : '_';
    }
    return out;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

bool is_gauge(std::string_view stat) {
    if (std::find(std::begin(kGauges), std::end(kGauges), stat) != std::end(kGauges)) return true;
    return std::any_of(std::begin(kGaugeSuffixes), std::end(kGaugeSuffixes), [&](std::string_view s) { return ends_with(stat, s); });
}

std::string render(const StatsReport& stats, const BuildInfo& build) { return Exposition(stats).render(build); }

}  // namespace scamgate::metrics
