#pragma once
// Text views that scam-SMS signatures match against. One message gives three views:
//   raw          the text as valid UTF-8, NFC
//   folded       case, diacritics, compatibility forms, invisible characters and look-alike
//                letters removed (fold())
//   deobfuscated folded text with leetspeak and split letters undone (deobfuscate())
// Nothing here knows a language: the tables are Unicode properties plus a small documented
// table of look-alike letters. Pure functions: no state, safe from any thread.
#include <cstddef>
#include <string>
#include <string_view>

namespace scamgate::text {

struct NormalizeLimits {
    // Longer input: only the first max_input_bytes (cut back to a UTF-8 boundary) are viewed and
    // TextViews::truncated is set. Bounds the work per message on the hot path.
    std::size_t max_input_bytes = 16384;
};

struct TextViews {
    std::string raw;           // the input as valid UTF-8 (invalid sequences -> U+FFFD), NFC
    std::string folded;        // fold(raw)
    std::string deobfuscated;  // deobfuscate(folded)
    bool invalid_utf8 = false;
    bool truncated = false;
};

TextViews make_views(std::string_view input, const NormalizeLimits& limits = {});

// Only the raw view (valid UTF-8, NFC, bounded): for values that are matched as they are, such as
// SIP header values and SMS senders, without the cost of folding.
struct RawView {
    std::string text;
    bool invalid_utf8 = false;
    bool truncated = false;
};
RawView raw_view(std::string_view input, const NormalizeLimits& limits = {});

// Folds text for matching. In order, per code point:
//  - invalid UTF-8 -> U+FFFD;
//  - default-ignorable code points (zero-width space/joiners, U+2060, U+FEFF, soft hyphen,
//    variation selectors, Hangul fillers), format characters (Cf) and control characters (Cc)
//    are removed, except that tab, line feed, carriage return, VT, FF and NEL become spaces;
//  - full case folding, then compatibility decomposition (NFKD: full-width, ligatures, circled
//    and mathematical alphanumerics, superscripts), then nonspacing marks (Mn) are dropped, so
//    composed and decomposed input fold alike ("Khóa" == "Kho\u0301a" -> "khoa");
//  - letters with a stroke or bar that NFD does not split become their base letter
//    (đ -> d, ø -> o, ł -> l, ħ -> h, ...), æ -> ae, œ -> oe, dotless ı -> i;
//  - look-alike letters from Cyrillic and Greek become the Latin letter they imitate (table in
//    fold.cpp), but only inside a word that already holds a Latin letter or consists only of
//    look-alikes (and digits): "Vіеtсоmbаnk" with Cyrillic і е с о а -> "vietcombank", while
//    Russian or Greek words keep their own letters ("привет" stays "привет");
//  - every run of white space (Unicode Zs/Zl/Zp and the controls above) becomes one ASCII space,
//    and the result is trimmed.
// Hangul syllables are kept whole (they would otherwise decompose into jamo). Other scripts
// keep their letters, lower-cased; their nonspacing marks are dropped like Latin accents.
// The output is valid UTF-8 and never holds A-Z, two spaces in a row, or a leading or
// trailing space.
std::string fold(std::string_view utf8);

// Undoes common obfuscation in folded text (ASCII letters only; other scripts pass through):
//  1. digits and symbols standing for letters inside a word: 0->o 1->i 3->e 4->a 5->s 7->t 8->b
//     @->a $->s !->i |->l. A run of 1..3 of them is replaced when it has an ASCII letter on
//     both sides ("t4i kh0an" -> "tai khoan", "v@y" -> "vay"); a single one at the start or end
//     of a word only when the letters on its other side are at least 3 ("hell0", "0nline"),
//     and never '!' or '@' there (sentence punctuation, mentions). Pure numbers and amounts
//     with a unit ("0987654321", "500k", "5tr", "24h", "4g") stay.
//  2. single letters split by '.', ' ', '-', '_' or '*' are joined: "v.c.b" -> "vcb",
//     "k-h-o-a" -> "khoa", "c o n g a n" -> "congan" (space-split needs 3 letters or more, as
//     one-letter words exist in many languages; other separators need 2).
//  3. a run of two or more punctuation marks between two letters is removed
//     ("kh..oa" -> "khoa", "ng~~an" -> "ngan"); ':' '/' '?' '&' '=' '%' are not touched so URLs
//     keep their shape.
std::string deobfuscate(std::string_view folded);

}  // namespace scamgate::text
