#pragma once
// The verdict-making set a run uses (a compiled detector and its policy), and the holder that keeps
// the set in force while a reload swaps it as a whole. Loading a set from the configuration is
// the command line's job (app::load_detection); everything that judges reads a set from here.
#include <memory>
#include <mutex>
#include <vector>

#include "behaviour/behaviour.h"
#include "detect/detector.h"
#include "policy/behaviour_overrides.h"
#include "policy/policy.h"
#include "policy/stage.h"

namespace scamgate::policy {

// A loaded detector, policy and behaviour thresholds: the verdict-making part of a run (the
// behaviour state itself outlives reloads: behaviour::Engine).
struct Detection {
    detect::Detector detector;
    Policy policy;
    behaviour::Settings behaviour;
    BehaviourOverrides behaviour_overrides;  // resolved from `behaviour` (behaviour.overrides)
};

// The Detection in force; current() and replace() may be called from any thread.
// A replaced Detection is retired, not freed: a packet thread may still hold it in a snapshot,
// and whoever drops the last reference frees it (Hyperscan databases, lists, plans: tens of ms,
// far more under a sanitizer). release_retired(), called from the control thread, frees the ones
// nobody uses any more, so the packet path never pays for a reload.
class DetectionHolder final : public SnapshotSource {
public:
    explicit DetectionHolder(std::shared_ptr<const Detection> initial) : detection_(std::move(initial)) {}
    DetectionSnapshot current() const override;
    std::shared_ptr<const Detection> get() const;
    void replace(std::shared_ptr<const Detection> next);
    // Frees the retired Detections no snapshot holds; returns how many are still held.
    std::size_t release_retired();

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Detection> detection_;
    std::vector<std::shared_ptr<const Detection>> retired_;
};

}  // namespace scamgate::policy
