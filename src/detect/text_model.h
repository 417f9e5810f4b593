#pragma once
// A trained text model: logistic regression over hashed character n-grams of the de-obfuscated
// view, word n-grams of the folded view and entity markers (URLs and their shape, phone and
// account numbers, amounts of money). It turns one SMS into a probability of scam, one signal
// beside the signatures; the policy turns the probability into a score (docs/policy.md).
//
// The same file format and loader carry a second kind of model, on URL host names (kind
// url_host): character n-grams of the host, its labels as tokens and markers of its shape (TLD,
// depth, digits, hyphens, length, IP, punycode). It gives the probability that a host serves
// phishing (check url.phishing_host, docs/detection.md "The host model").
//
// The features are defined once, here, and used by both inference and the trainer
// (tools/train), so a model can never be scored on features it was not trained on.
// File format: docs/detection.md, "Model file". A TextModel is immutable once loaded: share it
// between threads. Inference allocates nothing.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "text/extract.h"

namespace scamgate::detect {

class ModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The file format version this build reads and writes (first line "scamgate-model 1").
inline constexpr int kModelFormatVersion = 1;

// What a model reads: an SMS text, or one URL host. The header's optional "kind" line names it;
// files without one (all written before host models existed) are sms_text.
enum class ModelKind { sms_text, url_host };
std::string_view kind_name(ModelKind kind);

struct ModelFeatureSettings {
    unsigned char_min = 3;   // character n-grams of the de-obfuscated view, padded with one space
    unsigned char_max = 5;
    unsigned word_min = 1;   // word n-grams of the folded view
    unsigned word_max = 2;
    unsigned hash_bits = 16; // 2^hash_bits weights
    bool markers = true;     // entity markers (see for_each_model_feature)
};

// Bounds on the settings a file may ask for: keep inference cheap and the weight table small.
inline constexpr unsigned kMaxCharNgram = 8;
inline constexpr unsigned kMaxWordNgram = 3;
inline constexpr unsigned kMinHashBits = 10;
inline constexpr unsigned kMaxHashBits = 24;

struct ModelHeader {
    ModelKind kind = ModelKind::sms_text;
    std::string name;
    std::string version;
    std::vector<std::string> languages;
    ModelFeatureSettings features;
    std::string training_sha256;   // of the training rows as the trainer read them
    std::size_t training_rows = 0;
    std::string trainer;           // how it was trained (tool, solver, C, seed)
    float bias = 0.0F;
    std::string weights_sha256;    // of the weight bytes that follow the header
};

// What the model reads from one SMS: the views and the extraction results the detector already has.
struct ModelInput {
    std::string_view folded;
    std::string_view deobfuscated;
    std::span<const text::UrlMention> urls;
    std::span<const text::NumberMention> phone_numbers;
    std::span<const text::NumberMention> accounts;
};

// Calls `emit(index)` once per feature occurrence, index < 2^hash_bits. Returns the number of
// occurrences. Texts longer than kMaxModelTextBytes are read up to that length.
inline constexpr std::size_t kMaxModelTextBytes = 2048;
template <typename Emit>
std::size_t for_each_model_feature(const ModelFeatureSettings& settings, const ModelInput& input, Emit&& emit);

// What the host model reads: one lower-case URL host and its registrable domain (UrlMention).
struct HostInput {
    std::string_view host;
    std::string_view registrable_domain;
};
// The longest DNS name; longer hosts are read up to this length.
inline constexpr std::size_t kMaxModelHostBytes = 253;
// The url_host features of one host (less a leading "www."): character n-grams (char_ngrams) of
// the host padded with one space, its labels split on '.' and '-' as tokens and token n-grams (word_ngrams), and markers
// (markers: true) of its TLD, public suffix, depth, digits, hyphens, length, IP and punycode.
template <typename Emit>
std::size_t for_each_host_feature(const ModelFeatureSettings& settings, const HostInput& input, Emit&& emit);

class TextModel {
public:
    // Throws ModelError "PATH: what is wrong" for a missing, malformed, truncated, wrong-version
    // or corrupted (checksum) file, and for a model of another kind than `expected`.
    static TextModel load(const std::string& path, ModelKind expected = ModelKind::sms_text);
    static TextModel parse(std::string_view bytes, const std::string& origin, ModelKind expected = ModelKind::sms_text);

