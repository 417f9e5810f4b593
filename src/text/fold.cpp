// fold(): see normalize.h for the rules. Two passes: each code point is folded into a small
// record (code point, Latin look-alike, class), then words are written out, each deciding
// whether its look-alike letters become Latin.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <utf8proc.h>

#include "text/normalize.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace scamgate::text {

namespace {

enum class Kind : std::uint8_t {
    space,     // one collapsed run of white space
    boundary,  // punctuation, symbols: ends a word
    latin,     // a-z
    digit,     // 0-9: neutral for the look-alike decision
    lookalike, // a letter from another script with a Latin twin (Entry::latin)
    foreign,   // any other letter, mark or number
};

struct Entry {
    char32_t cp;
    char latin;  // the Latin twin of a look-alike, else 0
    Kind kind;
};

// Letters that a Latin reader takes for an ASCII letter but that no Unicode decomposition maps
// there. A deliberately small subset of Unicode's confusables.txt (UTS #39): the lower-case
// Cyrillic, Greek and Armenian letters whose usual glyph is that of one a-z letter. Applied
// after case folding, so upper-case forms reach it lower-cased.
char lookalike_latin(char32_t cp) {
    switch (cp) {
    // Cyrillic
    case 0x0430: return 'a';  // а
    case 0x0432: return 'b';  // в (capital В looks like B; folded first)
    case 0x0435: return 'e';  // е
    case 0x043A: return 'k';  // к
    case 0x043C: return 'm';  // м
    case 0x043D: return 'h';  // н (capital Н looks like H)
    case 0x043E: return 'o';  // о
    case 0x043F: return 'n';  // п
    case 0x0440: return 'p';  // р
    case 0x0441: return 'c';  // с
    case 0x0442: return 't';  // т
    case 0x0443: return 'y';  // у
    case 0x0445: return 'x';  // х
    case 0x0455: return 's';  // ѕ
    case 0x0456: return 'i';  // і
    case 0x0458: return 'j';  // ј
    case 0x04BB: return 'h';  // һ
    case 0x04AF: return 'y';  // ү
    case 0x04CF: return 'l';  // ӏ (palochka)
    case 0x0501: return 'd';  // ԁ
    case 0x051B: return 'q';  // ԛ
    case 0x051D: return 'w';  // ԝ
    // Greek
    case 0x03B1: return 'a';  // α
    case 0x03B2: return 'b';  // β
    case 0x03B3: return 'y';  // γ
    case 0x03B5: return 'e';  // ε
    case 0x03B7: return 'n';  // η
    case 0x03B9: return 'i';  // ι
    case 0x03BA: return 'k';  // κ
    case 0x03BD: return 'v';  // ν
    case 0x03BF: return 'o';  // ο
    case 0x03C1: return 'p';  // ρ
    case 0x03C4: return 't';  // τ
    case 0x03C5: return 'u';  // υ
    case 0x03C7: return 'x';  // χ
    case 0x03C9: return 'w';  // ω
    case 0x03F2: return 'c';  // ϲ (lunate sigma)
    case 0x03F3: return 'j';  // ϳ
    // Armenian
    case 0x0570: return 'h';  // հ
    case 0x0578: return 'n';  // ո
    case 0x057D: return 'u';  // ս
    case 0x0585: return 'o';  // օ
    default: return 0;
    }
}

// Greek capitals whose lower-case form looks like a different Latin letter (Η is H but η is n):
// looked up before case folding so the capital keeps the letter it imitates.
char upper_lookalike_latin(char32_t cp) {
    switch (cp) {
    case 0x0396: return 'z';  // Ζ
    case 0x0397: return 'h';  // Η
    case 0x039C: return 'm';  // Μ
    case 0x039D: return 'n';  // Ν
    case 0x03A5: return 'y';  // Υ
    default: return 0;
    }
}

// upper_lookalike_latin() for a capital or for a mathematical Greek capital (𝚮 is Η): case
// folding runs inside the compatibility decomposition, so the capital is looked up first.
char upper_lookalike_of(char32_t cp) {
    if (const char latin = upper_lookalike_latin(cp); latin != 0 || cp < 0x1D6A8 || cp > 0x1D7CB) return latin;
    std::array<utf8proc_int32_t, 4> buf{};
    utf8proc_int32_t boundclass = 0;
    const auto options = static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
    const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buf.data(),
                                                       static_cast<utf8proc_ssize_t>(buf.size()), options, &boundclass);
    return n == 1 ? upper_lookalike_latin(static_cast<char32_t>(buf[0])) : 0;
}

