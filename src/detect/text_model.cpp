#include "detect/text_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "common/sha256.h"

namespace scamgate::detect {

namespace model_detail {

bool is_money_unit(std::string_view word) {
    // Folded units: Vietnamese (k = nghin, tr = trieu, ty, d = dong), English and ISO codes.
    static constexpr std::array<std::string_view, 20> kUnits = {
        "k",   "tr",  "trieu", "ty",  "d",   "dong", "vnd", "vnđ", "usd",  "eur",
        "gbp", "p",   "m",     "cu",  "xu",  "nghin", "ngan", "lit", "pound", "pounds"};
    return std::find(kUnits.begin(), kUnits.end(), word) != kUnits.end();
}

bool is_ip_host(std::string_view host) {
    if (!host.empty() && host.front() == '[') return true;
    return !host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos;
}

std::string_view top_label(std::string_view host) {
    const auto dot = host.rfind('.');
    return dot == std::string_view::npos ? host : host.substr(dot + 1);
}

std::size_t host_depth(const text::UrlMention& url) {
    // Labels in front of the registrable domain: "secure.login.vcb-x.top" -> 2.
    if (url.registrable_domain.empty() || url.host.size() <= url.registrable_domain.size()) return 0;
    const auto prefix = std::string_view(url.host).substr(0, url.host.size() - url.registrable_domain.size());
    return static_cast<std::size_t>(std::count(prefix.begin(), prefix.end(), '.'));
}

}  // namespace model_detail

std::string_view kind_name(ModelKind kind) {
    switch (kind) {
        case ModelKind::sms_text: return "sms_text";
        case ModelKind::url_host: return "url_host";
    }
    return "sms_text";
}

namespace {

constexpr std::string_view kMagic = "scamgate-model";

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
    throw ModelError(fmt::format("{}: {}", origin, what));
}

std::vector<std::string> split_list(std::string_view value) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= value.size()) {
        auto end = value.find(',', start);
        if (end == std::string_view::npos) end = value.size();
        auto item = value.substr(start, end - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) items.emplace_back(item);
        start = end + 1;
    }
    return items;
}

unsigned parse_unsigned(const std::string& origin, std::string_view key, std::string_view value, unsigned lo,
                        unsigned hi) {
    unsigned number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc{} || end != value.data() + value.size() || number < lo || number > hi)
        fail(origin, fmt::format("{}: '{}' is not a number in {}..{}", key, value, lo, hi));
    return number;
}

// "2-5" -> {2, 5}
std::pair<unsigned, unsigned> parse_range(const std::string& origin, std::string_view key, std::string_view value,
                                          unsigned hi) {
    const auto dash = value.find('-');
    if (dash == std::string_view::npos) fail(origin, fmt::format("{}: '{}' is not a range MIN-MAX", key, value));
    const auto lo = parse_unsigned(origin, key, value.substr(0, dash), 1, hi);
    const auto up = parse_unsigned(origin, key, value.substr(dash + 1), lo, hi);
    return {lo, up};
}

float parse_float(const std::string& origin, std::string_view key, std::string_view value) {
    // from_chars for floating point is in libstdc++ 11+, and locale-independent.
    float number = 0.0F;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc{} || end != value.data() + value.size() || !std::isfinite(number))
        fail(origin, fmt::format("{}: '{}' is not a finite number", key, value));
    return number;
}

