#pragma once
// Runs every signature's own examples through the detector: each `match` text must hit the
// signature and each `no_match` text must not. `scamgate check` and the test suite run this.
#include <string>
#include <vector>

#include "detect/detector.h"

namespace scamgate::detect {

struct ExampleFailure {
    const Signature* signature = nullptr;
    std::string example;
    bool should_match = false;
};

// A contact that offers `example` to `field` the way live traffic would: an SMS with that text
// (text and URL fields), an SMS from that sender, or a call with that display name, User-Agent or
// Request-URI user.
record::Contact probe_contact(Field field, const std::string& example);

std::vector<ExampleFailure> run_examples(const Detector& detector);

}  // namespace scamgate::detect
