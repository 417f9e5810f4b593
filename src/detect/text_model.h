#pragma once
// A trained text model: logistic regression over hashed character n-grams of the de-obfuscated
// view, word n-grams of the folded view and entity markers (URLs and their shape, phone and
// account numbers, amounts of money). It turns one SMS into a probability of scam, one signal
// beside the signatures; the policy turns the probability into a score (docs/policy.md).
//
// The features are defined once, here, and used by both inference and the trainer
// (tools/train), so a model can never be scored on features it was not trained on.
// File format: docs/detection.md, "Model file". A TextModel is immutable once loaded: share it
// between threads. Inference allocates nothing.
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

class TextModel {
public:
    // Throws ModelError "PATH: what is wrong" for a missing, malformed, truncated, wrong-version
    // or corrupted (checksum) file.
    static TextModel load(const std::string& path);
    static TextModel parse(std::string_view bytes, const std::string& origin);

    const ModelHeader& header() const { return header_; }
    const std::string& path() const { return path_; }
    double probability(const ModelInput& input) const;
    // The raw decision value (log-odds) before the logistic function.
    double decision(const ModelInput& input) const;

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

template <typename Emit>
std::size_t char_ngrams(const ModelFeatureSettings& s, std::string_view text, unsigned shift, Emit& emit) {
    // Padded with one space either side so word starts and ends are n-grams of their own.
    const std::size_t length = text.size() + 2;
    auto at = [&](std::size_t i) -> unsigned char {
        return (i == 0 || i == length - 1) ? ' ' : shape(static_cast<unsigned char>(text[i - 1]));
    };
    std::size_t count = 0;
    for (std::size_t start = 0; start < length; ++start) {
        std::uint32_t hash = kCharSeed;
        for (unsigned n = 1; n <= s.char_max && start + n <= length; ++n) {
            hash = fnv_step(hash, at(start + n - 1));
            if (n >= s.char_min) {
                emit(slot(hash ^ n, shift));
                ++count;
            }
        }
    }
    return count;
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

}  // namespace model_detail

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