bool is_hex_sha256(std::string_view value) {
    return value.size() == 64 && value.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

struct HeaderFields {
    std::map<std::string, std::string, std::less<>> values;
    std::size_t body_offset = 0;
};

// "scamgate-model 1\n", then "key: value" lines up to an empty line; the weights follow.
HeaderFields read_header_lines(std::string_view bytes, const std::string& origin) {
    constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
    const auto end = bytes.substr(0, kMaxHeaderBytes).find("\n\n");
    if (!bytes.starts_with(kMagic)) fail(origin, "not a scamgate model file (it must start with 'scamgate-model')");
    if (end == std::string_view::npos) fail(origin, "truncated or malformed header: no empty line ends it");
    std::string_view header = bytes.substr(0, end + 1);
    const auto first_end = header.find('\n');
    const auto version_text = header.substr(kMagic.size(), first_end - kMagic.size());
    if (version_text.size() < 2 || version_text.front() != ' ')
        fail(origin, "first line must be 'scamgate-model VERSION'");
    int version = 0;
    const auto [ptr, error] = std::from_chars(version_text.data() + 1, version_text.data() + version_text.size(), version);
    if (error != std::errc{} || ptr != version_text.data() + version_text.size())
        fail(origin, fmt::format("bad format version '{}'", version_text.substr(1)));
    if (version != kModelFormatVersion)
        fail(origin, fmt::format("model format version {} is not supported (this scamgate reads version {}); "
                                 "retrain with tools/train/train-model",
                                 version, kModelFormatVersion));
    HeaderFields fields;
    header.remove_prefix(first_end + 1);
    int line_number = 1;
    while (!header.empty()) {
        ++line_number;
        const auto line_end = header.find('\n');
        const auto line = header.substr(0, line_end);
        header.remove_prefix(line_end + 1);
        const auto colon = line.find(": ");
        if (colon == std::string_view::npos || colon == 0)
            fail(origin, fmt::format("header line {}: expected 'key: value'", line_number));
        if (!fields.values.emplace(std::string(line.substr(0, colon)), std::string(line.substr(colon + 2))).second)
            fail(origin, fmt::format("header line {}: '{}' given twice", line_number, line.substr(0, colon)));
    }
    fields.body_offset = end + 2;
    return fields;
}

const std::string& required(const HeaderFields& fields, const std::string& origin, std::string_view key) {
    const auto it = fields.values.find(key);
    if (it == fields.values.end() || it->second.empty()) fail(origin, fmt::format("header has no '{}'", key));
    return it->second;
}

ModelKind kind_of(const HeaderFields& fields, const std::string& origin) {
    const auto it = fields.values.find("kind");
    if (it == fields.values.end()) return ModelKind::sms_text;  // files written before host models
    for (auto kind : {ModelKind::sms_text, ModelKind::url_host})
        if (it->second == kind_name(kind)) return kind;
    fail(origin, fmt::format("kind: '{}' is not a model kind (sms_text or url_host)", it->second));
}

ModelHeader header_of(const HeaderFields& fields, const std::string& origin) {
    ModelHeader h;
    h.kind = kind_of(fields, origin);
    h.name = required(fields, origin, "name");
    h.version = required(fields, origin, "version");
    h.languages = split_list(required(fields, origin, "languages"));
    std::tie(h.features.char_min, h.features.char_max) =
        parse_range(origin, "char_ngrams", required(fields, origin, "char_ngrams"), kMaxCharNgram);
    std::tie(h.features.word_min, h.features.word_max) =
        parse_range(origin, "word_ngrams", required(fields, origin, "word_ngrams"), kMaxWordNgram);
    h.features.hash_bits = parse_unsigned(origin, "hash_bits", required(fields, origin, "hash_bits"), kMinHashBits,
                                          kMaxHashBits);
    const auto& markers = required(fields, origin, "markers");
    if (markers != "true" && markers != "false") fail(origin, "markers: must be true or false");
    h.features.markers = markers == "true";
    h.training_sha256 = required(fields, origin, "training_sha256");
    if (!is_hex_sha256(h.training_sha256)) fail(origin, "training_sha256: not 64 lower-case hex digits");
    h.training_rows = parse_unsigned(origin, "training_rows", required(fields, origin, "training_rows"), 1, 100'000'000);
    h.trainer = required(fields, origin, "trainer");
    h.bias = parse_float(origin, "bias", required(fields, origin, "bias"));
    h.weights_sha256 = required(fields, origin, "weights_sha256");
    if (!is_hex_sha256(h.weights_sha256)) fail(origin, "weights_sha256: not 64 lower-case hex digits");
    const auto expected = std::to_string(std::size_t{1} << h.features.hash_bits) + " float32le";
    if (required(fields, origin, "weights") != expected)
        fail(origin, fmt::format("weights: '{}' does not match hash_bits {} (expected '{}')",
                                 required(fields, origin, "weights"), h.features.hash_bits, expected));
    return h;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, fmt::format("cannot open: {}", std::strerror(errno)));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) fail(path, "read error");
    return std::move(bytes).str();
}

}  // namespace

