// The Prometheus exposition of a StatsReport: exact lines for known families, labels, escaping,
// HELP and TYPE once per family, gauges vs counters, the latency summaries.
#include <doctest/doctest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/exposition.h"

namespace scamgate::metrics {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

bool has_line(const std::string& text, const std::string& line) {
    for (const auto& l : lines_of(text)) {
        if (l == line) return true;
    }
    return false;
}

const BuildInfo kBuild{"1.2.3"};

TEST_CASE("exposition: a plain counter becomes scamgate_<name>_total with HELP and TYPE") {
    StatsReport stats;
    stats.set("sip.messages", 42);
    const std::string text = render(stats, kBuild);
    CHECK(has_line(text, "# HELP scamgate_sip_messages_total --stats counter sip.messages (since start)."));
    CHECK(has_line(text, "# TYPE scamgate_sip_messages_total counter"));
    CHECK(has_line(text, "scamgate_sip_messages_total 42"));
    CHECK(has_line(text, "scamgate_build_info{version=\"1.2.3\"} 1"));
    CHECK(has_line(text, "# TYPE scamgate_build_info gauge"));
    CHECK(text.back() == '\n');
}

TEST_CASE("exposition: levels are gauges without _total") {
    StatsReport stats;
    stats.set("calls.active", 7);
    stats.set("tcp.pending_bytes", 1000);
    stats.set("redis.connected", 1);
    const std::string text = render(stats, kBuild);
    CHECK(has_line(text, "# TYPE scamgate_calls_active gauge"));
    CHECK(has_line(text, "scamgate_calls_active 7"));
    CHECK(has_line(text, "scamgate_tcp_pending_bytes 1000"));
    CHECK(has_line(text, "# TYPE scamgate_redis_connected gauge"));
    CHECK(has_line(text, "scamgate_redis_connected 1"));
    CHECK(is_gauge("sms.pending"));
    CHECK(is_gauge("lists.learned_redis.loaded"));
    CHECK_FALSE(is_gauge("sip.messages"));
    CHECK_FALSE(is_gauge("calls"));
}

TEST_CASE("exposition: policy actions by action and enforced") {
    StatsReport stats;
    stats.set("policy.action.reject", 5);
    stats.set("policy.enforced_action.reject", 3);
    stats.set("policy.action.alert", 2);  // nothing enforced: the false sample carries all of it
    const std::string text = render(stats, kBuild);
    CHECK(has_line(text, "# TYPE scamgate_policy_actions_total counter"));
    CHECK(has_line(text, "scamgate_policy_actions_total{action=\"reject\",enforced=\"true\"} 3"));
    CHECK(has_line(text, "scamgate_policy_actions_total{action=\"reject\",enforced=\"false\"} 2"));
    CHECK(has_line(text, "scamgate_policy_actions_total{action=\"alert\",enforced=\"true\"} 0"));
    CHECK(has_line(text, "scamgate_policy_actions_total{action=\"alert\",enforced=\"false\"} 2"));
    CHECK(text.find("policy_action_reject") == std::string::npos);
    CHECK(text.find("enforced_action") == std::string::npos);
}

TEST_CASE("exposition: labelled families from name prefixes, each HELP and TYPE once") {
    StatsReport stats;
    stats.set("anomaly.ipv4.truncated", 2);
    stats.set("anomaly.sip.bad_header", 1);
    stats.set("detect.checks.cli_spoof", 4);
    stats.set("policy.not_enforced.monitor", 6);
    stats.set("calls.end.bye", 9);
    stats.set("smpp.command.submit_sm", 11);
    stats.set("behaviour.findings.wangiri", 1);
    stats.set("worker.0.packets", 100);
    stats.set("worker.1.packets", 50);
    stats.set("reload.successes", 3);
    stats.set("reload.failures", 1);
    stats.set("reload.last_success", 0);
    const std::string text = render(stats, kBuild);
    CHECK(has_line(text, "scamgate_anomalies_total{anomaly=\"ipv4.truncated\"} 2"));
    CHECK(has_line(text, "scamgate_anomalies_total{anomaly=\"sip.bad_header\"} 1"));
    CHECK(has_line(text, "scamgate_detect_checks_total{check=\"cli_spoof\"} 4"));
    CHECK(has_line(text, "scamgate_policy_not_enforced_total{reason=\"monitor\"} 6"));
    CHECK(has_line(text, "scamgate_call_ends_total{end=\"bye\"} 9"));
    CHECK(has_line(text, "scamgate_smpp_commands_total{command=\"submit_sm\"} 11"));
    CHECK(has_line(text, "scamgate_behaviour_findings_total{finding=\"wangiri\"} 1"));
    CHECK(has_line(text, "scamgate_worker_packets_total{worker=\"0\"} 100"));
    CHECK(has_line(text, "scamgate_worker_packets_total{worker=\"1\"} 50"));
    CHECK(has_line(text, "scamgate_reloads_total{result=\"success\"} 3"));
    CHECK(has_line(text, "scamgate_reloads_total{result=\"failure\"} 1"));
    CHECK(has_line(text, "# TYPE scamgate_reload_last_success gauge"));
    CHECK(has_line(text, "scamgate_reload_last_success 0"));
    // Each family's HELP and TYPE exactly once, before its samples.
    std::map<std::string, int> help, type;
    for (const auto& line : lines_of(text)) {
        if (line.rfind("# HELP ", 0) == 0) ++help[line.substr(7, line.find(' ', 7) - 7)];
        if (line.rfind("# TYPE ", 0) == 0) ++type[line.substr(7, line.find(' ', 7) - 7)];
    }
    CHECK(help["scamgate_anomalies_total"] == 1);
    CHECK(type["scamgate_anomalies_total"] == 1);
    CHECK(type["scamgate_reloads_total"] == 1);
    CHECK(type["scamgate_worker_packets_total"] == 1);
    for (const auto& entry : type) CHECK_MESSAGE(entry.second == 1, entry.first);
    CHECK(help.size() == type.size());
}

TEST_CASE("exposition: latency percentiles become a summary in seconds") {
    StatsReport stats;
    stats.set("inline.latency_samples", 10);
    stats.set("inline.latency_p50_us", 12);
    stats.set("inline.latency_p99_us", 250);
    stats.set("inline.latency_max_us", 5000);
    stats.set("inline.reload_service_samples", 0);
    stats.set("inline.reload_service_p50_us", 0);
    stats.set("inline.reload_service_p99_us", 0);
    stats.set("inline.reload_service_max_us", 0);
    const std::string text = render(stats, kBuild);
    CHECK(has_line(text, "# TYPE scamgate_inline_latency_seconds summary"));
    CHECK(has_line(text, "scamgate_inline_latency_seconds{quantile=\"0.5\"} 1.2e-05"));
    CHECK(has_line(text, "scamgate_inline_latency_seconds{quantile=\"0.99\"} 0.00025"));
    CHECK(has_line(text, "scamgate_inline_latency_seconds{quantile=\"1\"} 0.005"));
    CHECK(has_line(text, "scamgate_inline_latency_seconds_count 10"));
    // No samples: the quantiles are unknown, not 0.
    CHECK(has_line(text, "scamgate_inline_reload_service_seconds{quantile=\"0.5\"} NaN"));
    CHECK(has_line(text, "scamgate_inline_reload_service_seconds_count 0"));
    CHECK(text.find("latency_p50") == std::string::npos);
    // A percentile past the exact maximum (its bucket's upper bound) is capped at the maximum.
    StatsReport capped;
    capped.set("inline.service_samples", 50);
    capped.set("inline.service_p50_us", 7);
    capped.set("inline.service_p99_us", 3393);
    capped.set("inline.service_max_us", 3392);
    const std::string capped_text = render(capped, kBuild);
    CHECK(has_line(capped_text, "scamgate_inline_service_seconds{quantile=\"0.99\"} 0.003392"));
    CHECK(has_line(capped_text, "scamgate_inline_service_seconds{quantile=\"1\"} 0.003392"));
    CHECK(text.find("latency_samples") == std::string::npos);
}

TEST_CASE("exposition: a lone *samples stat without percentiles stays a counter") {
    StatsReport stats;
    stats.set("thing.samples", 3);
    CHECK(has_line(render(stats, kBuild), "scamgate_thing_samples_total 3"));
}

TEST_CASE("exposition: names sanitised, label values escaped") {
    CHECK(sanitize_name("sip.messages") == "sip_messages");
    CHECK(sanitize_name("a-b c/d") == "a_b_c_d");
    CHECK(sanitize_name("9lives") == "_9lives");
    CHECK(escape_label_value("plain") == "plain");
    CHECK(escape_label_value("a\"b") == "a\\\"b");
    CHECK(escape_label_value("back\\slash") == "back\\\\slash");
    CHECK(escape_label_value("two\nlines") == "two\\nlines");
    StatsReport stats;
    stats.set("detect.checks.odd\"name", 1);
    stats.set("odd-name.x", 2);
    const std::string text = render(stats, BuildInfo{"v\"1"});
    CHECK(has_line(text, "scamgate_detect_checks_total{check=\"odd\\\"name\"} 1"));
    CHECK(has_line(text, "scamgate_odd_name_x_total 2"));
    CHECK(has_line(text, "scamgate_build_info{version=\"v\\\"1\"} 1"));
    // HELP text escapes a backslash (a stat name is code-defined, but the format must hold anyway).
    StatsReport slash;
    slash.set("odd\\name", 3);
    CHECK(has_line(render(slash, kBuild), "# HELP scamgate_odd_name_total --stats counter odd\\\\name (since start)."));
}

}  // namespace
}  // namespace scamgate::metrics
