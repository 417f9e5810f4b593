// scamgate-train: fits the SMS text model or the URL host model (detect/text_model.h, --kind) on
// labelled rows and writes the model file. Logistic regression (L2-regularised, primal trust-region Newton) from liblinear
// (Debian liblinear-dev): a small, deterministic, well-tested solver, so the same rows always
// give the same model. The features come from the same code that scores them in scamgate.
//
// Input: TSV rows "LABEL<TAB>TEXT" (LABEL 1 = scam, 0 = legitimate), from --rows files, plus the
// examples of the signature packs given with --examples (text signatures only: examples.match
// as scam, examples.no_match as legitimate). tools/train/train-model prepares the rows.
// With --kind url_host the rows are "LABEL<TAB>HOST" (1 = phishing host) and --examples is not
// used; tools/train/train-host-model prepares them.
#include <linear.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "detect/detector.h"
#include "detect/signatures.h"
#include "detect/text_model.h"
#include "text/extract.h"

namespace sd = scamgate::detect;

namespace {

struct Row {
    int label = 0;
    std::string text;
};

struct Options {
    std::vector<std::string> rows;
    std::vector<std::string> examples;
    std::string out;
    std::string kind = "sms_text";
    std::string name = "sms-text";
    std::string version;
    std::string languages = "vi, en";
    std::string char_ngrams = "3-5";
    std::string word_ngrams = "1-2";
    unsigned hash_bits = 16;
    double cost = 4.0;
    double positive_weight = 1.0;
    std::string public_suffix_list = "/usr/share/publicsuffix/public_suffix_list.dat";
};

std::vector<Row> read_rows(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot open", path));
    std::vector<Row> rows;
    int line_number = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_number;
        if (line.empty()) continue;
        const auto tab = line.find('\t');
        if (tab != 1 || (line[0] != '0' && line[0] != '1'))
            throw std::runtime_error(fmt::format("{}:{}: expected 'LABEL<TAB>TEXT' with LABEL 0 or 1", path, line_number));
        rows.push_back({line[0] - '0', line.substr(2)});
    }
    return rows;
}

// Signature examples are texts the project wrote itself: each text signature's examples.match is
// a scam text, its examples.no_match a legitimate one that looks close; a notice.* signature's
// examples.match are legitimate notices.
std::vector<Row> example_rows(const std::vector<std::string>& packs) {
    std::vector<Row> rows;
    for (const auto& s : sd::load_packs(packs)) {
        if (!sd::is_text_field(s.field)) continue;
        if (s.category.starts_with("notice.")) {
            // A notice's examples are legitimate texts; its no_match ones are merely other texts.
            for (const auto& text : s.examples.match) rows.push_back({0, text});
            continue;
        }
        for (const auto& text : s.examples.match) rows.push_back({1, text});
        for (const auto& text : s.examples.no_match) rows.push_back({0, text});
    }
    return rows;
}

// The exact training data, one canonical line per row: what training_sha256 covers.
std::string canonical(const std::vector<Row>& rows) {
    std::string out;
    for (const auto& r : rows) out += fmt::format("{}\t{}\n", r.label, r.text);
    return out;
}

