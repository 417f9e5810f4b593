#include "policy/detection_set.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace scamgate::policy {

DetectionSnapshot DetectionHolder::current() const {
    std::shared_ptr<const Detection> d = get();
    return DetectionSnapshot{d, &d->detector, &d->policy, &d->behaviour, &d->behaviour_overrides};
}

std::shared_ptr<const Detection> DetectionHolder::get() const {
    std::lock_guard lock(mutex_);
    return detection_;
}

void DetectionHolder::replace(std::shared_ptr<const Detection> next) {
    std::lock_guard lock(mutex_);
    retired_.push_back(std::exchange(detection_, std::move(next)));
}

std::size_t DetectionHolder::release_retired() {
    std::vector<std::shared_ptr<const Detection>> unused;
    std::size_t held = 0;
    {
        std::lock_guard lock(mutex_);
        // use_count() == 1: only this list holds it, and current() never hands out a retired one,
        // so nobody can take it back.
        auto in_use = std::partition(retired_.begin(), retired_.end(), [](const auto& d) { return d.use_count() > 1; });
        std::move(in_use, retired_.end(), std::back_inserter(unused));
        retired_.erase(in_use, retired_.end());
        held = retired_.size();
    }
    // `unused` is freed here, on the caller's thread and outside the lock.
    return held;
}

}  // namespace scamgate::policy
