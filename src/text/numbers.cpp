// Phone and account numbers: one scanner for digit groups ("0987 654 321", "+84 (0) 98-765",
// "0987.654.321"), shared filters for what is not a number to dial or pay into (amounts,
// dates, IPv4 addresses, digits inside words and URLs).
#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <utf8proc.h>

#include "text/extract.h"
#include "text/utf8.h"

namespace scamgate::text {

namespace {

constexpr std::size_t max_groups = 12;

// The digit groups of a run, in fixed arrays: a run is scanned at every digit of a text, and
// heap-allocated group lists made that the costliest part of extraction.
struct DigitRun {
    std::size_t begin = 0;  // '+', '(' or the first digit
    std::size_t end = 0;    // one past the last digit
    std::string digits;     // as written, without '+'
    std::size_t group_count = 0;
    std::array<std::size_t, max_groups> groups{};       // digit count per group
    std::array<std::size_t, max_groups> group_begin{};  // text offset per group
    bool plus = false;
    bool dots_only = true;  // every separator is a single '.'

    std::span<const std::size_t> group_sizes() const { return {groups.data(), group_count}; }
    void add_group(std::size_t offset, std::size_t size) {
        group_begin[group_count] = offset;
        groups[group_count] = size;
        ++group_count;
    }
};

bool is_group_separator(char c) { return c == ' ' || c == '.' || c == '-' || c == '(' || c == ')'; }

// Separator between two digit groups: one of " .-()" or two of them with at most one that is
// not a space or a parenthesis (") ", " (", ") -"). Returns its length, 0 if none.
std::size_t separator_len(std::string_view s, std::size_t i) {
    std::size_t j = i;
    std::size_t marks = 0;
    while (j < s.size() && j - i < 3 && is_group_separator(s[j])) {
        marks += (s[j] == '.' || s[j] == '-') ? 1 : 0;
        ++j;
    }
    if (j == i || marks > 1 || j >= s.size() || !is_ascii_digit(s[j])) return 0;
    return j - i;
}

DigitRun scan_run(std::string_view s, std::size_t begin) {
    DigitRun run;
    run.begin = begin;
    std::size_t i = begin;
    if (s[i] == '+') {
        run.plus = true;
        ++i;
        if (i < s.size() && s[i] == ' ') ++i;
    }
    if (i < s.size() && s[i] == '(') ++i;
    while (i < s.size() && is_ascii_digit(s[i]) && run.group_count < max_groups) {
        const std::size_t g = i;
        while (i < s.size() && is_ascii_digit(s[i])) ++i;
        run.digits.append(s.substr(g, i - g));
        run.add_group(g, i - g);
        run.end = i;
        if (i < s.size() && s[i] == ')' && s[begin] == '(') ++i;
        const std::size_t sep = separator_len(s, i);
        if (sep == 0) break;
        run.dots_only = run.dots_only && sep == 1 && s[i] == '.';
        i += sep;
    }
    return run;
}

bool is_latin_letter(char32_t cp) {
    if (cp < 0x80) return is_ascii_alpha(static_cast<char>(cp));
    if (cp > 0x024F && (cp < 0x1E00 || cp > 0x1EFF)) return false;
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

bool is_currency(char32_t cp) {
    return cp == '$' || (cp >= 0x80 && utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_SC);
}

// The code point after the run: a Latin letter or currency sign makes it an amount or a code
// ("500000d", "10.000.000đ", "100$", "50%"), as does a decimal part (",5" or ".5" after an
// amount). Letters of other scripts do not: Chinese and Japanese glue numbers to words.
bool followed_by_unit(std::string_view s, std::size_t end) {
    if (end >= s.size()) return false;
    if (s[end] == '%') return true;
    if ((s[end] == ',' || s[end] == '.') && end + 1 < s.size() && is_ascii_digit(s[end + 1])) return true;
    const char32_t cp = decode_utf8(s, end).cp;
    return is_latin_letter(cp) || is_currency(cp);
}

// The byte before the run: inside a word, a URL or an identifier.
bool preceded_by_word(std::string_view s, std::size_t begin) {
    if (begin == 0) return false;
    const char c = s[begin - 1];
    if (is_ascii_alnum(c) || c == '/' || c == '=' || c == '@' || c == '_' || c == '$' || c == '&' || c == '?' ||
        c == '#' || c == '%') {
        return true;
    }
    std::size_t k = begin - 1;
    while (k > 0 && begin - k < 4 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
    const DecodedChar d = decode_utf8(s, k);
    return d.valid && k + d.len == begin && (is_latin_letter(d.cp) || is_currency(d.cp));
}

// "10.000.000": thousands grouping with dots (a leading 0 is never written in an amount).
bool is_thousands(const DigitRun& run, std::string_view s) {
    if (!run.dots_only || run.group_count < 2 || run.groups[0] > 3) return false;
    if (s[run.group_begin[0]] == '0' && run.groups[0] > 1) return false;
    const auto sizes = run.group_sizes();
    return std::all_of(sizes.begin() + 1, sizes.end(), [](std::size_t g) { return g == 3; });
}

unsigned group_value(const DigitRun& run, std::string_view s, std::size_t k) {
    unsigned v = 0;
    for (std::size_t i = 0; i < run.groups[k] && i < 6; ++i) v = v * 10 + static_cast<unsigned>(s[run.group_begin[k] + i] - '0');
    return v;
}

// dd.mm.yyyy, dd-mm-yyyy, yyyy-mm-dd (any of . - space).
bool is_date(const DigitRun& run, std::string_view s) {
    if (run.group_count != 3) return false;
    const auto& g = run.groups;
    const bool dmy = g[0] <= 2 && g[1] <= 2 && g[2] == 4;
    const bool ymd = g[0] == 4 && g[1] <= 2 && g[2] <= 2;
    if (!dmy && !ymd) return false;
    const unsigned day = group_value(run, s, dmy ? 0 : 2);
    const unsigned month = group_value(run, s, 1);
    return day >= 1 && day <= 31 && month >= 1 && month <= 12;
}

bool is_ipv4_run(const DigitRun& run, std::string_view s) {
    if (!run.dots_only || run.group_count != 4) return false;
    for (std::size_t k = 0; k < 4; ++k) {
        if (run.groups[k] > 3 || group_value(run, s, k) > 255) return false;
    }
    return true;
}

bool is_not_a_number(const DigitRun& run, std::string_view s) {
    return preceded_by_word(s, run.begin) || followed_by_unit(s, run.end) || is_thousands(run, s) ||
           is_date(run, s) || is_ipv4_run(run, s);
}

// `dialled`: a phone number, where a leading "00" is the international prefix (an account
// number keeps its zeros).
NumberMention to_mention(const DigitRun& run, std::string_view s, bool dialled) {
    NumberMention m;
    const bool double_zero = dialled && !run.plus && run.digits.size() > 2 && run.digits.compare(0, 2, "00") == 0;
    m.international = run.plus || double_zero;
    m.digits = double_zero ? run.digits.substr(2) : run.digits;
    std::size_t begin = run.begin;
    if (begin > 0 && s[begin - 1] == '(' && s[begin] != '+') --begin;  // "(028) 3823 4567"
    m.found = std::string(s.substr(begin, run.end - begin));
    m.offset = begin;
    return m;
}

// A run start: '+' before a digit, or a digit that does not continue a digit run.
bool starts_run(std::string_view s, std::size_t i) {
    if (i > 0 && (is_ascii_digit(s[i - 1]) || s[i - 1] == '+')) return false;
    if (s[i] == '+') return i + 1 < s.size() && (is_ascii_digit(s[i + 1]) || s[i + 1] == '(' || s[i + 1] == ' ');
    return is_ascii_digit(s[i]);
}

// Runs too long for one number may be a list ("0987654321 0912345678"): each group of eight
// digits or more then counts on its own. Calls `visit(part)` for the run itself or for each
// part, until it returns false; returns false when it did.
template <typename Visit>
bool for_each_part(const DigitRun& run, std::string_view s, std::size_t max_digits, Visit&& visit) {
    if (run.digits.size() <= max_digits || run.group_count < 2) return visit(run);
    for (std::size_t k = 0; k < run.group_count; ++k) {
        if (run.groups[k] < 8) continue;
        DigitRun part;
        part.begin = run.group_begin[k];
        part.end = part.begin + run.groups[k];
        part.add_group(part.begin, run.groups[k]);
        part.digits = std::string(s.substr(part.begin, run.groups[k]));
        if (!visit(part)) return false;
    }
    return true;
}

// Calls `visit(run)` for each digit run of `s`, in order, until it returns false.
template <typename Visit>
void for_each_run(std::string_view s, Visit&& visit) {
    std::size_t i = 0;
    while (i < s.size()) {
        if (!is_ascii_digit(s[i]) && s[i] != '+') {  // no run starts here (starts_run), the usual case
            ++i;
            continue;
        }
        if (!starts_run(s, i)) {
            ++i;
            continue;
        }
        const DigitRun run = scan_run(s, i);
        if (run.group_count == 0) {
            ++i;
            continue;
        }
        if (!visit(run)) return;
        i = std::max(run.end, i + 1);
    }
}

// Offers `accept` each part of `run` (split as a list above max_digits) that may be a number;
// false once `accept` wants no more.
template <typename Accept>
bool offer_numbers(const DigitRun& run, std::string_view s, std::size_t max_digits, Accept&& accept) {
    return for_each_part(run, s, max_digits, [&](const DigitRun& part) { return is_not_a_number(part, s) || accept(part); });
}

bool phone_like(const DigitRun& run) {
    const bool intl = run.plus || run.digits.compare(0, 2, "00") == 0;
    return intl || (run.digits[0] == '0' && run.digits.size() <= 11);
}

constexpr std::array<std::string_view, 9> vn_en_keywords{
    "so tai khoan", "tai khoan", "so tk", "stk", "tk", "account", "acct", "acc", "a/c"};

bool word_boundary(std::string_view s, std::size_t i) {
    return i == 0 || i >= s.size() || !is_ascii_alnum(s[i]);
}

// After a keyword: separators and at most two short words ("stk: 0123...", "tk vcb 0071...",
// "account no. 1234..."). Returns where the digits start, or npos.
std::size_t digits_after_keyword(std::string_view s, std::size_t i) {
    std::size_t words = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (is_ascii_digit(c)) return i;
        if (c == ' ' || c == ':' || c == '.' || c == '-' || c == '#' || c == '=' || c == ',' || c == '(' || c == ')') {
            ++i;
            continue;
        }
        if (!is_ascii_alpha(c) || words == 2) return std::string_view::npos;
        const std::size_t w = i;
        while (i < s.size() && is_ascii_alpha(s[i])) ++i;
        if (i - w > 12) return std::string_view::npos;
        ++words;
    }
    return std::string_view::npos;
}

// Offsets in `s` where a digit run follows a keyword.
std::vector<std::size_t> keyword_digit_starts(std::string_view s, std::span<const std::string_view> keywords) {
    // Most words start with a letter no keyword starts with: one table look-up rules them out.
    std::array<bool, 256> first_letter{};
    for (const std::string_view kw : keywords) {
        if (!kw.empty()) first_letter[static_cast<unsigned char>(kw.front())] = true;
    }
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i > 0 && is_ascii_alnum(s[i - 1])) continue;
        if (!first_letter[static_cast<unsigned char>(ascii_lower(s[i]))]) continue;
        for (const std::string_view kw : keywords) {
            if (kw.empty() || s.size() - i < kw.size()) continue;
            bool match = true;
            for (std::size_t k = 0; k < kw.size() && match; ++k) match = ascii_lower(s[i + k]) == kw[k];
            if (!match || !word_boundary(s, i + kw.size())) continue;
            const std::size_t d = digits_after_keyword(s, i + kw.size());
            if (d != std::string_view::npos) starts.push_back(d);
            break;
        }
    }
    return starts;
}

}  // namespace

