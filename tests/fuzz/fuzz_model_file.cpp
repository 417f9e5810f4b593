// The text model: its file parser (detect::TextModel::parse) and its feature extraction on any
// bytes. The first byte chooses: even, the rest is a model file (refused with ModelError or
// parsed; a parsed model must have 2^hash_bits finite weights); odd, the rest is an SMS text
// scored by the shipped model, whose probability must be a number in [0, 1] and whose feature
// indices must stay inside the table.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "detect/detector.h"
#include "detect/text_model.h"

namespace {

using namespace scamgate;

const text::PublicSuffixList& psl() {
    static const text::PublicSuffixList list = text::PublicSuffixList::load();  // read once, then immutable
    return list;
}

const detect::TextModel& shipped() {
    static const detect::TextModel model =
        detect::TextModel::load(std::string(SCAMGATE_SOURCE_DIR) + "/signatures/models/sms-text.model");
    return model;
}

void parse(std::string_view bytes) {
    try {
        const auto model = detect::TextModel::parse(bytes, "fuzz.model");
        const auto f = detect::sms_text_features("tai khoan bi khoa", psl());
        const double p = model.probability(detect::model_input(f));
        if (!(p >= 0.0 && p <= 1.0)) __builtin_trap();
    } catch (const detect::ModelError&) {
    }
}

void score(std::string_view text) {
    const auto& model = shipped();
    const auto f = detect::sms_text_features(text, psl());
    const std::uint32_t size = std::uint32_t{1} << model.header().features.hash_bits;
    detect::for_each_model_feature(model.header().features, detect::model_input(f), [&](std::uint32_t index) {
        if (index >= size) __builtin_trap();
    });
    const double p = model.probability(detect::model_input(f));
    if (!(p >= 0.0 && p <= 1.0)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] % 2 == 0) {
        parse(rest);
    } else {
        score(rest);
    }
    return 0;
}
