#include "policy/stage.h"

namespace scamgate::policy {

DetectionStage::DetectionStage(const detect::Detector& detector, const Policy& policy, record::ContactSink& next)
    : detector_(detector), policy_(policy), next_(next), scratch_(detector.make_scratch()) {}

void DetectionStage::on_contact(const record::Contact& contact) {
    record::Contact decided = contact;
    decided.verdict = detector_.assess(contact, scratch_);
    decide(policy_, decided, *decided.verdict);
    ++contacts_;
    hits_ += decided.verdict->hits.size();
    for (const auto& check : decided.verdict->checks) ++checks_[check.name];
    ++actions_[decided.verdict->action];
    enforced_ += decided.verdict->enforced;
    next_.on_contact(decided);
}

void DetectionStage::append_stats(StatsReport& report) const {
    report.add("detect.contacts", contacts_);
    report.add("detect.hits", hits_);
    for (const auto& [name, count] : checks_) report.add("detect.checks." + name, count);
    for (const auto& [name, count] : actions_) report.add("policy.action." + name, count);
    report.add("policy.enforced", enforced_);
}

}  // namespace scamgate::policy
