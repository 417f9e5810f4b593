// The SMS text model (detect::TextModel) with the shipped model file: inference alone, on the
// views and extraction results the detector has already made (as Detector::model_score calls
// it), and, for comparison, the views and extraction that feed it; and the calibrated score
// (detect::ScoreModel) over a verdict. Items are SMS.
// Texts: invented 160-character SMS (scam and ordinary, Vietnamese with and without accents,
// English), the length of one GSM-7 SMS part.
// BM_HostModelInference: the URL host model on invented hosts (items are hosts).
// Run: SCAMGATE_SOURCE_DIR=$PWD build/bench/model_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "detect/detector.h"
#include "detect/score_model.h"
#include "detect/text_model.h"

using namespace scamgate;

namespace {

std::filesystem::path repo_dir() {
    if (const char* env = std::getenv("SCAMGATE_SOURCE_DIR"); env && *env) return env;
    return std::filesystem::path(__FILE__).parent_path().parent_path();
}

// SCAMGATE_MODEL picks another model file (to compare feature settings); else the shipped one.
std::string model_path() {
    if (const char* env = std::getenv("SCAMGATE_MODEL"); env && *env) return env;
    return (repo_dir() / "signatures/models/sms-text.model").string();
}

// Cut or padded (with the text again) to exactly 160 bytes, on a UTF-8 boundary.
std::string sms160(std::string text) {
    while (text.size() < 160) text += " " + text;
    std::size_t cut = 160;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return text.substr(0, cut);
}

struct Fixture {
    detect::TextModel model = detect::TextModel::load(model_path());
    text::PublicSuffixList psl = text::PublicSuffixList::load();
    std::vector<std::string> texts = {
        sms160("Tai khoan cua quy khach da bi tam khoa do dang nhap bat thuong. Vui long xac thuc tai http://vcb-xacthuc.example/login truoc 24h de tranh bi khoa vinh vien."),
        sms160("Chúc mừng quý khách đã trúng thưởng 500.000.000đ từ chương trình tri ân khách hàng. Liên hệ 0912 000 111 để nhận giải, phí thủ tục 2.500.000đ."),
        sms160("Ma xac thuc cua Quy khach la 482913. Ma co hieu luc trong 3 phut. Tuyet doi khong cung cap ma cho nguoi khac, ke ca nhan vien ngan hang."),
        sms160("Chao anh, mai 7h em qua don anh o cong sau nhe. Nho mang theo giay to xe va ao mua vi troi co the mua. Hen gap anh sang mai."),
        sms160("Your bank account has been suspended due to unusual activity. Verify your identity at http://secure-verify.example within 24 hours or it will be closed."),
        sms160("Running 15 min late, grab a table near the window and order me the usual. I'll be there soon, traffic on the bridge is terrible tonight, sorry!"),
    };
    std::vector<detect::Features> features;
    Fixture() {
        for (const auto& t : texts) features.push_back(detect::sms_text_features(t, psl));
    }
};

const Fixture& fixture() {
    static const Fixture f;
    return f;
}

void BM_ModelInference(benchmark::State& state) {
    const auto& f = fixture();
    std::size_t i = 0;
    double sum = 0;
    for (auto _ : state) {
        sum += f.model.probability(detect::model_input(f.features[i++ % f.features.size()]));
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ModelInference);

void BM_ViewsExtractionAndInference(benchmark::State& state) {
    const auto& f = fixture();
    std::size_t i = 0;
    double sum = 0;
    for (auto _ : state) {
        const auto features = detect::sms_text_features(f.texts[i++ % f.texts.size()], f.psl);
        sum += f.model.probability(detect::model_input(features));
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ViewsExtractionAndInference);

// The calibrated score (detect::ScoreModel::explain) of the shipped score model on a verdict with
// the model's probability, three hits of two categories, a check and a list: what it costs on top
// of detection for each SMS.
void BM_CalibratedScore(benchmark::State& state) {
    const auto score = detect::ScoreModel::load((repo_dir() / "signatures/models/sms-score.yaml").string(),
                                                detect::KnownSignals{detect::check_names(), detect::list_names()});
    record::Verdict v;
    v.model = record::ModelScore{"sms-text", "bench", 0.83, 0};
    v.hits.push_back({3000026, "login words", "phishing.bank", "url_domain", "", "", 40});
    v.hits.push_back({3000028, "risky tld", "phishing.url", "url_domain", "", "", 10});
    v.hits.push_back({1010001, "account locked", "phishing.bank", "text", "folded", "", 50});
    v.checks.push_back({"url.brand_lookalike", "vcb-xacthuc.example", 50});
    v.lists.push_back("allow_domains");
    double sum = 0;
    for (auto _ : state) sum += score.explain(v).probability;
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CalibratedScore);
// The URL host model (kind url_host) on hosts as UrlMention gives them (lower-case, registrable
// domain already found), as Detector::host_model_score calls it. Items are hosts.
// SCAMGATE_HOST_MODEL picks another host model file; else the shipped one.
std::string host_model_path() {
    if (const char* env = std::getenv("SCAMGATE_HOST_MODEL"); env && *env) return env;
    return (repo_dir() / "signatures/models/url-host.model").string();
}

struct HostFixture {
    detect::TextModel model = detect::TextModel::load(host_model_path(), detect::ModelKind::url_host);
    // Invented hosts: look-alikes, deep subdomains, a punycode host, an IP, real brand and news sites.
    std::vector<std::pair<std::string, std::string>> hosts;
    HostFixture() {
        const auto psl = text::PublicSuffixList::load();
        for (const char* host : {"vietcombank-xacthuc-taikhoan.top", "secure.login.acb-online24h.xyz",
                                 "xn--vietcmbank-xyz.com", "203.0.113.7", "online.mbbank.com.vn", "vnexpress.net",
                                 "www.shopee.vn", "nhanqua-tet2026.example.com"})
            hosts.emplace_back(host, psl.registrable_domain(host));
    }
};

void BM_HostModelInference(benchmark::State& state) {
    static const HostFixture f;
    std::size_t i = 0;
    double sum = 0;
    for (auto _ : state) {
        const auto& [host, domain] = f.hosts[i++ % f.hosts.size()];
        sum += f.model.probability(detect::HostInput{host, domain});
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HostModelInference);

}  // namespace

BENCHMARK_MAIN();
