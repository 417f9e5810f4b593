#pragma once
// The pieces of the campaign fingerprint (behaviour.h: campaign_fingerprint), exposed for tests.
#include <cstdint>
#include <string_view>
#include <vector>

namespace scamgate::behaviour {

inline constexpr std::string_view kNumberToken = "#";
inline constexpr std::string_view kUrlToken = "<url>";
inline constexpr std::string_view kEmailToken = "<email>";

// The masked words of a folded text, in order (views into `folded` or the mask tokens above).
//  - Words are split on ASCII white space; a word holding "://" or "www.", or a '.' between a
//    letter or digit and two ASCII letters ("vcb-secure.com/x", "bit.ly"), is one URL token; a
//    word with an '@' between letters or digits is one e-mail token.
//  - Other words are split further on every byte that is not a letter or a digit. Letters are
//    ASCII letters and every byte >= 0x80, so non-ASCII words (Vietnamese before folding, Thai,
//    Cyrillic) stay whole.
//  - A token holding a digit becomes "#"; consecutive "#" merge into one, so a phone number
//    written "0912 345 678" or an amount "5.000.000" is one "#" however it is grouped.
// Names are not masked (nothing in a folded text tells a name from a word): a text differing by
// a name differs by one token, which the SimHash distance absorbs in longer texts only.
std::vector<std::string_view> campaign_tokens(std::string_view folded);

// 64-bit SimHash over the XXH3 hashes of word 2-shingles (one shingle for a one-token text).
std::uint64_t simhash_of_tokens(const std::vector<std::string_view>& tokens);

}  // namespace scamgate::behaviour