// Latin letters with a stroke, bar or ligature that NFD/NFKD leaves whole.
std::string_view latin_base(char32_t cp) {
    switch (cp) {
    case 0x0111: return "d";   // đ (Vietnamese, Croatian): not a combining mark
    case 0x00F0: return "d";   // ð
    case 0x00F8: return "o";   // ø
    case 0x0142: return "l";   // ł
    case 0x0127: return "h";   // ħ
    case 0x0167: return "t";   // ŧ
    case 0x0180: return "b";   // ƀ
    case 0x0268: return "i";   // ɨ
    case 0x01B6: return "z";   // ƶ
    case 0x01E5: return "g";   // ǥ
    case 0x0131: return "i";   // ı (dotless i; İ folds to i + a dropped dot)
    case 0x0192: return "f";   // ƒ
    case 0x0251: return "a";   // ɑ
    case 0x0261: return "g";   // ɡ
    case 0x00E6: return "ae";  // æ
    case 0x0153: return "oe";  // œ
    default: return {};
    }
}

bool is_white_space_category(utf8proc_category_t c) {
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

bool is_word_category(utf8proc_category_t c) {
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO);  // letters, marks, numbers
}

class Folder {
public:
    explicit Folder(std::size_t size_hint) { entries_.reserve(size_hint); }

    void add(char32_t cp);
    // The full path for one code point, without the table (used to build it).
    void add_full(char32_t cp) {
        if (cp < 0x80) {
            add_ascii(static_cast<char>(cp));
        } else {
            add_unicode(cp);
        }
    }

    std::string finish();

private:
    void push(Entry e) {
        if (e.kind == Kind::space && (entries_.empty() || entries_.back().kind == Kind::space)) return;
        has_lookalike_ = has_lookalike_ || e.kind == Kind::lookalike;
        entries_.push_back(e);
    }

    void add_ascii(char c) {
        if (c >= 'A' && c <= 'Z') {
            push({static_cast<char32_t>(c + 32), 0, Kind::latin});
        } else if (c >= 'a' && c <= 'z') {
            push({static_cast<char32_t>(c), 0, Kind::latin});
        } else if (c >= '0' && c <= '9') {
            push({static_cast<char32_t>(c), 0, Kind::digit});
        } else if (c == ' ' || (c >= '\t' && c <= '\r')) {
            push({' ', 0, Kind::space});  // \t \n \v \f \r
        } else if (c >= 0x20 && c < 0x7F) {
            push({static_cast<char32_t>(c), 0, Kind::boundary});
        }  // other C0 controls and DEL are dropped
    }

    void add_unicode(char32_t cp);
    void add_decomposed(char32_t cp, char forced_latin, int depth);

    std::vector<Entry> entries_;
    bool needs_nfc_ = false;
    bool has_lookalike_ = false;  // without one, no word has anything to decide
};

// The hot path: Latin-1, Latin Extended-A/B and Latin Extended Additional (all of Vietnamese)
// fold to one to three ASCII letters or digits for most code points. The answers of the full
// path are computed once into a constant table; code points whose answer is anything else
// (spaces, non-ASCII, nothing) are marked to take the full path.
struct ShortFold {
    std::array<char, 3> chars{};
    std::uint8_t size = 0;  // 0: take the full path
};

constexpr char32_t latin_a_begin = 0x80, latin_a_end = 0x250, latin_b_begin = 0x1E00, latin_b_end = 0x1F00;
constexpr std::size_t short_fold_size = (latin_a_end - latin_a_begin) + (latin_b_end - latin_b_begin);

