#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "detect/detector.h"
#include "policy/policy.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::policy;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

// Loads `yaml` from a file of this case's own (cases run in parallel), removed once loaded.
Policy policy_from(const std::string& yaml) {
    const test_support::TempFile file("policy", ".yaml");
    return load_policy(file.write(yaml), known_check_names());
}

record::Contact sms_contact(std::string command = "submit_sm") {
    record::Contact c;
    c.kind = record::ContactKind::sms;
    c.sms.emplace();
    c.sms->protocol = "smpp";
    c.sms->smpp.emplace();
    c.sms->smpp->command = std::move(command);
    return c;
}

record::Verdict verdict_with(int score, std::vector<std::string> categories = {}, std::vector<std::string> checks = {}) {
    record::Verdict v;
    v.role = "unknown";
    if (score > 0) v.hits.push_back({1, "sig", categories.empty() ? "lottery" : categories.front(), "text", "folded", "", score});
    v.categories = std::move(categories);
    for (auto& c : checks) v.checks.push_back({c, "evidence", 0});
    return v;
}

}  // namespace

TEST_CASE("first matching rule decides, monitor mode decides but does not enforce") {
    const auto p = policy_from(R"(
mode: monitor
rules:
  - name: high
    when: {kind: sms, score_min: 70}
    then: {action: reject, smpp_status: 0x45, sip_status: 403, sip_reason: Forbidden}
  - name: middle
    when: {score_min: 40, score_max: 69}
    then: {action: tag, tags: [suspect]}
)");
    auto v = verdict_with(80);
    decide(p, sms_contact(), v);
    CHECK(v.rule == "high");
    CHECK(v.action == "reject");
    CHECK_FALSE(v.policy_enforces);
    CHECK(v.smpp_status == 0x45u);
    CHECK(v.sip_status == 403);
    CHECK(v.sip_reason == "Forbidden");
    auto m = verdict_with(50);
    decide(p, sms_contact(), m);
    CHECK(m.rule == "middle");
    CHECK(m.action == "tag");
    CHECK(m.tags == std::vector<std::string>{"suspect"});
    auto low = verdict_with(10);
    decide(p, sms_contact(), low);
    CHECK(low.rule == "default");
    CHECK(low.action == "allow");
}

TEST_CASE("enforce mode and the per-rule override") {
    const auto p = policy_from(R"(
mode: enforce
rules:
  - name: watch-only
    mode: monitor
    when: {categories: ["impersonation.*"]}
    then: {action: drop}
  - name: drop-lottery
    when: {categories: [lottery]}
    then: {action: drop}
)");
    auto police = verdict_with(30, {"impersonation.police"});
    decide(p, sms_contact(), police);
    CHECK(police.rule == "watch-only");
    CHECK_FALSE(police.policy_enforces);
    auto lottery = verdict_with(30, {"lottery"});
    decide(p, sms_contact(), lottery);
    CHECK(lottery.rule == "drop-lottery");
    CHECK(lottery.policy_enforces);
}

TEST_CASE("conditions: checks, lists, trunk/role, direction, protocol, signature ids") {
    const auto p = policy_from(R"(
rules:
  - name: allow-listed
    when: {lists: [allow_numbers]}
    then: {action: allow}
  - name: spoofed
    when: {kind: call, role: international, checks: [cli.domestic_on_international]}
    then: {action: drop}
  - name: mo-only
    when: {kind: sms, direction: from_network, protocol: smpp}
    then: {action: alert}
  - name: by-id
    when: {signatures: [1]}
    then: {action: tag}
)");
    record::Contact call;
    call.kind = record::ContactKind::call;
    auto spoofed = verdict_with(0, {}, {"cli.domestic_on_international"});
    spoofed.role = "international";
    decide(p, call, spoofed);
    CHECK(spoofed.rule == "spoofed");
    auto listed = spoofed;
    listed.lists = {"allow_numbers"};
    decide(p, call, listed);
    CHECK(listed.rule == "allow-listed");
    auto domestic = verdict_with(0, {}, {"cli.domestic_on_international"});
    domestic.role = "domestic";
    decide(p, call, domestic);
    CHECK(domestic.rule == "default");
    auto mo = verdict_with(0);
    decide(p, sms_contact("deliver_sm"), mo);
    CHECK(mo.rule == "mo-only");
    auto by_id = verdict_with(5);
    decide(p, sms_contact(), by_id);
    CHECK(by_id.rule == "by-id");
}

