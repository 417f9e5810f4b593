#include "policy/policy.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "behaviour/behaviour.h"
#include "detect/detector.h"

namespace scamgate::policy {

namespace {

constexpr std::array<std::string_view, 5> kActions = {"allow", "alert", "tag", "drop", "reject"};
const std::set<std::string, std::less<>> kConditionKeys = {"kind",       "protocol",  "direction", "trunk",  "role",
                                                           "categories", "signatures", "checks",   "lists",  "score_min",
                                                           "score_max"};
const std::set<std::string, std::less<>> kThenKeys = {"action",      "sip_status", "sip_reason",
                                                      "smpp_status", "tags",       "display_name_prefix"};
constexpr std::array<std::string_view, 4> kTagPlaceholders = {"{score}", "{rule}", "{tags}", "{categories}"};
const std::set<std::string, std::less<>> kRuleKeys = {"name", "when", "then", "mode"};

class Reader {
public:
    Reader(std::string file, const std::vector<std::string>& checks) : file_(std::move(file)), checks_(checks) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        throw PolicyError(fmt::format("{}:{}: {}{}", file_, at.Mark().line + 1,
                                      rule_.empty() ? "" : fmt::format("rule '{}': ", rule_), what));
    }

    void only_keys(const YAML::Node& node, const std::set<std::string, std::less<>>& keys, std::string_view where) const {
        if (!node.IsMap()) fail(node, fmt::format("'{}' must be a mapping", where));
        for (const auto& entry : node) {
            if (keys.contains(entry.first.Scalar())) continue;
            std::vector<std::string> known(keys.begin(), keys.end());
            fail(entry.first, fmt::format("unknown key '{}' in '{}'; known: {}", entry.first.Scalar(), where,
                                          fmt::join(known, ", ")));
        }
    }

    std::vector<std::string> strings(const YAML::Node& node, std::string_view key) const {
        std::vector<std::string> out;
        if (node.IsScalar()) {
            out.push_back(node.Scalar());
            return out;
        }
        if (!node.IsSequence()) fail(node, fmt::format("'{}' must be a string or a list of strings", key));
        for (const auto& item : node) {
            if (!item.IsScalar()) fail(item, fmt::format("'{}' must be a list of strings", key));
            out.push_back(item.Scalar());
        }
        return out;
    }

    long long integer(const YAML::Node& node, std::string_view key, long long min, long long max) const {
        long long value = 0;
        try {
            value = node.as<long long>();
        } catch (const YAML::Exception&) {
            fail(node, fmt::format("'{}' must be an integer, got '{}'", key, node.Scalar()));
        }
        if (value < min || value > max) fail(node, fmt::format("'{}' is {}, outside {}..{}", key, value, min, max));
        return value;
    }

    Mode mode(const YAML::Node& node) const {
        if (node.Scalar() == "monitor") return Mode::monitor;
        if (node.Scalar() == "enforce") return Mode::enforce;
        fail(node, fmt::format("mode '{}': use monitor or enforce", node.Scalar()));
    }

    Action action(const YAML::Node& node) const {
        for (std::size_t i = 0; i < kActions.size(); ++i) {
            if (node.Scalar() == kActions[i]) return static_cast<Action>(i);
        }
        fail(node, fmt::format("action '{}': use allow, alert, tag, drop or reject", node.Scalar()));
    }

    Condition condition(const YAML::Node& node) const {
        Condition c;
        if (!node) return c;
        only_keys(node, kConditionKeys, "when");
        for (const auto& entry : node) {
            const std::string key = entry.first.Scalar();
            const auto& v = entry.second;
            if (key == "kind") {
                if (v.Scalar() != "call" && v.Scalar() != "sms") fail(v, "kind: use call or sms");
                c.kind = v.Scalar() == "call" ? record::ContactKind::call : record::ContactKind::sms;
            } else if (key == "protocol") {
                c.protocols = strings(v, key);
            } else if (key == "direction") {
                c.directions = strings(v, key);
                for (const auto& d : c.directions) {
                    if (d != "to_network" && d != "from_network") fail(v, "direction: use to_network or from_network");
                }
            } else if (key == "trunk") {
                c.trunks = strings(v, key);
            } else if (key == "role") {
                c.roles = strings(v, key);
            } else if (key == "categories") {
                c.categories = strings(v, key);
            } else if (key == "signatures") {
                if (!v.IsSequence()) fail(v, "signatures: a list of signature ids");
                for (const auto& id : v) c.signatures.push_back(static_cast<std::uint32_t>(integer(id, key, 1, 0xFFFFFFFFll)));
            } else if (key == "checks") {
                c.checks = strings(v, key);
                for (const auto& check : c.checks) {
                    if (std::find(checks_.begin(), checks_.end(), check) == checks_.end()) {
                        fail(v, fmt::format("unknown check '{}'; known: {}", check, fmt::join(checks_, ", ")));
                    }
                }
            } else if (key == "lists") {
                c.lists = strings(v, key);
                for (const auto& l : c.lists) {
                    const auto& known = detect::list_names();
                    if (std::find(known.begin(), known.end(), l) == known.end())
                        fail(v, fmt::format("unknown list '{}'; known: {}", l, fmt::join(known, ", ")));
                }
            } else if (key == "score_min") {
                c.score_min = static_cast<int>(integer(v, key, 0, 100));
            } else if (key == "score_max") {
                c.score_max = static_cast<int>(integer(v, key, 0, 100));
            }
        }
        return c;
    }

