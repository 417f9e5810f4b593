#include "behaviour/fingerprint.h"

#include <xxhash.h>

#include <array>

#include "behaviour/behaviour.h"

namespace scamgate::behaviour {
namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_ascii_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_letter(unsigned char c) { return is_ascii_letter(c) || c >= 0x80; }
bool is_word_byte(unsigned char c) { return is_letter(c) || is_digit(c); }

unsigned char at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

bool looks_like_url(std::string_view word) {
    if (word.find("://") != std::string_view::npos || word.find("www.") != std::string_view::npos) return true;
    for (std::size_t i = 1; i + 2 < word.size(); ++i) {
        if (word[i] == '.' && is_word_byte(at(word, i - 1)) && is_ascii_letter(at(word, i + 1)) &&
            is_ascii_letter(at(word, i + 2))) {
            return true;
        }
    }
    return false;
}

bool looks_like_email(std::string_view word) {
    const auto a = word.find('@');
    return a != std::string_view::npos && a > 0 && a + 1 < word.size() && is_word_byte(at(word, a - 1)) &&
           is_word_byte(at(word, a + 1));
}

void push_masked(std::vector<std::string_view>& tokens, std::string_view token) {
    if (token == kNumberToken && !tokens.empty() && tokens.back() == kNumberToken) return;
    tokens.push_back(token);
}

void split_word(std::vector<std::string_view>& tokens, std::string_view word) {
    std::size_t i = 0;
    while (i < word.size()) {
        while (i < word.size() && !is_word_byte(at(word, i))) ++i;
        const std::size_t begin = i;
        bool has_digit = false;
        while (i < word.size() && is_word_byte(at(word, i))) has_digit |= is_digit(at(word, i++));
        if (i > begin) push_masked(tokens, has_digit ? kNumberToken : word.substr(begin, i - begin));
    }
}

}  // namespace

std::vector<std::string_view> campaign_tokens(std::string_view folded) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < folded.size()) {
        while (i < folded.size() && is_space(at(folded, i))) ++i;
        const std::size_t begin = i;
        while (i < folded.size() && !is_space(at(folded, i))) ++i;
        if (i == begin) break;
        const std::string_view word = folded.substr(begin, i - begin);
        if (looks_like_email(word)) {  // before URLs: "help@bank.vn" holds a host too
            push_masked(tokens, kEmailToken);
        } else if (looks_like_url(word)) {
            push_masked(tokens, kUrlToken);
        } else {
            split_word(tokens, word);
        }
    }
    return tokens;
}

std::uint64_t simhash_of_tokens(const std::vector<std::string_view>& tokens) {
    std::array<int, 64> votes{};
    const auto vote = [&votes](std::uint64_t h) {
        for (std::size_t bit = 0; bit < 64; ++bit) votes[bit] += ((h >> bit) & 1u) != 0 ? 1 : -1;
    };
    if (tokens.size() == 1) vote(XXH3_64bits(tokens[0].data(), tokens[0].size()));
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        // The shingle (a, b) is hashed as b seeded by the hash of a: one XXH3 pass per shingle,
        // no concatenation.
        const std::uint64_t first = XXH3_64bits(tokens[i].data(), tokens[i].size());
        vote(XXH3_64bits_withSeed(tokens[i + 1].data(), tokens[i + 1].size(), first));
    }
    std::uint64_t fingerprint = 0;
    for (std::size_t bit = 0; bit < 64; ++bit) {
        if (votes[bit] > 0) fingerprint |= std::uint64_t{1} << bit;
    }
    return fingerprint;
}

std::optional<std::uint64_t> campaign_fingerprint(std::string_view folded_text, std::uint32_t min_tokens) {
    const auto tokens = campaign_tokens(folded_text);
    if (tokens.empty() || tokens.size() < min_tokens) return std::nullopt;
    return simhash_of_tokens(tokens);
}

}  // namespace scamgate::behaviour
