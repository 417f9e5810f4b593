// The URL host model (detect/text_model.h, kind url_host): its features, the kind in the file
// format, and the url.phishing_host check on written examples.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "detect/detector.h"
#include "detect/text_model.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::detect;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

const text::PublicSuffixList& psl() {
    static const auto list = text::PublicSuffixList::load();
    return list;
}

ModelFeatureSettings host_settings() {
    ModelFeatureSettings s;
    s.char_min = 2;
    s.char_max = 5;
    s.word_min = 1;
    s.word_max = 1;
    s.hash_bits = 12;
    return s;
}

std::vector<std::uint32_t> features(const std::string& host, const ModelFeatureSettings& s = host_settings()) {
    std::vector<std::uint32_t> out;
    // Hosts reach the model lower-cased (UrlMention, the trainer); the domain is found so here too.
    std::string lower = host;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto domain = psl().registrable_domain(lower);
    for_each_host_feature(s, HostInput{host, domain}, [&](std::uint32_t i) { out.push_back(i); });
    return out;
}

ModelHeader host_header() {
    ModelHeader h;
    h.kind = ModelKind::url_host;
    h.name = "unit-host";
    h.version = "1.0";
    h.languages = {"any"};
    h.features = host_settings();
    h.training_sha256 = std::string(64, 'b');
    h.training_rows = 2;
    h.trainer = "unit test";
    h.bias = -2.0F;
    return h;
}

// A host model whose weights make every feature of `phishing` count +3, nothing else.
std::string host_model_bytes(const std::string& phishing = "vcb-xacthuc.top") {
    const auto h = host_header();
    std::vector<float> weights(std::size_t{1} << h.features.hash_bits, 0.0F);
    for (auto i : features(phishing, h.features)) weights[i] = 3.0F;
    return serialize_model(h, weights);
}

std::string text_model_bytes() {
    auto h = host_header();
    h.kind = ModelKind::sms_text;
    h.name = "unit-text";
    return serialize_model(h, std::vector<float>(std::size_t{1} << h.features.hash_bits, 0.0F));
}

std::string error_of(const std::string& bytes, ModelKind expected) {
    try {
        TextModel::parse(bytes, "h.model", expected);
    } catch (const ModelError& e) {
        return e.what();
    }
    return "";
}

void write(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

DetectorConfig detector_config(const std::string& host_model, double threshold) {
    DetectorConfig c;
    c.signatures = {kSource + "/tests/detect/packs/small.yaml"};
    c.numbering_plan = kSource + "/config/numbering/vn.yaml";
    c.host_model = host_model;
    c.host_model_threshold = threshold;
    c.lists.link_services = kSource + "/config/lists/link-services.txt";
    c.lists.allow_domains = kSource + "/config/lists/domains-allow.txt";
    return c;
}

record::Contact sms(const std::string& text) {
    record::Contact c;
    c.kind = record::ContactKind::sms;
    c.sms.emplace();
    c.sms->text = text;
    return c;
}

bool fired(const record::Verdict& v) {
    return std::any_of(v.checks.begin(), v.checks.end(), [](const auto& c) { return c.name == "url.phishing_host"; });
}

}  // namespace

TEST_CASE("host features: deterministic, bounded by hash_bits, case-blind, digits shaped, www. ignored") {
    const auto a = features("secure-vcb24.xacthuc.top");
    REQUIRE(!a.empty());
    CHECK(a == features("secure-vcb24.xacthuc.top"));
    for (auto i : a) CHECK(i < (1U << 12));
    CHECK(features("SECURE-VCB24.XACTHUC.TOP") == a);
    CHECK(features("secure-vcb57.xacthuc.top") == a);        // other digits, same shape
    CHECK(features("secure-vcb.xacthuc.top") != a);
    CHECK(features("www.vietcombank.com.vn") == features("vietcombank.com.vn"));
    CHECK(features("www") != features(""));                   // "www" alone is a host, not a prefix
}