    Rule rule(const YAML::Node& node) {
        rule_.clear();
        only_keys(node, kRuleKeys, "rules[]");
        Rule r;
        r.file = file_;
        r.line = node.Mark().line + 1;
        if (!node["name"] || node["name"].Scalar().empty()) fail(node, "every rule needs a 'name' (events name the rule that decided)");
        r.name = node["name"].Scalar();
        rule_ = r.name;
        r.when = condition(node["when"]);
        const auto then = node["then"];
        if (!then) fail(node, "missing 'then' (the action)");
        only_keys(then, kThenKeys, "then");
        if (!then["action"]) fail(then, "missing 'then.action': allow, alert, tag, drop or reject");
        r.action = action(then["action"]);
        if (then["sip_status"]) r.sip_status = static_cast<int>(integer(then["sip_status"], "sip_status", 400, 699));
        if (then["sip_reason"]) r.sip_reason = then["sip_reason"].Scalar();
        if (then["smpp_status"]) r.smpp_status = static_cast<std::uint32_t>(integer(then["smpp_status"], "smpp_status", 1, 0xFFFFFFFFll));
        if (then["tags"]) r.tags = strings(then["tags"], "tags");
        if (then["display_name_prefix"]) r.display_name_prefix = display_prefix(then["display_name_prefix"]);
        if (node["mode"]) r.mode = mode(node["mode"]);
        rule_.clear();
        return r;
    }

    std::string display_prefix(const YAML::Node& node) const {
        if (!node.IsScalar()) fail(node, "'display_name_prefix' must be a string, e.g. \"[SCAM?] \"");
        const std::string& prefix = node.Scalar();
        if (prefix.find_first_of("\r\n\"\\<>") != std::string::npos) {
            fail(node, "'display_name_prefix' may not contain line breaks, quotes, backslashes or angle brackets");
        }
        return prefix;
    }

    std::vector<TagHeader> tag_headers(const YAML::Node& node) const {
        if (!node) return default_tag_headers();
        if (!node.IsSequence()) fail(node, "'tag_headers' is a list of \"Name: value template\" strings");
        std::vector<TagHeader> out;
        for (const auto& item : node) out.push_back(tag_header(item));
        return out;
    }

    std::map<std::string, int, std::less<>> check_scores(const YAML::Node& node) const {
        std::map<std::string, int, std::less<>> out;
        if (!node) return out;
        if (!node.IsMap()) fail(node, "'check_scores' maps check names to scores 0..100");
        for (const auto& entry : node) {
            const auto name = entry.first.Scalar();
            if (std::find(checks_.begin(), checks_.end(), name) == checks_.end()) {
                fail(entry.first, fmt::format("unknown check '{}'; known: {}", name, fmt::join(checks_, ", ")));
            }
            out[name] = static_cast<int>(integer(entry.second, name, 0, 100));
        }
        return out;
    }

    // [{min_probability: 0.9, score: 70}, ...]: highest band first, each probability in 0..1.
    std::vector<detect::ModelBand> model_scores(const YAML::Node& node) const {
        if (!node) return detect::default_model_bands();
        if (!node.IsSequence()) fail(node, "'model_scores' is a list of {min_probability: P, score: S}, highest P first");
        std::vector<detect::ModelBand> bands;
        for (const auto& item : node) {
            only_keys(item, {"min_probability", "score"}, "model_scores");
            if (!item["min_probability"] || !item["score"]) fail(item, "a model band needs min_probability and score");
            detect::ModelBand band{probability(item["min_probability"]),
                                   static_cast<int>(integer(item["score"], "score", 0, 100))};
            if (!bands.empty() && band.min_probability >= bands.back().min_probability)
                fail(item, "model_scores bands must go from the highest min_probability to the lowest");
            bands.push_back(band);
        }
        return bands;
    }

private:
    double probability(const YAML::Node& node) const {
        double value = -1.0;
        try {
            value = node.as<double>();
        } catch (const YAML::Exception&) {
            fail(node, fmt::format("'min_probability' must be a number, got '{}'", node.Scalar()));
        }
        if (!(value > 0.0 && value <= 1.0)) fail(node, fmt::format("'min_probability' is {}, outside (0, 1]", value));
        return value;
    }