    const ModelHeader& header() const { return header_; }
    const std::string& path() const { return path_; }
    // sms_text models.
    double probability(const ModelInput& input) const;
    // The raw decision value (log-odds) before the logistic function.
    double decision(const ModelInput& input) const;
    // url_host models.
    double probability(const HostInput& input) const;
    double decision(const HostInput& input) const;

private:
    ModelHeader header_;
    std::string path_;
    std::vector<float> weights_;
};

// The file bytes for a header and weights (weights.size() must be 2^hash_bits); fills in
// weights_sha256. Used by the trainer and by tests.
std::string serialize_model(ModelHeader header, std::span<const float> weights);

// --- feature hashing (header-only so inference inlines it) ---------------------------------

namespace model_detail {

inline constexpr std::uint32_t kFnvOffset = 2166136261U;
inline constexpr std::uint32_t kFnvPrime = 16777619U;

inline std::uint32_t fnv_step(std::uint32_t hash, unsigned char byte) { return (hash ^ byte) * kFnvPrime; }

inline std::uint32_t fnv(std::uint32_t seed, std::string_view bytes) {
    std::uint32_t hash = seed;
    for (unsigned char c : bytes) hash = fnv_step(hash, c);
    return hash;
}

// The table index of a feature hash: Fibonacci hashing (multiply by 2^32 / golden ratio, keep the
// top bits), one multiplication that spreads nearby FNV values over the whole table.
inline std::uint32_t slot(std::uint32_t hash, unsigned shift) { return (hash * 0x9E3779B1U) >> shift; }

// Digits all become '0': amounts, phone numbers and codes generalise by their shape.
inline unsigned char shape(unsigned char c) { return (c >= '1' && c <= '9') ? '0' : c; }

inline bool word_byte(unsigned char c) { return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

// Seeds keep the feature families apart in the one table.
inline constexpr std::uint32_t kCharSeed = kFnvOffset;
inline constexpr std::uint32_t kWordSeed = 0x9e3779b9U;
inline constexpr std::uint32_t kMarkerSeed = 0x7f4a7c15U;

// "k", "tr", "trieu", "dong", "vnd", "usd", "$", ... (lower case, folded): model_text.cpp.
bool is_money_unit(std::string_view word);

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// An amount of money: digits with a unit in the same word ("500k", "5tr") or in the next one
// ("500 000 dong"; the folded view splits "500.000d" into "500" and "000d").
inline bool is_amount(std::string_view previous, std::string_view word) {
    if (is_digit(word.front())) {
        const auto unit = word.find_first_not_of("0123456789");
        return unit != std::string_view::npos && is_money_unit(word.substr(unit));
    }
    return !previous.empty() && is_digit(previous.back()) && is_money_unit(word);
}

template <typename Emit>
std::size_t emit_marker(std::string_view name, unsigned shift, Emit& emit) {
    emit(slot(fnv(kMarkerSeed, name), shift));
    return 1;
}

// Character n-grams of `text` with every byte read through `read` (digit shapes, case), padded
// with one space either side so word and host starts and ends are n-grams of their own. Shared
// by the SMS text features and the host features: one hashing for both.
// Callers pass at most kMaxModelTextBytes (longer text is read up to that length): the padded,
// read bytes are made once into a buffer on the stack, since every byte is part of up to
// char_max n-grams.
template <typename Read, typename Emit>
std::size_t padded_char_ngrams(const ModelFeatureSettings& s, std::string_view text, unsigned shift, Read read,
                               Emit& emit) {
    text = text.substr(0, kMaxModelTextBytes);
    std::array<unsigned char, kMaxModelTextBytes + 2> padded;
    const std::size_t length = text.size() + 2;
    padded[0] = ' ';
    for (std::size_t i = 0; i < text.size(); ++i) padded[i + 1] = read(static_cast<unsigned char>(text[i]));
    padded[length - 1] = ' ';
    std::size_t count = 0;
    for (std::size_t start = 0; start < length; ++start) {
        std::uint32_t hash = kCharSeed;
        for (unsigned n = 1; n <= s.char_max && start + n <= length; ++n) {
            hash = fnv_step(hash, padded[start + n - 1]);
            if (n >= s.char_min) {
                emit(slot(hash ^ n, shift));
                ++count;
            }
        }
    }
    return count;
}

template <typename Emit>
std::size_t char_ngrams(const ModelFeatureSettings& s, std::string_view text, unsigned shift, Emit& emit) {
    return padded_char_ngrams(s, text, shift, [](unsigned char c) { return shape(c); }, emit);
}

template <typename Emit>
std::size_t word_ngrams(const ModelFeatureSettings& s, std::string_view text, unsigned shift, Emit& emit) {
    std::uint32_t recent[kMaxWordNgram] = {};  // hashes of the last words, newest first
    unsigned held = 0;
    std::size_t count = 0;
    std::string_view previous_word;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && !word_byte(static_cast<unsigned char>(text[i]))) ++i;
        const std::size_t begin = i;
        std::uint32_t hash = kWordSeed;
        while (i < text.size() && word_byte(static_cast<unsigned char>(text[i])))
            hash = fnv_step(hash, shape(static_cast<unsigned char>(text[i++])));
        if (i == begin) break;
        const std::string_view word = text.substr(begin, i - begin);
        if (s.markers && is_amount(previous_word, word)) count += emit_marker("#money", shift, emit);
        previous_word = word;
        for (unsigned k = kMaxWordNgram - 1; k > 0; --k) recent[k] = recent[k - 1];
        recent[0] = hash;
        held = std::min(held + 1, kMaxWordNgram);
        std::uint32_t gram = 0;
        for (unsigned n = 1; n <= s.word_max && n <= held; ++n) {
            gram = n == 1 ? recent[0] : (gram * kFnvPrime) ^ recent[n - 1];
            if (n >= s.word_min) {
                emit(slot(gram ^ (n << 24), shift));
                ++count;
            }
        }
    }
    return count;
}

std::size_t host_depth(const text::UrlMention& url);
bool is_ip_host(std::string_view host);
std::string_view top_label(std::string_view host);

template <typename Emit>
std::size_t markers(const ModelInput& in, unsigned shift, Emit& emit) {
    std::size_t count = 0;
    for (const auto& url : in.urls) {
        count += emit_marker("#url", shift, emit);
        if (url.obfuscated) count += emit_marker("#url_obfuscated", shift, emit);
        if (!url.had_scheme) count += emit_marker("#url_no_scheme", shift, emit);
        if (is_ip_host(url.host)) {
            count += emit_marker("#url_ip", shift, emit);
            continue;
        }
        // The top-level label as a token: the model learns which ones carry scams.
        char tld[40] = "#tld=";
        const auto top = top_label(url.host).substr(0, sizeof tld - 6);
        top.copy(tld + 5, top.size());
        count += emit_marker(std::string_view(tld, 5 + top.size()), shift, emit);
        static constexpr std::string_view kDepth[] = {"#host_depth=0", "#host_depth=1", "#host_depth=2",
                                                      "#host_depth=3+"};
        count += emit_marker(kDepth[std::min<std::size_t>(host_depth(url), 3)], shift, emit);
    }
    for (const auto& number : in.phone_numbers)
        count += emit_marker(number.international ? "#phone_international" : "#phone", shift, emit);
    for (std::size_t i = 0; i < in.accounts.size(); ++i) count += emit_marker("#account", shift, emit);
    return count;
}

// --- host features ---

inline unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c; }

