// The score model file parser (detect::ScoreModel::parse) on any bytes: refused with a
// ScoreModelError or parsed; a parsed model explains verdicts with a probability in [0, 1], a
// finite intercept and no more contributions than it has signals.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detector.h"
#include "detect/score_model.h"

namespace {

using namespace scamgate;

record::Verdict sample_verdict(double probability) {
    record::Verdict v;
    v.model = record::ModelScore{"sms-text", "1", probability, 0};
    v.hits.push_back({1, "x", "lottery", "text", "folded", "", 60});
    v.hits.push_back({2, "y", "notice.otp", "text", "folded", "", 0});
    v.checks.push_back({"url.brand_lookalike", "host", 50});
    v.lists = {"brands", "block_domains"};
    return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto m = detect::ScoreModel::parse(bytes, "fuzz.yaml",
                                                 detect::KnownSignals{detect::check_names(), detect::list_names()});
        if (!std::isfinite(m.intercept())) __builtin_trap();
        for (double p : {0.0, 0.37, 1.0}) {
            const auto b = m.explain(sample_verdict(p));
            if (!(b.probability >= 0.0 && b.probability <= 1.0)) __builtin_trap();
            if (b.contributions.size() > m.signals().size()) __builtin_trap();
            const int score = detect::calibrated_score(b);
            if (score < 0 || score > 100) __builtin_trap();
        }
    } catch (const detect::ScoreModelError&) {
    }
    return 0;
}