namespace {

constexpr std::size_t kMaxPhoneDigits = 17;    // longer runs are split as lists
constexpr std::size_t kMaxAccountDigits = 19;

// Collects phone numbers from the runs offered; false when the limit is reached.
struct PhoneNumbers {
    std::string_view text;
    const ExtractLimits& limits;
    std::vector<NumberMention> found;

    bool operator()(const DigitRun& run) {
        NumberMention m = to_mention(run, text, true);
        if (m.digits.size() >= 8 && m.digits.size() <= 15) found.push_back(std::move(m));
        return found.size() < limits.max_numbers;
    }
};

// Collects account numbers from the runs offered; false when the limit is reached.
struct AccountNumbers {
    std::string_view text;
    std::vector<std::size_t> after_keyword;  // keyword_digit_starts()
    const ExtractLimits& limits;
    std::vector<NumberMention> found;

    bool operator()(const DigitRun& run) {
        const bool keyed = std::find(after_keyword.begin(), after_keyword.end(), run.begin) != after_keyword.end();
        const std::size_t n = run.digits.size();
        const bool ok = keyed ? (n >= 9 && n <= 19 && !run.plus) : (n >= 10 && n <= 19 && !phone_like(run));
        if (ok) found.push_back(to_mention(run, text, false));
        return found.size() < limits.max_numbers;
    }
};

}  // namespace