// "#name=" + value (bounded) as one marker.
template <typename Emit>
std::size_t emit_valued_marker(std::string_view name, std::string_view value, unsigned shift, Emit& emit) {
    char buffer[64];
    const auto head = name.substr(0, 16);
    const auto tail = value.substr(0, sizeof buffer - head.size());
    head.copy(buffer, head.size());
    for (std::size_t i = 0; i < tail.size(); ++i) buffer[head.size() + i] = static_cast<char>(lower(static_cast<unsigned char>(tail[i])));
    return emit_marker(std::string_view(buffer, head.size() + tail.size()), shift, emit);
}

// The bucket of `value` in ascending upper bounds, as "#name=I".
template <typename Emit, std::size_t N>
std::size_t emit_bucket(std::string_view name, std::size_t value, const std::size_t (&bounds)[N], unsigned shift, Emit& emit) {
    std::size_t bucket = 0;
    while (bucket < N && value > bounds[bucket]) ++bucket;
    const char digit[1] = {static_cast<char>('0' + bucket)};
    return emit_valued_marker(name, std::string_view(digit, 1), shift, emit);
}

// Labels split on '.' and '-' (any byte not a letter, digit or UTF-8 byte), lower-cased, digits
// shaped, as tokens and token n-grams up to s.word_max.
template <typename Emit>
std::size_t host_tokens(const ModelFeatureSettings& s, std::string_view host, unsigned shift, Emit& emit) {
    std::uint32_t recent[kMaxWordNgram] = {};
    unsigned held = 0;
    std::size_t count = 0;
    std::size_t i = 0;
    auto token_byte = [](unsigned char c) { return word_byte(lower(c)); };
    while (i < host.size()) {
        while (i < host.size() && !token_byte(static_cast<unsigned char>(host[i]))) ++i;
        const std::size_t begin = i;
        std::uint32_t hash = kWordSeed;
        while (i < host.size() && token_byte(static_cast<unsigned char>(host[i])))
            hash = fnv_step(hash, shape(lower(static_cast<unsigned char>(host[i++]))));
        if (i == begin) break;
        for (unsigned k = kMaxWordNgram - 1; k > 0; --k) recent[k] = recent[k - 1];
        recent[0] = hash;
        held = std::min(held + 1, kMaxWordNgram);
        std::uint32_t gram = 0;
        for (unsigned n = 1; n <= s.word_max && n <= held; ++n) {
            gram = n == 1 ? recent[0] : (gram * kFnvPrime) ^ recent[n - 1];
            if (n >= s.word_min) {
                emit(slot(gram ^ (n << 24), shift));
                ++count;
            }
        }
    }
    return count;
}