    TagHeader tag_header(const YAML::Node& item) const {
        const std::string text = item.IsScalar() ? item.Scalar() : std::string();
        const auto colon = text.find(':');
        if (colon == std::string::npos || colon == 0) {
            fail(item, "a tag header is \"Name: value template\", e.g. \"X-Scam-Score: {score}\"");
        }
        TagHeader header{text.substr(0, colon), text.substr(colon + 1)};
        const auto first = header.value_template.find_first_not_of(' ');
        header.value_template.erase(0, first == std::string::npos ? header.value_template.size() : first);
        const bool token = std::all_of(header.name.begin(), header.name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        });
        if (!token) fail(item, fmt::format("tag header name '{}' must be letters, digits and '-'", header.name));
        if (header.value_template.find_first_of("\r\n") != std::string::npos) fail(item, "a tag header value may not contain line breaks");
        for (std::size_t open = header.value_template.find('{'); open != std::string::npos;
             open = header.value_template.find('{', open + 1)) {
            const auto close = header.value_template.find('}', open);
            const std::string_view placeholder =
                close == std::string::npos ? std::string_view(header.value_template).substr(open)
                                           : std::string_view(header.value_template).substr(open, close - open + 1);
            if (std::find(kTagPlaceholders.begin(), kTagPlaceholders.end(), placeholder) == kTagPlaceholders.end()) {
                fail(item, fmt::format("unknown placeholder '{}' in tag header '{}'; known: {}", placeholder, header.name,
                                       fmt::join(kTagPlaceholders, ", ")));
            }
        }
        return header;
    }

    std::string file_;
    const std::vector<std::string>& checks_;
    std::string rule_;
};

bool any_of(const std::vector<std::string>& wanted, std::string_view have) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), have) != wanted.end();
}

bool category_matches(std::string_view pattern, std::string_view category) {
    if (pattern.ends_with('*')) return category.starts_with(pattern.substr(0, pattern.size() - 1));
    return pattern == category;
}

bool matches(const Condition& c, const record::Contact& contact, const record::Verdict& v) {
    if (c.kind && *c.kind != contact.kind) return false;
    const std::string_view protocol = contact.sms ? std::string_view(contact.sms->protocol) : "sip";
    if (!any_of(c.protocols, protocol)) return false;
    if (!any_of(c.directions, direction_of(contact))) return false;
    if (!any_of(c.trunks, v.trunk) || !any_of(c.roles, v.role)) return false;
    if (c.score_min && v.score < *c.score_min) return false;
    if (c.score_max && v.score > *c.score_max) return false;
    if (!c.categories.empty() &&
        std::none_of(c.categories.begin(), c.categories.end(), [&](const auto& pattern) {
            return std::any_of(v.categories.begin(), v.categories.end(),
                               [&](const auto& category) { return category_matches(pattern, category); });
        })) {
        return false;
    }
    if (!c.signatures.empty() && std::none_of(v.hits.begin(), v.hits.end(), [&](const auto& hit) {
            return std::find(c.signatures.begin(), c.signatures.end(), hit.id) != c.signatures.end();
        })) {
        return false;
    }
    if (!c.checks.empty() && std::none_of(v.checks.begin(), v.checks.end(), [&](const auto& check) {
            return std::find(c.checks.begin(), c.checks.end(), check.name) != c.checks.end();
        })) {
        return false;
    }
    if (!c.lists.empty() && std::none_of(v.lists.begin(), v.lists.end(), [&](const auto& list) {
            return std::find(c.lists.begin(), c.lists.end(), list) != c.lists.end();
        })) {
        return false;
    }
    return true;
}

std::string joined_or_none(const std::vector<std::string>& items) {
    return items.empty() ? std::string("none") : fmt::format("{}", fmt::join(items, ","));
}

// The value of one of kTagPlaceholders for `v`.
std::string placeholder_value(std::string_view placeholder, const record::Verdict& v) {
    if (placeholder == "{score}") return std::to_string(v.score);
    if (placeholder == "{rule}") return v.rule;
    if (placeholder == "{tags}") return joined_or_none(v.tags);
    return joined_or_none(v.categories);  // "{categories}"
}

