// The URL host model: its file parser with kind url_host (detect::TextModel::parse) and its host
// features on any bytes. The first byte chooses: 0 mod 3, the rest is a model file parsed as a
// url_host model (refused with ModelError or parsed, then scored on a host); 1 mod 3, the rest is
// a host scored by the shipped host model with its registrable domain, whose probability must be
// a number in [0, 1] and whose feature indices must stay inside the table; 2 mod 3, the rest is
// an SMS text run through a detector with the shipped host model (every URL host of the text).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "detect/detector.h"
#include "detect/text_model.h"

namespace {

using namespace scamgate;

const std::string kSource = SCAMGATE_SOURCE_DIR;

const text::PublicSuffixList& psl() {
    static const text::PublicSuffixList list = text::PublicSuffixList::load();  // read once, then immutable
    return list;
}

const detect::TextModel& shipped() {
    static const detect::TextModel model =
        detect::TextModel::load(kSource + "/signatures/models/url-host.model", detect::ModelKind::url_host);
    return model;
}

const detect::Detector& detector() {
    static const detect::Detector d = [] {
        detect::DetectorConfig c;
        c.signatures = {kSource + "/tests/detect/packs/small.yaml"};
        c.numbering_plan = kSource + "/config/numbering/vn.yaml";
        c.models = {};
        c.host_model = kSource + "/signatures/models/url-host.model";
        c.host_model_threshold = 0.9;
        c.lists.link_services = kSource + "/config/lists/link-services.txt";
        return detect::Detector::load(c);
    }();
    return d;
}

void check_probability(double p) {
    if (!(p >= 0.0 && p <= 1.0)) __builtin_trap();
}

void parse(std::string_view bytes) {
    try {
        const auto model = detect::TextModel::parse(bytes, "fuzz.model", detect::ModelKind::url_host);
        check_probability(model.probability(detect::HostInput{"vcb-xacthuc.top", "vcb-xacthuc.top"}));
    } catch (const detect::ModelError&) {
    }
}

void score_host(std::string_view host) {
    const auto& model = shipped();
    const std::string domain = psl().registrable_domain(host);
    const detect::HostInput input{host, domain};
    const std::uint32_t size = std::uint32_t{1} << model.header().features.hash_bits;
    detect::for_each_host_feature(model.header().features, input, [&](std::uint32_t index) {
        if (index >= size) __builtin_trap();
    });
    check_probability(model.probability(input));
}

void score_text(std::string_view text) {
    const auto& d = detector();
    record::Contact contact;
    contact.kind = record::ContactKind::sms;
    contact.sms.emplace();
    contact.sms->text = std::string(text);
    auto scratch = d.make_scratch();
    const auto v = d.assess(contact, scratch);
    if (v.host_model) check_probability(v.host_model->probability);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
        case 0: parse(rest); break;
        case 1: score_host(rest); break;
        default: score_text(rest); break;
    }
    return 0;
}
