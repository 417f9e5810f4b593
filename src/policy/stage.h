#pragma once
// The detection stage between the pipeline and the outputs: each finished contact is assessed
// (trunk, signatures, checks, lists, score), the policy decides, and the contact goes on with its
// verdict attached.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/stats.h"
#include "detect/detector.h"
#include "policy/policy.h"
#include "record/contact.h"

namespace scamgate::policy {

// One detector and policy in force, kept alive by `keep` for as long as a user holds the snapshot
// (a reload may replace them meanwhile).
struct DetectionSnapshot {
    std::shared_ptr<const void> keep;  // may be null when the owner outlives every user
    const detect::Detector* detector = nullptr;
    const Policy* policy = nullptr;
};

// Where the detector and policy in force come from; current() is called once per contact (or
// decided packet) and must be safe to call from any thread.
class SnapshotSource {
public:
    virtual ~SnapshotSource() = default;
    virtual DetectionSnapshot current() const = 0;
};

// A user's current snapshot with its own Hyperscan scratch, re-made when the snapshot changes.
class SnapshotUser {
public:
    SnapshotUser(const detect::Detector& detector, const Policy& policy);  // fixed, never changes
    explicit SnapshotUser(const SnapshotSource& source);
    // The snapshot to use for the next assessment (refreshed from the source, if any).
    const DetectionSnapshot& refresh();
    detect::Scratch& scratch() { return scratch_; }

private:
    const SnapshotSource* source_ = nullptr;
    DetectionSnapshot current_;
    detect::Scratch scratch_;
};

class DetectionStage final : public record::ContactSink {
public:
    DetectionStage(const detect::Detector& detector, const Policy& policy, record::ContactSink& next);
    // The detector and policy are taken from `source` for every contact (reloadable).
    DetectionStage(const SnapshotSource& source, record::ContactSink& next);
    void on_contact(const record::Contact& contact) override;
    // detect.contacts, detect.hits, detect.checks.<name>, policy.action.<action>, policy.enforced
    void append_stats(StatsReport& report) const;

private:
    SnapshotUser user_;
    record::ContactSink& next_;
    std::uint64_t contacts_ = 0;
    std::uint64_t hits_ = 0;
    std::uint64_t enforced_ = 0;
    std::map<std::string, std::uint64_t> checks_;
    std::map<std::string, std::uint64_t> actions_;
};

}  // namespace scamgate::policy
