#include "app/try_cmd.h"

#include <cctype>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "output/events.h"
#include "policy/stage.h"
#include "phone/number.h"

namespace scamgate::app {

namespace {

using nlohmann::json;

bool is_alphanumeric_sender(std::string_view sender) {
    return std::any_of(sender.begin(), sender.end(), [](unsigned char c) { return std::isalpha(c); });
}

record::Contact sms_contact(const std::string& text, const TryOptions& o) {
    record::Contact c;
    c.kind = record::ContactKind::sms;
    c.sms.emplace();
    auto& s = *c.sms;
    s.protocol = "smpp";
    s.text = text;
    s.encoding = "utf8";
    s.account = o.account;
    s.sender.address = o.from;
    if (is_alphanumeric_sender(o.from)) s.sender.ton = 5;
    s.recipients.push_back({o.to, {}, {}});
    s.smpp.emplace();
    s.smpp->command = "submit_sm";
    c.caller.user = o.from;
    c.callee.user = o.to;
    return c;
}

record::Contact call_contact(const TryOptions& o) {
    record::Contact c;
    c.kind = record::ContactKind::call;
    c.call.emplace();
    c.call->from.user = o.from;
    c.call->from.uri = o.from.empty() ? "" : "sip:" + o.from + "@try.invalid";
    c.caller = c.call->from;
    c.callee.user = o.to;
    return c;
}

// --ingress names a configured trunk, or else stands for a role (a trunk of that name and role).
std::vector<detect::Trunk> ingress_trunks(const policy::Detection& d, const std::string& ingress) {
    if (ingress.empty()) return {};
    if (const auto* trunk = d.detector.trunks().find(ingress)) return {*trunk};
    return {detect::Trunk{ingress, ingress, {}, {}, {}, false}};
}

record::Verdict evaluate(const policy::Detection& d, const record::Contact& contact, const detect::Features& features,
                         const TryOptions& o, detect::Scratch& scratch) {
    auto verdict = d.detector.assess(contact, features, scratch, ingress_trunks(d, o.ingress));
    policy::decide(d.policy, contact, verdict);
    policy::settle_enforcement(verdict, record::message_keys(contact), policy::WireContext::offline, nullptr);
    return verdict;
}

json features_json(const detect::Features& f) {
    json j;
    if (f.text) j["views"] = {{"raw", f.text->raw}, {"folded", f.text->folded}, {"deobfuscated", f.text->deobfuscated}};
    json urls = json::array();
    for (const auto& u : f.urls) urls.push_back({{"found", u.found}, {"url", u.url}, {"host", u.host}, {"domain", u.registrable_domain}});
    j["urls"] = urls;
    json numbers = json::array();
    for (const auto& n : f.numbers) numbers.push_back(n.digits);
    j["numbers"] = numbers;
    json accounts = json::array();
    for (const auto& n : f.accounts) accounts.push_back(n.digits);
    j["account_numbers"] = accounts;
    return j;
}

// Each signal's part in the calibrated score, in log-odds (value x weight), four decimals.
json calibration_json(const record::ScoreBreakdown& b) {
    const auto round4 = [](double x) { return std::round(x * 10000.0) / 10000.0; };
    json contributions = json::array();
    for (const auto& c : b.contributions) {
        contributions.push_back({{"signal", c.signal}, {"value", round4(c.value)}, {"weight", round4(c.weight)},
                                 {"log_odds", round4(c.value * c.weight)}});
    }
    return {{"name", b.name}, {"version", b.version}, {"intercept", round4(b.intercept)},
            {"contributions", contributions}, {"probability", round4(b.probability)}};
}

json result_json(const record::Contact& contact, const detect::Features& f, const record::Verdict& v) {
    record::Contact decided = contact;
    decided.verdict = v;
    const json event = output::to_json(decided);
    json j = features_json(f);
    j["score"] = v.score;
    json ids = json::array();
    for (const auto& hit : v.hits) ids.push_back(hit.id);
    j["hits"] = ids;
    json checks = json::array();
    for (const auto& check : v.checks) checks.push_back(check.name);
    j["checks"] = checks;
    j["hit_details"] = event["hits"];
    j["check_details"] = event["checks"];
    for (const char* key : {"categories", "lists", "trunk", "role", "rule", "action", "enforced"}) j[key] = event[key];
    if (event.contains("not_enforced_reason")) j["not_enforced_reason"] = event["not_enforced_reason"];
    if (event.contains("model")) j["model"] = event["model"];
    if (v.calibration) j["calibration"] = calibration_json(*v.calibration);
    if (event.contains("host_model")) j["host_model"] = event["host_model"];
    if (event.contains("reject")) j["reject"] = event["reject"];
    return j;
}

void print_calibration(std::ostream& out, const record::ScoreBreakdown& b) {
    out << fmt::format("score model:  {} {}: intercept {:+.2f} log-odds\n", b.name, b.version, b.intercept);
    for (const auto& c : b.contributions) {
        out << fmt::format("  {:<32} {:7.3f} x {:+.3f} = {:+.2f}\n", c.signal, c.value, c.weight, c.value * c.weight);
    }
    out << fmt::format("  probability {:.4f}\n", b.probability);
}

void print_human(std::ostream& out, const detect::Features& f, const record::Verdict& v) {
    if (f.text) {
        out << fmt::format("raw:          {}\nfolded:       {}\ndeobfuscated: {}\n", f.text->raw, f.text->folded, f.text->deobfuscated);
    }
    for (const auto& u : f.urls) out << fmt::format("url:          {} (host {}, domain {})\n", u.url, u.host, u.registrable_domain);
    for (const auto& n : f.numbers) out << fmt::format("number:       {}\n", n.digits);
    for (const auto& n : f.accounts) out << fmt::format("account no.:  {}\n", n.digits);
    out << fmt::format("ingress:      {} ({})\n", v.trunk.empty() ? "-" : v.trunk, v.role);
    for (const auto& h : v.hits) {
        out << fmt::format("hit:          {} {} [{}] on {}{} +{}\n", h.id, h.name, h.category, h.field,
                           h.view.empty() ? "" : "/" + h.view, h.score);
    }
    for (const auto& c : v.checks) out << fmt::format("check:        {}: {} +{}\n", c.name, c.evidence, c.score);
    for (const auto& l : v.lists) out << fmt::format("list:         {}\n", l);
    if (v.model) {
        out << fmt::format("model:        {} {}: probability {:.4f}{}\n", v.model->name, v.model->version,
                           v.model->probability, v.calibration ? "" : fmt::format(" +{}", v.model->score));
    }
    if (v.host_model) {
        out << fmt::format("host model:   {} {}: probability {:.4f} for host {}\n", v.host_model->name,
                           v.host_model->version, v.host_model->probability, v.host_model->host);
    }
    if (v.calibration) print_calibration(out, *v.calibration);
    out << fmt::format("score:        {}\nrule:         {}\naction:       {}{}\n", v.score, v.rule, v.action,
                       v.enforced                ? std::string(" (enforced)")
                       : v.not_enforced_reason ? fmt::format(" (not enforced: {})", record::not_enforced_reason_name(*v.not_enforced_reason))
                                               : std::string());
}

}  // namespace

int run_try(const policy::Detection& d, const TryOptions& o, std::ostream& out, Logger& log) {
    auto scratch = d.detector.make_scratch();
    auto one = [&](const record::Contact& contact, bool json_line) {
        const auto features = d.detector.features(contact);
        const auto verdict = evaluate(d, contact, features, o, scratch);
        if (o.json || json_line) {
            out << result_json(contact, features, verdict).dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
        } else {
            print_human(out, features, verdict);
        }
    };
    if (!o.sms_lines.empty()) {
        std::ifstream in(o.sms_lines);
        if (!in) {
            log.error("cannot read {}: --sms-lines needs a file with one message per line", o.sms_lines);
            return 2;
        }
        for (std::string line; std::getline(in, line);) one(sms_contact(line, o), true);
        return 0;
    }
    one(o.call ? call_contact(o) : sms_contact(o.sms.value_or(""), o), false);
    return 0;
}

}  // namespace scamgate::app