TEST_CASE("host features: labels split on dots and hyphens are tokens, markers describe the host's shape") {
    auto s = host_settings();
    s.markers = false;
    // 8-grams: none in a 5-byte host (7 with padding), so only the tokens are left.
    auto tokens_only = s;
    tokens_only.char_min = tokens_only.char_max = 8;
    auto collect = [&](std::string_view host) {
        std::vector<std::uint32_t> out;
        for_each_host_feature(tokens_only, HostInput{host, ""}, [&](std::uint32_t i) { out.push_back(i); });
        return out;
    };
    CHECK(collect("a-b.c").size() == 3);
    CHECK(collect("a-b.c") == collect("a.b.c"));
    CHECK(collect("a-b.c") == collect("A-B.C"));
    CHECK(collect("a-b.c") != collect("a-b.d"));
    // Markers: tld, suffix, depth, digits, hyphens, length (6) for a named host; + punycode.
    auto with = host_settings();
    auto count = [](const ModelFeatureSettings& st, std::string_view host, std::string_view domain) {
        return for_each_host_feature(st, HostInput{host, domain}, [](std::uint32_t) {});
    };
    CHECK(count(with, "login.vcb.com.vn", "vcb.com.vn") - count(s, "login.vcb.com.vn", "vcb.com.vn") == 6);
    CHECK(count(with, "xn--vcb-xyz.top", "xn--vcb-xyz.top") - count(s, "xn--vcb-xyz.top", "xn--vcb-xyz.top") == 7);
    // An IP host: one marker only.
    CHECK(count(with, "203.0.113.7", "203.0.113.7") - count(s, "203.0.113.7", "203.0.113.7") == 1);
    // Depth and length buckets tell hosts apart.
    CHECK(features("a.b.c.example.top") != features("example.top"));
}

TEST_CASE("host features: hosts beyond 253 bytes are read up to 253") {
    const std::string long_host = std::string(300, 'a') + ".top";
    std::size_t n = 0;
    for_each_host_feature(host_settings(), HostInput{long_host, long_host}, [&](std::uint32_t) { ++n; });
    std::size_t bounded = 0;
    const auto cut = long_host.substr(0, kMaxModelHostBytes);
    for_each_host_feature(host_settings(), HostInput{cut, long_host}, [&](std::uint32_t) { ++bounded; });
    CHECK(n == bounded);
    CHECK(n < 253 * 4 + 20);
}

TEST_CASE("host model file: kind url_host round-trips, files without kind are sms_text, a wrong kind is a FILE error") {
    const auto bytes = host_model_bytes();
    CHECK(bytes.find("\nkind: url_host\n") != std::string::npos);
    const auto model = TextModel::parse(bytes, "h.model", ModelKind::url_host);
    CHECK(model.header().kind == ModelKind::url_host);
    CHECK(model.header().name == "unit-host");
    CHECK(model.probability(HostInput{"vcb-xacthuc.top", "vcb-xacthuc.top"}) > 0.99);
    CHECK(model.probability(HostInput{"example.org", "example.org"}) < 0.5);

    // sms_text files carry no kind line (the format of files written before host models).
    const auto text = text_model_bytes();
    CHECK(text.find("kind:") == std::string::npos);
    CHECK(TextModel::parse(text, "t.model").header().kind == ModelKind::sms_text);
    // The shipped SMS model has no kind line and still loads as sms_text.
    CHECK(TextModel::load(kSource + "/signatures/models/sms-text.model").header().kind == ModelKind::sms_text);

    CHECK(error_of(bytes, ModelKind::sms_text) == "h.model: kind: url_host where a model of kind sms_text is needed");
    CHECK(error_of(text, ModelKind::url_host) == "h.model: kind: sms_text where a model of kind url_host is needed");
    auto odd = bytes;
    odd.replace(odd.find("kind: url_host"), 14, "kind: url_hst!");
    CHECK(error_of(odd, ModelKind::url_host).find("h.model: kind: 'url_hst!' is not a model kind") == 0);
}