TEST_CASE("check_scores override the defaults and the score is recomputed") {
    const auto p = policy_from(R"(
check_scores: {cli.neighbour: 70}
rules:
  - name: high
    when: {score_min: 70}
    then: {action: reject}
)");
    auto v = verdict_with(0, {}, {"cli.neighbour"});
    decide(p, sms_contact(), v);
    CHECK(v.checks[0].score == 70);
    CHECK(v.score == 70);
    CHECK(v.rule == "high");
    CHECK(v.sip_status == 603);  // the default reject response
}

TEST_CASE("model_scores: the model's probability gets the first band it reaches, and counts in the score") {
    const auto p = policy_from(R"(
model_scores:
  - {min_probability: 0.9, score: 45}
  - {min_probability: 0.5, score: 20}
rules:
  - name: tag
    when: {score_min: 40}
    then: {action: tag}
)");
    REQUIRE(p.model_scores.size() == 2);
    auto v = verdict_with(0);
    v.model = record::ModelScore{"m", "1", 0.93, 0};
    decide(p, sms_contact(), v);
    CHECK(v.model->score == 45);
    CHECK(v.score == 45);
    CHECK(v.rule == "tag");
    auto low = verdict_with(10);
    low.model = record::ModelScore{"m", "1", 0.6, 0};
    decide(p, sms_contact(), low);
    CHECK(low.model->score == 20);
    CHECK(low.score == 30);
    CHECK(low.rule == "default");
    // Without model_scores the documented defaults apply.
    CHECK(policy_from("rules: []\n").model_scores.size() == detect::default_model_bands().size());
}

TEST_CASE("the shipped policy loads") {
    const auto p = load_policy(kSource + "/config/policy.yaml", known_check_names());
    CHECK(p.mode == Mode::monitor);
    CHECK(p.rules.size() >= 10);
    CHECK(p.rules[1].name == "drop-domestic-cli-from-international");
}

TEST_CASE("bad policies are refused with file:line and the exact message") {
    const std::string dir = kSource + "/tests/configs/bad-policies/";
    std::ifstream expected(dir + "expected-errors.txt");
    std::string line;
    int cases = 0;
    while (std::getline(expected, line)) {
        const auto tab = line.find('\t');
        const auto file = line.substr(0, tab);
        const auto message = line.substr(tab + 1);
        std::string got;
        try {
            (void)load_policy(dir + file, known_check_names());
        } catch (const PolicyError& e) {
            got = e.what();
        }
        INFO(file);
        CHECK(got == dir + message);
        ++cases;
    }
    CHECK(cases == 11);
}

TEST_CASE("tag: the policy's tag_headers are rendered with the verdict, the rule's display name prefix") {
    const auto p = policy_from(R"(
mode: enforce
tag_headers:
  - "X-Scam-Score: {score}"
  - "X-Scam-Info: rule={rule}; tags={tags}; categories={categories}"
rules:
  - name: middle
    when: {score_min: 40}
    then: {action: tag, tags: [suspect, review], display_name_prefix: "[SCAM?] "}
  - name: low
    when: {score_min: 10}
    then: {action: tag}
)");
    auto v = verdict_with(55, {"impersonation.police"});
    decide(p, sms_contact(), v);
    CHECK(v.action == "tag");
    CHECK(v.policy_enforces);
    REQUIRE(v.tag_headers.size() == 2);
    CHECK(v.tag_headers[0] == std::pair<std::string, std::string>{"X-Scam-Score", "55"});
    CHECK(v.tag_headers[1] ==
          std::pair<std::string, std::string>{"X-Scam-Info", "rule=middle; tags=suspect,review; categories=impersonation.police"});
    CHECK(v.display_name_prefix == "[SCAM?] ");
    auto low = verdict_with(12);
    decide(p, sms_contact(), low);
    REQUIRE(low.tag_headers.size() == 2);
    CHECK(low.tag_headers[1].second == "rule=low; tags=none; categories=none");
    CHECK(low.display_name_prefix.empty());

    const auto defaults = policy_from("rules:\n  - {name: t, when: {score_min: 1}, then: {action: tag}}\n");
    auto d = verdict_with(30, {"lottery"});
    decide(defaults, sms_contact(), d);
    REQUIRE(d.tag_headers.size() == 3);
    CHECK(d.tag_headers[0] == std::pair<std::string, std::string>{"X-Scamgate-Score", "30"});
    CHECK(d.tag_headers[1] == std::pair<std::string, std::string>{"X-Scamgate-Categories", "lottery"});
    CHECK(d.tag_headers[2] == std::pair<std::string, std::string>{"X-Scamgate-Rule", "t"});
    auto allowed = verdict_with(0);
    decide(defaults, sms_contact(), allowed);
    CHECK(allowed.tag_headers.empty());
}
