#pragma once
// The Prometheus text exposition (format 0.0.4) of a StatsReport: one pure function, so the
// mapping from `--stats json` names to metric families is tested without a socket
// (docs/metrics.md lists every family).
//
// The mapping, in order:
//  1. Known families (kFamilies in exposition.cpp): a stat name, or a name prefix whose rest is a
//     label value from a closed set (an action, a check, an anomaly name, a reason, a worker
//     index), becomes one family with labels: `policy.action.reject` ->
//     scamgate_policy_actions_total{action="reject",enforced="..."}, `anomaly.ipv4.truncated` ->
//     scamgate_anomalies_total{anomaly="ipv4.truncated"}. Label values never come from traffic
//     (numbers, text): only from names the code defines.
//  2. Latency percentiles (`inline.latency_p50_us`, `_p99_us`, `_max_us`, `_samples`; the same for
//     inline.service_ and inline.reload_service_) become one summary in seconds with quantile
//     labels 0.5, 0.99 and 1 (the maximum) and a _count.
//  3. Every other stat: `scamgate_` + the name with '.' and any character Prometheus does not
//     allow as '_'; a counter (suffix _total) unless the name is a known level (kGauges:
//     calls.active, tcp.pending_bytes, *.connected, ...), which is a gauge. A stat is a counter
//     when it only grows while the process runs (events seen), a gauge when it says how much of
//     something there is now (table occupancy, bytes held, a connection's state).
#include <string>
#include <string_view>

#include "common/stats.h"

namespace scamgate::metrics {

struct BuildInfo {
    std::string version;  // scamgate_build_info{version="..."} 1
};

// The exposition of `stats`: each family once, with its HELP and TYPE lines, families in name
// order, samples of a family in label order; ends with a newline.
std::string render(const StatsReport& stats, const BuildInfo& build);

// A metric or label name as Prometheus allows it ([a-zA-Z_:][a-zA-Z0-9_:]*): every other
// character becomes '_' (and a leading digit gets a '_' before it).
std::string sanitize_name(std::string_view name);

// A label value escaped for the text format: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

// Whether a stat (by its --stats name) is exposed as a gauge rather than a counter.
bool is_gauge(std::string_view stat);

}  // namespace scamgate::metrics