std::vector<NumberMention> extract_phone_numbers(std::string_view text, const ExtractLimits& limits) {
    PhoneNumbers phones{text, limits, {}};
    if (limits.max_numbers == 0) return {};
    for_each_run(text, [&](const DigitRun& run) { return offer_numbers(run, text, kMaxPhoneDigits, phones); });
    return std::move(phones.found);
}

std::span<const std::string_view> default_account_keywords() { return vn_en_keywords; }

std::vector<NumberMention> extract_account_numbers(std::string_view text, const ExtractLimits& limits) {
    return extract_account_numbers(text, default_account_keywords(), limits);
}

std::vector<NumberMention> extract_account_numbers(std::string_view text, std::span<const std::string_view> keywords,
                                                   const ExtractLimits& limits) {
    AccountNumbers accounts{text, keyword_digit_starts(text, keywords), limits, {}};
    if (limits.max_numbers == 0) return {};
    for_each_run(text, [&](const DigitRun& run) { return offer_numbers(run, text, kMaxAccountDigits, accounts); });
    return std::move(accounts.found);
}

NumberMentions extract_numbers(std::string_view text, const ExtractLimits& limits) {
    PhoneNumbers phones{text, limits, {}};
    AccountNumbers accounts{text, keyword_digit_starts(text, default_account_keywords()), limits, {}};
    if (limits.max_numbers == 0) return {};
    // Each collector sees the runs its own scan would, and none after it has said stop.
    bool want_phones = true;
    bool want_accounts = true;
    for_each_run(text, [&](const DigitRun& run) {
        if (want_phones) want_phones = offer_numbers(run, text, kMaxPhoneDigits, phones);
        if (want_accounts) want_accounts = offer_numbers(run, text, kMaxAccountDigits, accounts);
        return want_phones || want_accounts;
    });
    return {std::move(phones.found), std::move(accounts.found)};
}

}  // namespace scamgate::text