// One row's features as liblinear wants them: sorted unique 1-based indices, count/sqrt(n)
// (the scaling TextModel::decision applies), then the bias node and the terminator.
std::size_t row_indices(const Row& row, sd::ModelKind kind, const sd::ModelFeatureSettings& settings,
                        const scamgate::text::PublicSuffixList& psl, std::vector<std::uint32_t>& indices) {
    auto add = [&](std::uint32_t index) { indices.push_back(index); };
    if (kind == sd::ModelKind::url_host) {
        std::string host = row.text;
        std::transform(host.begin(), host.end(), host.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const auto domain = psl.registrable_domain(host);
        return sd::for_each_host_feature(settings, sd::HostInput{host, domain}, add);
    }
    const auto features = sd::sms_text_features(row.text, psl);
    return sd::for_each_model_feature(settings, sd::model_input(features), add);
}

std::vector<feature_node> features_of(const Row& row, sd::ModelKind kind, const sd::ModelFeatureSettings& settings,
                                      const scamgate::text::PublicSuffixList& psl, int bias_index) {
    std::vector<std::uint32_t> indices;
    const auto n = row_indices(row, kind, settings, psl, indices);
    std::sort(indices.begin(), indices.end());
    std::vector<feature_node> nodes;
    const double scale = n == 0 ? 0.0 : 1.0 / std::sqrt(static_cast<double>(n));
    for (std::size_t i = 0; i < indices.size();) {
        std::size_t j = i;
        while (j < indices.size() && indices[j] == indices[i]) ++j;
        nodes.push_back({static_cast<int>(indices[i]) + 1, static_cast<double>(j - i) * scale});
        i = j;
    }
    nodes.push_back({bias_index, 1.0});
    nodes.push_back({-1, 0.0});
    return nodes;
}

std::pair<unsigned, unsigned> range_of(const std::string& text, const char* what) {
    unsigned lo = 0;
    unsigned hi = 0;
    char dash = 0;
    std::istringstream in(text);
    if (!(in >> lo >> dash >> hi) || dash != '-' || lo == 0 || hi < lo)
        throw std::runtime_error(fmt::format("--{} '{}': expected MIN-MAX", what, text));
    return {lo, hi};
}

void quiet(const char*) {}

int train(const Options& o) {
    std::vector<Row> rows;
    for (const auto& path : o.rows) {
        auto more = read_rows(path);
        rows.insert(rows.end(), more.begin(), more.end());
    }
    auto examples = example_rows(o.examples);
    rows.insert(rows.end(), examples.begin(), examples.end());
    if (rows.empty()) throw std::runtime_error("no training rows");
    const auto positives = std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.label == 1; });
    if (positives == 0 || positives == static_cast<long>(rows.size()))
        throw std::runtime_error("training needs both labels");

    sd::ModelHeader header;
    if (o.kind == "url_host") header.kind = sd::ModelKind::url_host;
    else if (o.kind != "sms_text") throw std::runtime_error(fmt::format("--kind '{}': use sms_text or url_host", o.kind));
    header.name = o.name;
    header.version = o.version;
    std::istringstream languages(o.languages);
    for (std::string language; std::getline(languages, language, ',');) {
        language.erase(0, language.find_first_not_of(' '));
        if (!language.empty()) header.languages.push_back(language);
    }
    std::tie(header.features.char_min, header.features.char_max) = range_of(o.char_ngrams, "char-ngrams");
    std::tie(header.features.word_min, header.features.word_max) = range_of(o.word_ngrams, "word-ngrams");
    header.features.hash_bits = o.hash_bits;
    header.training_sha256 = scamgate::sha256_hex(canonical(rows));
    header.training_rows = rows.size();

    const auto psl = scamgate::text::PublicSuffixList::load(o.public_suffix_list);
    const int dimensions = 1 << o.hash_bits;
    std::vector<std::vector<feature_node>> nodes;
    nodes.reserve(rows.size());
    std::vector<feature_node*> x;
    std::vector<double> y;
    for (const auto& row : rows) {
        nodes.push_back(features_of(row, header.kind, header.features, psl, dimensions + 1));
        y.push_back(row.label == 1 ? 1.0 : -1.0);
    }
    for (auto& n : nodes) x.push_back(n.data());

    problem prob{};
    prob.l = static_cast<int>(rows.size());
    prob.n = dimensions + 1;  // the last feature is the bias (value 1 in every row)
    prob.y = y.data();
    prob.x = x.data();
    prob.bias = -1;           // the bias is already a feature: liblinear must not add another
    parameter param{};
    param.solver_type = L2R_LR;
    param.eps = 0.001;
    param.C = o.cost;
    // Scams are the rare class: a weight > 1 makes each one count as that many in the loss.
    int weight_labels[] = {1};
    double weights_of_labels[] = {o.positive_weight};
    param.nr_weight = 1;
    param.weight_label = weight_labels;
    param.weight = weights_of_labels;
    if (const char* error = check_parameter(&prob, &param)) throw std::runtime_error(fmt::format("liblinear: {}", error));
    set_print_string_function(quiet);
    model* fitted = train(&prob, &param);
    // Decision values are for the first label liblinear met; make them log-odds of scam.
    const double sign = fitted->label[0] == 1 ? 1.0 : -1.0;
    std::vector<float> weights(static_cast<std::size_t>(dimensions));
    for (int i = 0; i < dimensions; ++i) weights[static_cast<std::size_t>(i)] = static_cast<float>(sign * fitted->w[i]);
    header.bias = static_cast<float>(sign * fitted->w[dimensions]);
    free_and_destroy_model(&fitted);
    header.trainer = fmt::format("scamgate-train liblinear {} L2R_LR C={} positive_weight={} eps={}", liblinear_version,
                                 o.cost, o.positive_weight, param.eps);

    const auto bytes = sd::serialize_model(header, weights);
    std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error(fmt::format("{}: cannot write", o.out));
    out.close();
    sd::TextModel::load(o.out, header.kind);  // what was written must load
    std::cerr << fmt::format("scamgate-train: {} {} rows ({} positive), {} weights -> {}\n", rows.size(), o.kind, positives,
                             weights.size(), o.out);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Trains scamgate's SMS text or URL host model (logistic regression, liblinear) and writes the model file"};
    Options o;
    app.add_option("--rows", o.rows, "TSV files of 'LABEL<TAB>TEXT' rows (1 = scam)");
    app.add_option("--examples", o.examples, "signature packs (paths or globs) whose text examples are added");
    app.add_option("-o,--out", o.out, "model file to write")->required();
    app.add_option("--kind", o.kind, "sms_text (rows are SMS texts) or url_host (rows are URL hosts)")
        ->check(CLI::IsMember({"sms_text", "url_host"}))
        ->capture_default_str();
    app.add_option("--name", o.name, "model name")->capture_default_str();
    app.add_option("--version", o.version, "model version")->required();
    app.add_option("--languages", o.languages, "languages it was trained on, comma-separated")->capture_default_str();
    app.add_option("--char-ngrams", o.char_ngrams, "character n-gram lengths MIN-MAX")->capture_default_str();
    app.add_option("--word-ngrams", o.word_ngrams, "word n-gram lengths MIN-MAX")->capture_default_str();
    app.add_option("--hash-bits", o.hash_bits, "2^N weights")
        ->check(CLI::Range(sd::kMinHashBits, sd::kMaxHashBits))
        ->capture_default_str();
    app.add_option("-C,--cost", o.cost, "inverse regularisation strength")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--positive-weight", o.positive_weight, "weight of each scam row in the loss")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--public-suffix-list", o.public_suffix_list, "public suffix list file")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        return train(o);
    } catch (const std::exception& e) {
        std::cerr << "scamgate-train: " << e.what() << '\n';
        return 1;
    }
}
