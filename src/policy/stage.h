#pragma once
// The detection stage between the pipeline and the outputs: each finished contact is assessed
// (trunk, signatures, checks, lists, score), the policy decides, and the contact goes on with its
// verdict attached.
#include <cstdint>
#include <map>
#include <string>

#include "common/stats.h"
#include "detect/detector.h"
#include "policy/policy.h"
#include "record/contact.h"

namespace scamgate::policy {

class DetectionStage final : public record::ContactSink {
public:
    DetectionStage(const detect::Detector& detector, const Policy& policy, record::ContactSink& next);
    void on_contact(const record::Contact& contact) override;
    // detect.contacts, detect.hits, detect.checks.<name>, policy.action.<action>, policy.enforced
    void append_stats(StatsReport& report) const;

private:
    const detect::Detector& detector_;
    const Policy& policy_;
    record::ContactSink& next_;
    detect::Scratch scratch_;
    std::uint64_t contacts_ = 0;
    std::uint64_t hits_ = 0;
    std::uint64_t enforced_ = 0;
    std::map<std::string, std::uint64_t> checks_;
    std::map<std::string, std::uint64_t> actions_;
};

}  // namespace scamgate::policy
