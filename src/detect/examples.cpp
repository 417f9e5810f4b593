#include "detect/examples.h"

#include <algorithm>

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

}  // namespace scamgate::detect