TEST_CASE("the shipped host model loads as url_host and tells a written phishing host from a bank's") {
    const auto model = TextModel::load(kSource + "/signatures/models/url-host.model", ModelKind::url_host);
    auto p = [&](const std::string& host) { return model.probability(HostInput{host, psl().registrable_domain(host)}); };
    CHECK(p("vietcombank-xacthuc-taikhoan.top") > 0.9);
    CHECK(p("vietcombank.com.vn") < 0.5);
    CHECK(p("dichvucong.gov.vn") < 0.5);
}

TEST_CASE("url.phishing_host fires at the threshold on a link's host and not below it, and the verdict names the host") {
    test_support::TempFile file("host-model");
    write(file.path(), host_model_bytes());
    const auto d = Detector::load(detector_config(file.path(), 0.9));
    REQUIRE(d.host_model() != nullptr);
    auto scratch = d.make_scratch();

    const auto scam = d.assess(sms("Tai khoan bi khoa, xac thuc tai http://vcb-xacthuc.top/ ngay"), scratch);
    REQUIRE(scam.host_model);
    CHECK(scam.host_model->name == "unit-host");
    CHECK(scam.host_model->host == "vcb-xacthuc.top");
    CHECK(scam.host_model->probability > 0.99);
    CHECK(fired(scam));

    // The highest of several hosts is reported.
    const auto two = d.assess(sms("xem https://example.org/a hoac http://vcb-xacthuc.top/b"), scratch);
    REQUIRE(two.host_model);
    CHECK(two.host_model->host == "vcb-xacthuc.top");

    const auto fine = d.assess(sms("Lich hop tai https://example.org/lich nhe"), scratch);
    REQUIRE(fine.host_model);
    CHECK(fine.host_model->probability < 0.5);
    CHECK_FALSE(fired(fine));

    // No link: no host model opinion.
    CHECK_FALSE(d.assess(sms("hen gap lai"), scratch).host_model);
    // Link services and allowed domains are not the host model's to judge; nor is a bare
    // "word.word" without scheme, path or www.
    CHECK_FALSE(d.assess(sms("xem https://bit.ly/abc"), scratch).host_model);
    CHECK_FALSE(d.assess(sms("vao https://vietcombank.com.vn/"), scratch).host_model);
    CHECK_FALSE(d.assess(sms("toi den roi.vcb-xacthuc.top"), scratch).host_model);

    // Above every probability: the verdict carries the host model, the check does not fire.
    const auto strict = Detector::load(detector_config(file.path(), 1.0));
    auto strict_scratch = strict.make_scratch();
    const auto v = strict.assess(sms("xac thuc tai http://vcb-xacthuc.top/"), strict_scratch);
    REQUIRE(v.host_model);
    CHECK_FALSE(fired(v));
    CHECK(default_check_score("url.phishing_host") == 30);
}

TEST_CASE("detector: a text model as detection.host_model, or a host model as detection.model, fails the load by name") {
    test_support::TempFile host("host-model");
    test_support::TempFile text("text-model");
    write(host.path(), host_model_bytes());
    write(text.path(), text_model_bytes());
    try {
        Detector::load(detector_config(text.path(), 0.9));
        FAIL("loaded an sms_text model as the host model");
    } catch (const DetectError& e) {
        CHECK(std::string(e.what()) == text.path() + ": kind: sms_text where a model of kind url_host is needed (detection.host_model)");
    }
    auto c = detector_config("", 0.9);
    c.models = {host.path()};
    try {
        Detector::load(c);
        FAIL("loaded a url_host model as a text model");
    } catch (const DetectError& e) {
        CHECK(std::string(e.what()) == host.path() + ": kind: url_host where a model of kind sms_text is needed (detection.model)");
    }
    auto missing = detector_config("/nonexistent/h.model", 0.9);
    try {
        Detector::load(missing);
        FAIL("loaded a missing host model");
    } catch (const DetectError& e) {
        CHECK(std::string(e.what()).find("/nonexistent/h.model: cannot open") == 0);
    }
}
