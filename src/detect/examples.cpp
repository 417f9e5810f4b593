#include "detect/examples.h"

#include <algorithm>

#include "detect/lookalike.h"

namespace scamgate::detect {

record::Contact probe_contact(Field field, const std::string& example) {
    record::Contact c;
    if (field == Field::display_name || field == Field::user_agent || field == Field::request_uri_user) {
        c.kind = record::ContactKind::call;
        c.call.emplace();
        if (field == Field::display_name) c.call->from.display = example;
        if (field == Field::user_agent) c.call->user_agent = example;
        if (field == Field::request_uri_user) c.callee.user = example;
        return c;
    }
    c.kind = record::ContactKind::sms;
    c.sms.emplace();
    c.sms->protocol = "smpp";
    if (field == Field::sender) {
        c.sms->sender.address = example;
    } else {
        c.sms->text = example;
    }
    return c;
}

std::vector<ExampleFailure> run_examples(const Detector& detector) {
    std::vector<ExampleFailure> failures;
    auto scratch = detector.make_scratch();
    for (const auto& s : detector.engine().signatures()) {
        auto hits_signature = [&](const std::string& example) {
            const auto verdict = detector.assess(probe_contact(s.field, example), scratch);
            return std::any_of(verdict.hits.begin(), verdict.hits.end(), [&](const auto& hit) { return hit.id == s.id; });
        };
        for (const auto& example : s.examples.match) {
            if (!hits_signature(example)) failures.push_back({&s, example, true});
        }
        for (const auto& example : s.examples.no_match) {
            if (hits_signature(example)) failures.push_back({&s, example, false});
        }
    }
    return failures;
}

std::string lookalike_example_text(const std::string& example) {
    if (example.find(' ') != std::string::npos || example.find("://") != std::string::npos) return example;
    return "http://" + example + "/";
}

namespace {

// The evidence of the look-alike check the example raised; empty when none did.
std::string lookalike_evidence(const Detector& detector, Scratch& scratch, const std::string& example) {
    const auto verdict = detector.assess(probe_contact(Field::text_raw, lookalike_example_text(example)), scratch);
    for (const auto& check : verdict.checks) {
        if (check.name == "url.brand_lookalike" || check.name == "url.brand_homoglyph") return check.evidence;
    }
    return {};
}

}  // namespace

std::vector<LookalikeExampleFailure> run_lookalike_examples(const Detector& detector) {
    std::vector<LookalikeExampleFailure> failures;
    const auto* matcher = detector.lookalike();
    if (!matcher) return failures;
    auto scratch = detector.make_scratch();
    for (const auto& brand : matcher->registry().brands) {
        const std::string names_brand = " imitates " + brand.name + " (";
        for (const auto& example : brand.match) {
            auto got = lookalike_evidence(detector, scratch, example.text);
            if (got.find(names_brand) == std::string::npos) failures.push_back({&brand, &example, true, std::move(got)});
        }
        for (const auto& example : brand.no_match) {
            auto got = lookalike_evidence(detector, scratch, example.text);
            if (!got.empty()) failures.push_back({&brand, &example, false, std::move(got)});
        }
    }
    return failures;
}

std::size_t lookalike_example_count(const Detector& detector) {
    std::size_t n = 0;
    if (const auto* matcher = detector.lookalike()) {
        for (const auto& brand : matcher->registry().brands) n += brand.match.size() + brand.no_match.size();
    }
    return n;
}

}  // namespace scamgate::detect
