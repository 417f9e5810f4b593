#include "policy/stage.h"

namespace scamgate::policy {

SnapshotUser::SnapshotUser(const detect::Detector& detector, const Policy& policy)
    : current_{nullptr, &detector, &policy}, scratch_(detector.make_scratch()) {}

SnapshotUser::SnapshotUser(const SnapshotSource& source)
    : source_(&source), current_(source.current()), scratch_(current_.detector->make_scratch()) {}

const DetectionSnapshot& SnapshotUser::refresh() {
    if (source_ == nullptr) return current_;
    DetectionSnapshot next = source_->current();
    if (next.detector != current_.detector) {
        // The old scratch goes while the old detector is still held by current_.
        scratch_ = next.detector->make_scratch();
    }
    current_ = std::move(next);
    return current_;
}

DetectionStage::DetectionStage(const detect::Detector& detector, const Policy& policy, record::ContactSink& next)
    : user_(detector, policy), next_(next) {}

DetectionStage::DetectionStage(const SnapshotSource& source, record::ContactSink& next) : user_(source), next_(next) {}

void DetectionStage::on_contact(const record::Contact& contact) {
    const DetectionSnapshot& snapshot = user_.refresh();
    record::Contact decided = contact;
    decided.verdict = snapshot.detector->assess(contact, user_.scratch());
    decide(*snapshot.policy, decided, *decided.verdict);
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