template <typename Emit>
std::size_t host_char_ngrams(const ModelFeatureSettings& s, std::string_view host, unsigned shift, Emit& emit) {
    return padded_char_ngrams(s, host, shift, [](unsigned char c) { return shape(lower(c)); }, emit);
}

template <typename Emit>
std::size_t host_markers(const HostInput& in, unsigned shift, Emit& emit) {
    const auto host = in.host;
    if (is_ip_host(host)) return emit_marker("#host_ip", shift, emit);
    std::size_t count = emit_valued_marker("#tld=", top_label(host), shift, emit);
    // The public suffix ("com.vn", "top"): what follows the registrable domain's first label.
    const auto rd = in.registrable_domain.size() <= host.size() ? in.registrable_domain : std::string_view();
    const auto suffix_dot = rd.find('.');
    if (suffix_dot != std::string_view::npos) count += emit_valued_marker("#suffix=", rd.substr(suffix_dot + 1), shift, emit);
    // Labels in front of the registrable domain ("secure.login.vcb-x.top" -> 2).
    std::size_t depth = 0;
    if (!rd.empty() && host.size() > rd.size())
        depth = static_cast<std::size_t>(std::count(host.begin(), host.end() - static_cast<std::ptrdiff_t>(rd.size()), '.'));
    static constexpr std::size_t kDepth[] = {0, 1, 2};
    static constexpr std::size_t kDigits[] = {0, 2, 5};
    static constexpr std::size_t kHyphens[] = {0, 1, 2};
    static constexpr std::size_t kLength[] = {8, 12, 16, 22, 30, 45};
    count += emit_bucket("#depth=", depth, kDepth, shift, emit);
    count += emit_bucket("#digits=", static_cast<std::size_t>(std::count_if(host.begin(), host.end(), [](char c) { return is_digit(c); })),
                         kDigits, shift, emit);
    count += emit_bucket("#hyphens=", static_cast<std::size_t>(std::count(host.begin(), host.end(), '-')), kHyphens, shift, emit);
    count += emit_bucket("#length=", host.size(), kLength, shift, emit);
    if (host.starts_with("xn--") || host.find(".xn--") != std::string_view::npos) count += emit_marker("#punycode", shift, emit);
    if (std::any_of(host.begin(), host.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
        count += emit_marker("#host_utf8", shift, emit);
    return count;
}

}  // namespace model_detail

template <typename Emit>
std::size_t for_each_host_feature(const ModelFeatureSettings& settings, const HostInput& input, Emit&& emit) {
    const unsigned shift = 32 - settings.hash_bits;
    // A leading "www." is read as absent: legitimate sites answer with and without it, and the
    // training lists write it for phishing hosts far more often than for legitimate ones (a trait
    // of how they were collected, not of phishing), so it must teach the model nothing.
    auto host = input.host.substr(0, kMaxModelHostBytes);
    if (host.size() > 4 && (host.starts_with("www.") || host.starts_with("WWW."))) host.remove_prefix(4);
    const HostInput bounded{host, input.registrable_domain.substr(0, kMaxModelHostBytes)};
    std::size_t count = 0;
    count += model_detail::host_char_ngrams(settings, bounded.host, shift, emit);
    count += model_detail::host_tokens(settings, bounded.host, shift, emit);
    if (settings.markers) count += model_detail::host_markers(bounded, shift, emit);
    return count;
}

template <typename Emit>
std::size_t for_each_model_feature(const ModelFeatureSettings& settings, const ModelInput& input, Emit&& emit) {
    const unsigned shift = 32 - settings.hash_bits;
    std::size_t count = 0;
    count += model_detail::char_ngrams(settings, input.deobfuscated.substr(0, kMaxModelTextBytes), shift, emit);
    count += model_detail::word_ngrams(settings, input.folded.substr(0, kMaxModelTextBytes), shift, emit);
    if (settings.markers) count += model_detail::markers(input, shift, emit);
    return count;
}

}  // namespace scamgate::detect