std::string render(std::string_view value_template, const record::Verdict& v) {
    std::string out;
    for (std::size_t i = 0; i < value_template.size();) {
        const std::string_view rest = value_template.substr(i);
        const auto* placeholder = std::find_if(kTagPlaceholders.begin(), kTagPlaceholders.end(),
                                               [rest](std::string_view p) { return rest.starts_with(p); });
        if (placeholder == kTagPlaceholders.end()) {
            out += value_template[i++];
            continue;
        }
        out += placeholder_value(*placeholder, v);
        i += placeholder->size();
    }
    return out;
}

void rescore(const Policy& policy, record::Verdict& v) {
    for (auto& check : v.checks) {
        if (auto it = policy.check_scores.find(check.name); it != policy.check_scores.end()) check.score = it->second;
    }
    // A calibrated score weighs the model's probability itself; the bands are for the capped sum.
    if (v.model && !v.calibration) v.model->score = detect::model_band_score(policy.model_scores, v.model->probability);
    v.score = detect::score_of(v);
}

}  // namespace

std::vector<TagHeader> default_tag_headers() {
    return {{"X-Scamgate-Score", "{score}"}, {"X-Scamgate-Categories", "{categories}"}, {"X-Scamgate-Rule", "{rule}"}};
}

std::string_view action_name(Action action) { return kActions[static_cast<std::size_t>(action)]; }
std::string_view mode_name(Mode mode) { return mode == Mode::monitor ? "monitor" : "enforce"; }

std::string_view direction_of(const record::Contact& contact) {
    if (!contact.sms) return "to_network";
    const auto& sms = *contact.sms;
    if (sms.smpp) return sms.smpp->command == "deliver_sm" ? "from_network" : "to_network";
    if (sms.sip && sms.sip->tp_type == "sms-deliver") return "from_network";
    return "to_network";
}

Policy load_policy(const std::string& path, const std::vector<std::string>& known_checks) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw PolicyError(fmt::format("{}: cannot open the policy file; check detection.policy", path));
    } catch (const YAML::ParserException& e) {
        throw PolicyError(fmt::format("{}:{}: YAML syntax error: {}", path, e.mark.line + 1, e.msg));
    }
    Reader reader(path, known_checks);
    Policy policy;
    policy.file = path;
    if (!root.IsMap()) throw PolicyError(fmt::format("{}:1: a policy is a mapping with 'mode' and 'rules'", path));
    reader.only_keys(root, {"mode", "rules", "default", "check_scores", "model_scores", "tag_headers"}, "policy");
    if (root["mode"]) policy.mode = reader.mode(root["mode"]);
    if (root["default"]) policy.default_action = reader.action(root["default"]);
    policy.check_scores = reader.check_scores(root["check_scores"]);
    policy.model_scores = reader.model_scores(root["model_scores"]);
    policy.tag_headers = reader.tag_headers(root["tag_headers"]);
    if (root["rules"]) {
        if (!root["rules"].IsSequence()) reader.fail(root["rules"], "'rules' must be a list");
        std::set<std::string> names;
        for (const auto& node : root["rules"]) {
            auto rule = reader.rule(node);
            if (!names.insert(rule.name).second) reader.fail(node, fmt::format("rule name '{}' is used twice; names must be unique", rule.name));
            policy.rules.push_back(std::move(rule));
        }
    }
    return policy;
}

std::vector<std::string> known_check_names() {
    std::vector<std::string> names = detect::check_names();
    const auto& findings = behaviour::finding_names();
    names.insert(names.end(), findings.begin(), findings.end());
    return names;
}

void decide(const Policy& policy, const record::Contact& contact, record::Verdict& verdict) {
    rescore(policy, verdict);
    for (const auto& rule : policy.rules) {
        if (!matches(rule.when, contact, verdict)) continue;
        verdict.rule = rule.name;
        verdict.action = std::string(action_name(rule.action));
        verdict.policy_enforces = rule.mode.value_or(policy.mode) == Mode::enforce && rule.action != Action::allow;
        if (rule.action == Action::reject) {
            verdict.sip_status = rule.sip_status;
            verdict.sip_reason = rule.sip_reason;
            verdict.smpp_status = rule.smpp_status;
        }
        verdict.tags = rule.tags;
        if (rule.action == Action::tag) {
            for (const auto& header : policy.tag_headers) {
                verdict.tag_headers.emplace_back(header.name, render(header.value_template, verdict));
            }
            verdict.display_name_prefix = rule.display_name_prefix;
        }
        return;
    }
    verdict.rule = "default";
    verdict.action = std::string(action_name(policy.default_action));
    verdict.policy_enforces = policy.mode == Mode::enforce && policy.default_action != Action::allow;
}

}  // namespace scamgate::policy