std::size_t short_fold_index(char32_t cp) {
    if (cp >= latin_a_begin && cp < latin_a_end) return cp - latin_a_begin;
    if (cp >= latin_b_begin && cp < latin_b_end) return (latin_a_end - latin_a_begin) + (cp - latin_b_begin);
    return short_fold_size;
}

ShortFold compute_short_fold(char32_t cp);

const std::array<ShortFold, short_fold_size>& short_fold_table() {
    static const std::array<ShortFold, short_fold_size> table = [] {
        std::array<ShortFold, short_fold_size> t{};
        for (char32_t cp = latin_a_begin; cp < latin_a_end; ++cp) t[short_fold_index(cp)] = compute_short_fold(cp);
        for (char32_t cp = latin_b_begin; cp < latin_b_end; ++cp) t[short_fold_index(cp)] = compute_short_fold(cp);
        return t;
    }();
    return table;
}

void Folder::add(char32_t cp) {
    if (cp < 0x80) {
        add_ascii(static_cast<char>(cp));
        return;
    }
    if (const std::size_t i = short_fold_index(cp); i < short_fold_size) {
        const ShortFold& f = short_fold_table()[i];
        for (std::uint8_t k = 0; k < f.size; ++k) add_ascii(f.chars[k]);
        if (f.size > 0) return;
    }
    add_unicode(cp);
}

// Removed outright: default-ignorable (zero-width characters, soft hyphen, variation selectors,
// Hangul fillers), format characters and controls (NEL aside, handled as white space).
bool is_invisible(const utf8proc_property_t& p) {
    return p.ignorable || p.category == UTF8PROC_CATEGORY_CF || p.category == UTF8PROC_CATEGORY_CC;
}

void Folder::add_unicode(char32_t cp) {
    const utf8proc_property_t& p = *utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
    const auto cat = static_cast<utf8proc_category_t>(p.category);
    if (cp == 0x85 || is_white_space_category(cat)) {
        push({' ', 0, Kind::space});
        return;
    }
    if (is_invisible(p)) return;
    if (is_hangul_syllable(cp)) {
        push({cp, 0, Kind::foreign});  // caseless, no marks: decomposing would only give jamo
        return;
    }
    add_decomposed(cp, upper_lookalike_of(cp), 0);
}

// `cp` is folded (case fold + NFKD) unless this is the second round for a capital that a
// compatibility mapping produced (𝐕 -> V).
void Folder::add_decomposed(char32_t cp, char forced_latin, int depth) {
    std::array<utf8proc_int32_t, 32> buf{};
    utf8proc_int32_t boundclass = 0;
    const auto options = static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
    const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buf.data(),
                                                       static_cast<utf8proc_ssize_t>(buf.size()), options, &boundclass);
    if (n <= 0 || n > static_cast<utf8proc_ssize_t>(buf.size())) {
        push({cp, 0, Kind::foreign});  // unreachable with Unicode 15 data (longest is 18)
        return;
    }
    for (utf8proc_ssize_t k = 0; k < n; ++k) {
        const auto d = static_cast<char32_t>(buf[static_cast<std::size_t>(k)]);
        if (d < 0x80) {
            add_ascii(static_cast<char>(d));  // lower-cases A-Z that NFKD produced
            continue;
        }
        const utf8proc_property_t& p = *utf8proc_get_property(static_cast<utf8proc_int32_t>(d));
        const auto cat = static_cast<utf8proc_category_t>(p.category);
        if (cat == UTF8PROC_CATEGORY_MN || is_invisible(p)) continue;
        if (is_white_space_category(cat)) {
            push({' ', 0, Kind::space});
            continue;
        }
        if ((cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT) && depth == 0 && d != cp) {
            add_decomposed(d, (n == 1 && forced_latin != 0) ? forced_latin : upper_lookalike_latin(d), depth + 1);
            continue;
        }
        if (const std::string_view base = latin_base(d); !base.empty()) {
            for (const char c : base) push({static_cast<char32_t>(c), 0, Kind::latin});
            continue;
        }
        const char latin = (n == 1 && forced_latin != 0) ? forced_latin : lookalike_latin(d);
        if (latin != 0) {
            push({d, latin, Kind::lookalike});
            continue;
        }
        if (cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ME || p.combining_class != 0 ||
            is_hangul_jamo(d)) {
            needs_nfc_ = true;  // kept marks or jamo may have to recompose (Indic vowel signs)
        }
        push({d, 0, is_word_category(cat) ? Kind::foreign : Kind::boundary});
    }
}

