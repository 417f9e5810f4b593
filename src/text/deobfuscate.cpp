// deobfuscate(): three passes over folded text, each a plain byte scan (folded text is
// ASCII-heavy; bytes >= 0x80 are treated as letters of another script and never rewritten).
// The rules and their limits are listed in normalize.h.
#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "text/normalize.h"
#include "text/utf8.h"

namespace scamgate::text {

namespace {

// The letter each leet character stands for, 0 for other bytes: a table, as it is asked of
// every byte of every text.
constexpr std::array<char, 256> kLeetLetters = [] {
    std::array<char, 256> t{};
    t['0'] = 'o';
    t['1'] = 'i';
    t['3'] = 'e';
    t['4'] = 'a';
    t['5'] = 's';
    t['7'] = 't';
    t['8'] = 'b';
    t['@'] = 'a';
    t['$'] = 's';
    t['!'] = 'i';
    t['|'] = 'l';
    return t;
}();

char leet_letter(char c) { return kLeetLetters[static_cast<unsigned char>(c)]; }

bool is_leet_symbol(char c) { return c == '@' || c == '$' || c == '!' || c == '|'; }

// At a word's edge only these stand for a letter: a digit glued to a word is far more often a
// quantity or a model number ("5days", "iphone7", "top1") than a disguised letter, but a lone
// 0 in a word ("hell0", "0nline") or $ and | are rarely anything else.
bool converts_at_edge(char c) { return c == '0' || c == '$' || c == '|'; }

bool is_other_script(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// A position outside the text, or a byte that is neither an ASCII letter or digit nor part of
// another script's letter: the edge of a word.
bool is_boundary(std::string_view s, std::size_t pos, bool before) {
    if (before ? pos == 0 : pos >= s.size()) return true;
    const char c = before ? s[pos - 1] : s[pos];
    return !is_ascii_alnum(c) && !is_other_script(c);
}

std::size_t letters_before(std::string_view s, std::size_t pos) {
    std::size_t n = 0;
    while (pos > 0 && is_ascii_alpha(s[pos - 1])) {
        --pos;
        ++n;
    }
    return n;
}

std::size_t letters_after(std::string_view s, std::size_t pos) {
    std::size_t n = 0;
    while (pos < s.size() && is_ascii_alpha(s[pos])) {
        ++pos;
        ++n;
    }
    return n;
}

// Whether the run s[a, b) of leet characters stands for letters (rule 1).
bool run_is_letters(std::string_view s, std::size_t a, std::size_t b) {
    const bool left = a > 0 && is_ascii_alpha(s[a - 1]);
    const bool right = b < s.size() && is_ascii_alpha(s[b]);
    if (left && right) {
        std::size_t symbols = 0;
        for (std::size_t k = a; k < b; ++k) symbols += is_leet_symbol(s[k]) ? 1 : 0;
        // "kh!!oa" is repeated punctuation (rule 3), not two letters.
        return b - a <= 3 && symbols <= 1;
    }
    if (left == right || b - a != 1 || !converts_at_edge(s[a])) return false;
    return left ? is_boundary(s, b, false) && letters_before(s, a) >= 3
                : is_boundary(s, a, true) && letters_after(s, b) >= 3;
}

std::string undo_leet(std::string_view s) {
    std::string out(s);
    // Bytes before the first leet character are left as they are: start there (often the end).
    std::size_t i = static_cast<std::size_t>(
        std::find_if(s.begin(), s.end(), [](char c) { return leet_letter(c) != 0; }) - s.begin());
    while (i < s.size()) {
        if (leet_letter(s[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t a = i;
        std::size_t b = i;
        while (b < s.size() && leet_letter(s[b]) != 0) ++b;
        i = b;
        // '!' ending a word and '@' or '!' starting one are punctuation and mentions.
        if (b == s.size() || !is_ascii_alpha(s[b])) {
            while (b > a && s[b - 1] == '!') --b;
        }
        if (a == 0 || !is_ascii_alpha(s[a - 1])) {
            while (a < b && (s[a] == '@' || s[a] == '!')) ++a;
        }
        if (a == b || !run_is_letters(s, a, b)) continue;
        for (std::size_t k = a; k < b; ++k) out[k] = leet_letter(s[k]);
    }
    return out;
}

// The marks rule 3 drops, as a table: asked of every byte.
constexpr std::array<bool, 256> kFillerPunct = [] {
    std::array<bool, 256> t{};
    for (const char c : std::string_view(".,-_*~'`^+#\";!|()[]{}<>")) t[static_cast<unsigned char>(c)] = true;
    return t;
}();

bool is_filler_punct(char c) { return kFillerPunct[static_cast<unsigned char>(c)]; }

// Whether two filler punctuation marks follow each other anywhere: without that,
// drop_punct_runs() has nothing to drop and gives `s` back.
bool has_punct_pair(std::string_view s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (is_filler_punct(s[i]) && is_filler_punct(s[i - 1])) return true;
    }
    return false;
}

// Rule 3: two or more punctuation marks between two letters go.
std::string drop_punct_runs(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        if (i > 0 && is_ascii_alpha(s[i - 1]) && is_filler_punct(s[i])) {
            std::size_t j = i;
            while (j < s.size() && is_filler_punct(s[j])) ++j;
            if (j - i >= 2 && j < s.size() && is_ascii_alpha(s[j])) {
                i = j;
                continue;
            }
            out.append(s.substr(i, j - i));
            i = j;
            continue;
        }
        out.push_back(s[i++]);
    }
    return out;
}

bool is_split_separator(char c) { return c == '.' || c == ' ' || c == '-' || c == '_' || c == '*'; }

// A one-letter piece: an ASCII letter with a word boundary on both sides.
bool is_single_letter(std::string_view s, std::size_t pos) {
    return pos < s.size() && is_ascii_alpha(s[pos]) && is_boundary(s, pos, true) && is_boundary(s, pos + 1, false);
}

struct SplitRun {
    std::size_t end = 0;      // one past the last piece
    std::size_t pieces = 0;
    bool punctuated = false;  // some separator other than a space
};

// Follows one-letter pieces from `start` separated by 1..3 separator bytes.
SplitRun follow_split_letters(std::string_view s, std::size_t start) {
    SplitRun run{start + 1, 1, false};
    for (;;) {
        std::size_t j = run.end;
        bool punct = false;
        while (j < s.size() && j - run.end < 3 && is_split_separator(s[j])) {
            punct = punct || s[j] != ' ';
            ++j;
        }
        if (j == run.end || !is_single_letter(s, j)) return run;
        run = {j + 1, run.pieces + 1, run.punctuated || punct};
    }
}

// Whether a one-letter piece is followed, after 1..3 separators, by another: without that,
// join_split_letters() joins nothing and gives `s` back.
bool has_split_letters(std::string_view s) {
    // Word by word: a one-letter piece is a word (see is_boundary) of one ASCII letter.
    auto in_word = [&](std::size_t i) { return !is_boundary(s, i, false); };
    std::size_t i = 0;
    while (i < s.size()) {
        if (!in_word(i)) {
            ++i;
            continue;
        }
        std::size_t end = i + 1;
        while (end < s.size() && in_word(end)) ++end;
        if (end == i + 1 && is_ascii_alpha(s[i]) && follow_split_letters(s, i).pieces >= 2) return true;
        i = end;
    }
    return false;
}

// Rule 2: "v.c.b" -> "vcb", "c o n g a n" -> "congan".
std::string join_split_letters(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        if (!is_single_letter(s, i)) {
            out.push_back(s[i++]);
            continue;
        }
        const SplitRun run = follow_split_letters(s, i);
        if (run.pieces < (run.punctuated ? 2u : 3u)) {
            out.push_back(s[i++]);
            continue;
        }
        for (std::size_t k = i; k < run.end; ++k) {
            if (is_ascii_alpha(s[k])) out.push_back(s[k]);
        }
        i = run.end;
    }
    return out;
}

}  // namespace

std::string deobfuscate(std::string_view folded) {
    // Most texts need one rule or none: a pass runs only where it can change something.
    std::string text = undo_leet(folded);
    if (has_punct_pair(text)) text = drop_punct_runs(text);
    if (has_split_letters(text)) text = join_split_letters(text);
    return text;
}

}  // namespace scamgate::text