TextModel TextModel::parse(std::string_view bytes, const std::string& origin, ModelKind expected) {
    const auto fields = read_header_lines(bytes, origin);
    TextModel model;
    model.header_ = header_of(fields, origin);
    if (model.header_.kind != expected)
        fail(origin, fmt::format("kind: {} where a model of kind {} is needed", kind_name(model.header_.kind),
                                 kind_name(expected)));
    model.path_ = origin;
    const std::size_t count = std::size_t{1} << model.header_.features.hash_bits;
    const auto body = bytes.substr(fields.body_offset);
    if (body.size() != count * sizeof(float))
        fail(origin, fmt::format("{} weight bytes where the header announces {} ({})", body.size(),
                                 count * sizeof(float), body.size() < count * sizeof(float) ? "truncated" : "trailing data"));
    if (sha256_hex(body) != model.header_.weights_sha256)
        fail(origin, "weights do not match weights_sha256: the file is corrupted or was edited");
    model.weights_.resize(count);
    // The file is little-endian; so is every platform scamgate builds on (x86-64, arm64).
    static_assert(std::endian::native == std::endian::little, "model weights are read as little-endian floats");
    std::memcpy(model.weights_.data(), body.data(), body.size());
    for (float w : model.weights_)
        if (!std::isfinite(w)) fail(origin, "a weight is not a finite number");
    return model;
}

TextModel TextModel::load(const std::string& path, ModelKind expected) { return parse(read_file(path), path, expected); }

namespace {

// The sum of the weights of a stream of feature indexes, added in the order they come (so the
// result is the same to the last bit), but looked up in batches: hashing the features and
// fetching their weights from the table no longer wait on each other.
class WeightSum {
public:
    explicit WeightSum(const float* weights) : weights_(weights) {}
    void add(std::uint32_t index) {
        pending_[held_++] = index;
        if (held_ == pending_.size()) flush();
    }
    double total() {
        flush();
        return sum_;
    }

private:
    void flush() {
        for (std::size_t k = 0; k < held_; ++k) sum_ += weights_[pending_[k]];
        held_ = 0;
    }
    const float* weights_;
    std::array<std::uint32_t, 128> pending_;  // [0, held_) are set: no need to clear it per call
    std::size_t held_ = 0;
    double sum_ = 0.0;
};

}  // namespace

double TextModel::decision(const ModelInput& input) const {
    // Each occurrence counts 1/sqrt(n): the feature vector is scaled to unit length when every
    // feature is distinct (near enough for text), so long and short messages score alike.
    WeightSum sum(weights_.data());
    const auto n = for_each_model_feature(header_.features, input, [&](std::uint32_t index) { sum.add(index); });
    if (n == 0) return header_.bias;
    return header_.bias + sum.total() / std::sqrt(static_cast<double>(n));
}

double TextModel::probability(const ModelInput& input) const { return 1.0 / (1.0 + std::exp(-decision(input))); }

double TextModel::decision(const HostInput& input) const {
    // The same 1/sqrt(n) scaling as for texts (the trainer applies it too).
    WeightSum sum(weights_.data());
    const auto n = for_each_host_feature(header_.features, input, [&](std::uint32_t index) { sum.add(index); });
    if (n == 0) return header_.bias;
    return header_.bias + sum.total() / std::sqrt(static_cast<double>(n));
}

double TextModel::probability(const HostInput& input) const { return 1.0 / (1.0 + std::exp(-decision(input))); }

std::string serialize_model(ModelHeader h, std::span<const float> weights) {
    if (weights.size() != (std::size_t{1} << h.features.hash_bits))
        throw ModelError(fmt::format("serialize_model: {} weights for hash_bits {}", weights.size(), h.features.hash_bits));
    const std::string_view body(reinterpret_cast<const char*>(weights.data()), weights.size_bytes());
    h.weights_sha256 = sha256_hex(body);
    std::string languages;
    for (const auto& language : h.languages) languages += (languages.empty() ? "" : ", ") + language;
    std::string out = fmt::format("{} {}\n", kMagic, kModelFormatVersion);
    // sms_text files carry no kind line: they stay byte-identical to those written before it.
    if (h.kind != ModelKind::sms_text) out += fmt::format("kind: {}\n", kind_name(h.kind));
    out += fmt::format("name: {}\nversion: {}\nlanguages: {}\n", h.name, h.version, languages);
    out += fmt::format("char_ngrams: {}-{}\nword_ngrams: {}-{}\nhash_bits: {}\nmarkers: {}\n", h.features.char_min,
                       h.features.char_max, h.features.word_min, h.features.word_max, h.features.hash_bits,
                       h.features.markers ? "true" : "false");
    out += fmt::format("training_sha256: {}\ntraining_rows: {}\ntrainer: {}\n", h.training_sha256, h.training_rows,
                       h.trainer);
    out += fmt::format("bias: {}\nweights: {} float32le\nweights_sha256: {}\n\n", h.bias, weights.size(),
                       h.weights_sha256);
    out += body;
    return out;
}

}  // namespace scamgate::detect