// Look-alikes become Latin in a word that holds a Latin letter, or that is made only of
// look-alikes and digits: a Russian or Greek word with any letter that has no Latin twin keeps
// its script. See normalize.h.
bool latinise_word(const Entry* begin, const Entry* end) {
    bool latin = false;
    bool foreign = false;
    for (const Entry* e = begin; e != end; ++e) {
        latin = latin || e->kind == Kind::latin;
        foreign = foreign || e->kind == Kind::foreign;
    }
    return latin || !foreign;
}

bool in_word(Kind k) { return k != Kind::space && k != Kind::boundary; }

std::string Folder::finish() {
    while (!entries_.empty() && entries_.back().kind == Kind::space) entries_.pop_back();
    std::string out;
    out.reserve(entries_.size() + entries_.size() / 2);
    const Entry* e = entries_.data();
    const Entry* const end = e + entries_.size();
    if (!has_lookalike_) {
        for (; e != end; ++e) {
            if (e->cp < 0x80) {
                out.push_back(static_cast<char>(e->cp));  // most of them: no encoding to do
            } else {
                append_utf8(out, e->cp);
            }
        }
        return needs_nfc_ ? nfc(out) : out;
    }
    while (e != end) {
        if (!in_word(e->kind)) {
            append_utf8(out, e->cp);
            ++e;
            continue;
        }
        const Entry* word_end = e;
        while (word_end != end && in_word(word_end->kind)) ++word_end;
        const bool latinise = latinise_word(e, word_end);
        for (; e != word_end; ++e) {
            if (latinise && e->latin != 0) {
                out.push_back(e->latin);
            } else {
                append_utf8(out, e->cp);
            }
        }
    }
    return needs_nfc_ ? nfc(out) : out;
}

ShortFold compute_short_fold(char32_t cp) {
    Folder folder(4);
    folder.add_full(cp);
    const std::string out = folder.finish();
    ShortFold f;
    if (out.empty() || out.size() > f.chars.size()) return f;
    for (std::size_t k = 0; k < out.size(); ++k) {
        if (!is_ascii_alnum(out[k])) return ShortFold{};
        f.chars[k] = out[k];
    }
    f.size = static_cast<std::uint8_t>(out.size());
    return f;
}

// fold() of pure ASCII text, without the per-code-point records: what Folder does with ASCII
// (lower-case A-Z, white space collapsed to one space and trimmed, other controls and DEL
// dropped, printable characters kept; there are no look-alikes to decide on and nothing to
// recompose) written straight out.
std::string fold_ascii(std::string_view ascii) {
    std::string out;
    out.reserve(ascii.size());
    for (const char c : ascii) {
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else if (c >= 0x20 && c < 0x7F) {
            out.push_back(ascii_lower(c));
        }
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

}  // namespace

std::string fold(std::string_view utf8) {
    if (is_ascii(utf8)) return fold_ascii(utf8);
    Folder folder(utf8.size());
    std::size_t i = 0;
    while (i < utf8.size()) {
        if (static_cast<unsigned char>(utf8[i]) < 0x80) {
            folder.add(static_cast<char32_t>(utf8[i++]));
            continue;
        }
        const DecodedChar d = decode_utf8(utf8, i);
        folder.add(d.cp);
        i += d.len;
    }
    return folder.finish();
}

}  // namespace scamgate::text
