#pragma once
// Runs every signature's own examples through the detector: each `match` text must hit the
// signature and each `no_match` text must not. `scamgate check` and the test suite run this.
#include <string>
#include <vector>

#include "detect/detector.h"
#include "detect/protected_brands.h"

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

// The protected-brand registry's examples (lists.protected_brands): each `match` example must
// raise url.brand_lookalike or url.brand_homoglyph naming its brand, each `no_match` example
// neither check. An example is an SMS text when it holds a space or "://", otherwise a host
// sent as "http://HOST/".
struct LookalikeExampleFailure {
    const ProtectedBrand* brand = nullptr;
    const BrandExample* example = nullptr;
    bool should_match = false;
    std::string got;  // the evidence that fired, if any
};
std::string lookalike_example_text(const std::string& example);
std::vector<LookalikeExampleFailure> run_lookalike_examples(const Detector& detector);
std::size_t lookalike_example_count(const Detector& detector);

}  // namespace scamgate::detect
