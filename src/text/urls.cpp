// extract_urls(): a scan for word starts; at each, a scheme or a host made of labels joined by
// real or disguised dots. Bare hosts (no scheme) must end in a public suffix known to the PSL,
// which is what keeps "ban.toi", "v.v" and "1.000.000d" out.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <utf8proc.h>

#include "text/extract.h"
#include "text/unicode.h"
#include "text/url_parts.h"
#include "text/utf8.h"

namespace scamgate::text {

namespace {

constexpr std::size_t max_host_bytes = 253;

bool iequals_at(std::string_view s, std::size_t i, std::string_view word) {
    if (s.size() - i < word.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k) {
        if (ascii_lower(s[i + k]) != word[k]) return false;
    }
    return true;
}

struct Scheme {
    std::string_view name;  // "http" or "https"
    std::size_t len = 0;    // bytes up to and including the "//"
    bool obfuscated = false;
};

// http, https and their defanged forms hxxp, hxxps (any case), then "://", "[:]//" or "[://]".
std::optional<Scheme> match_scheme(std::string_view s, std::size_t i) {
    if (s.size() - i < 7 || ascii_lower(s[i]) != 'h') return std::nullopt;
    const char t1 = ascii_lower(s[i + 1]);
    const char t2 = ascii_lower(s[i + 2]);
    if ((t1 != 't' && t1 != 'x') || (t2 != 't' && t2 != 'x') || ascii_lower(s[i + 3]) != 'p') return std::nullopt;
    Scheme scheme{"http", 4, t1 == 'x' || t2 == 'x'};
    if (ascii_lower(s[i + 4]) == 's') {
        scheme = {"https", 5, scheme.obfuscated};
    }
    static constexpr std::array<std::string_view, 3> separators{"://", "[:]//", "[://]"};
    for (const std::string_view sep : separators) {
        if (iequals_at(s, i + scheme.len, sep)) {
            scheme.obfuscated = scheme.obfuscated || sep != "://";
            scheme.len += sep.size();
            return scheme;
        }
    }
    return std::nullopt;
}

struct DotForm {
    std::size_t len = 0;
    bool obfuscated = false;
};

// A dot between labels: ".", or a disguised one: "[.]" "(.)" "{.}" "[dot]" "(dot)" "{dot}",
// U+3002 "。" U+FF0E "．" U+FF61 "｡", each optionally with one space on both sides (" . ").
// A dot with a space on one side only is a sentence end, not a host.
std::optional<DotForm> match_dot(std::string_view s, std::size_t i) {
    static constexpr std::array<std::string_view, 10> cores{
        ".", "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}", "\u3002", "\uFF0E", "\uFF61"};
    std::size_t j = i;
    const bool spaced = j < s.size() && s[j] == ' ';
    if (spaced) ++j;
    // Called at the end of every word: most are followed by no core's first byte.
    if (j >= s.size() || std::string_view(".[({\xE3\xEF").find(s[j]) == std::string_view::npos) return std::nullopt;
    for (const std::string_view core : cores) {
        if (!iequals_at(s, j, core)) continue;
        j += core.size();
        if (spaced) {
            if (j >= s.size() || s[j] != ' ') return std::nullopt;
            ++j;
        }
        return DotForm{j - i, spaced || core != "."};
    }
    return std::nullopt;
}

// Bytes of the host character at s[i]: ASCII letter, digit or '-', or (IDN) a Unicode letter,
// mark or digit. 0 when there is none.
std::size_t host_char_len(std::string_view s, std::size_t i, bool allow_unicode) {
    if (i >= s.size()) return 0;
    const char c = s[i];
    if (is_ascii_alnum(c) || c == '-') return 1;
    if (!allow_unicode || static_cast<unsigned char>(c) < 0x80) return 0;
    const DecodedChar d = decode_utf8(s, i);
    if (!d.valid) return 0;
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(d.cp));
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ND) ? d.len : 0;
}

bool starts_label(std::string_view s, std::size_t i, bool allow_unicode) {
    return i < s.size() && s[i] != '-' && host_char_len(s, i, allow_unicode) > 0;
}

// True when the label starting at s[i] has only ASCII letters, digits and '-' up to its end.
bool ascii_label_follows(std::string_view s, std::size_t i) {
    std::size_t j = i;
    while (j < s.size() && (is_ascii_alnum(s[j]) || s[j] == '-')) ++j;
    return j > i && host_char_len(s, j, true) == 0;
}

struct Label {
    std::size_t text_begin = 0;
    std::size_t text_end = 0;  // end of the label in the text
    std::size_t name_end = 0;  // end of the label in Host::name
    bool obfuscated_before = false;
};

struct Host {
    std::string name;  // lower-case, labels joined with '.'
    std::vector<Label> labels;
};

void append_lower(std::string& out, std::string_view s, std::size_t i, std::size_t len) {
    if (len == 1) {
        out.push_back(ascii_lower(s[i]));
        return;
    }
    append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(decode_utf8(s, i).cp))));
}

Host parse_host(std::string_view s, std::size_t i, bool allow_unicode) {
    Host host;
    bool obfuscated_dot = false;
    while (starts_label(s, i, allow_unicode) && host.name.size() < max_host_bytes) {
        Label label{i, i, 0, obfuscated_dot};
        while (const std::size_t len = host_char_len(s, i, allow_unicode)) {
            append_lower(host.name, s, i, len);
            i += len;
        }
        label.text_end = i;
        label.name_end = host.name.size();
        host.labels.push_back(label);
        const std::optional<DotForm> dot = match_dot(s, i);
        if (!dot || !starts_label(s, i + dot->len, allow_unicode)) break;
        // "mkara.com.vn . Cước": after a spaced dot only an all-ASCII label continues the host
        // (disguised hosts are ASCII); a Vietnamese word there starts the next sentence.
        if (s[i] == ' ' && !ascii_label_follows(s, i + dot->len)) break;
        host.name.push_back('.');
        obfuscated_dot = dot->obfuscated;
        i += dot->len;
    }
    return host;
}

// Keeps the first n labels.
void keep_labels(Host& host, std::size_t n) {
    host.labels.resize(n);
    host.name.resize(n == 0 ? 0 : host.labels.back().name_end);
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_ascii_digit(c); });
}

std::string_view label_name(const Host& host, std::size_t k) {
    const std::size_t begin = k == 0 ? 0 : host.labels[k - 1].name_end + 1;
    return std::string_view(host.name).substr(begin, host.labels[k].name_end - begin);
}

// "goi.Cam on": a capitalised word glued after a lower-case one is a missing space after a
// full stop, not a domain (".cam" is a TLD). "VCB.COM" and "Vcb.com" stay domains.
bool looks_like_sentence_break(std::string_view text, const Host& host, std::size_t tld) {
    const Label& last = host.labels[tld];
    const Label& prev = host.labels[tld - 1];
    const std::string_view t = text.substr(last.text_begin, last.text_end - last.text_begin);
    if (t.size() < 2 || !(t[0] >= 'A' && t[0] <= 'Z') || !(t[1] >= 'a' && t[1] <= 'z')) return false;
    const char before = text[prev.text_end - 1];
    return before >= 'a' && before <= 'z';
}

// For a host written without a scheme: the longest run of leading labels (two or more) that
// ends in a real public suffix, or that is an IPv4 address. False when there is none.
bool trim_bare_host(std::string_view text, Host& host, const PublicSuffixList& psl) {
    if (host.labels.size() == 4 && is_ipv4(host.name)) return true;
    for (std::size_t n = host.labels.size(); n >= 2; --n) {
        const std::string_view tld = label_name(host, n - 1);
        if (all_digits(tld) || !psl.is_public_suffix(tld)) continue;
        if (looks_like_sentence_break(text, host, n - 1)) continue;
        keep_labels(host, n);
        return !psl.is_public_suffix(host.name);  // "com.vn" alone names no site
    }
    return false;
}

// A bracketed IPv6 literal after a scheme: "[" hex digits, ':' and '.' "]".
std::size_t ipv6_literal_len(std::string_view s, std::size_t i) {
    if (i >= s.size() || s[i] != '[') return 0;
    for (std::size_t j = i + 1; j < s.size() && j - i < 48; ++j) {
        const char c = s[j];
        if (c == ']') return j - i >= 3 ? j - i + 1 : 0;
        if (!(is_ascii_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f') || c == ':' || c == '.')) return 0;
    }
    return 0;
}

// ":" and 1..5 digits up to 65535, not followed by a letter or digit.
std::size_t port_len(std::string_view s, std::size_t i) {
    if (i >= s.size() || s[i] != ':') return 0;
    std::size_t j = i + 1;
    unsigned value = 0;
    while (j < s.size() && is_ascii_digit(s[j]) && j - i <= 5) value = value * 10 + static_cast<unsigned>(s[j++] - '0');
    if (j == i + 1 || j - i > 6 || value > 65535 || (j < s.size() && is_ascii_alnum(s[j]))) return 0;
    return j - i;
}

bool is_path_char(char c) {
    return c > 0x20 && c < 0x7F && c != '<' && c != '>' && c != '"' && c != '`';
}

// Closing brackets end a URL unless the URL opened them: "(see vcb.com/a)" drops the ')'.
bool unbalanced_close(std::string_view path, char close) {
    const char open = close == ')' ? '(' : close == ']' ? '[' : '{';
    return std::count(path.begin(), path.end(), close) > std::count(path.begin(), path.end(), open);
}

// Path, query and fragment: printable ASCII after '/', '?' or '#', up to white space or a
// non-ASCII byte, without trailing punctuation.
std::size_t path_len(std::string_view s, std::size_t i) {
    if (i >= s.size() || (s[i] != '/' && s[i] != '?' && s[i] != '#')) return 0;
    std::size_t j = i;
    while (j < s.size() && is_path_char(s[j])) ++j;
    while (j > i + 1) {
        const char c = s[j - 1];
        const bool close = c == ')' || c == ']' || c == '}';
        const bool trailing = std::string_view(".,;:!?'*").find(c) != std::string_view::npos;
        if (!trailing && !(close && unbalanced_close(s.substr(i, j - i), c))) break;
        --j;
    }
    return j - i;
}

// Whether the code point ending just before s[i] continues a word (so no URL starts at i).
bool continues_word(std::string_view s, std::size_t i) {
    if (i == 0) return false;
    const char c = s[i - 1];
    if (is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '@') return true;
    if (static_cast<unsigned char>(c) < 0x80) return false;
    std::size_t k = i - 1;
    while (k > 0 && i - k < 4 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
    const DecodedChar d = decode_utf8(s, k);
    if (!d.valid || k + d.len != i) return false;
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(d.cp));
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ND;
}

struct Match {
    UrlMention mention;
    std::size_t end = 0;
};

// The authority after a scheme may hold "user:password@": the host is after the last '@'.
std::size_t skip_userinfo(std::string_view s, std::size_t i) {
    std::size_t j = i;
    std::size_t host = i;
    while (j < s.size() && s[j] != '/' && s[j] != '?' && s[j] != '#' && static_cast<unsigned char>(s[j]) > 0x20) {
        if (s[j] == '@') host = j + 1;
        ++j;
    }
    return host;
}

bool any_obfuscated_dot(const Host& host) {
    return std::any_of(host.labels.begin(), host.labels.end(), [](const Label& l) { return l.obfuscated_before; });
}

// Whether the ASCII label at s[i] is followed by a dot form and the start of another label. A
// host written without a scheme needs two labels at least, so without this most words of a text
// are no URL, and checking it first spares parse_host's work on them. `i` may be anywhere inside
// the label (the caller has already read its letters and digits).
bool second_label_follows(std::string_view s, std::size_t i) {
    while (i < s.size() && (is_ascii_alnum(s[i]) || s[i] == '-')) ++i;
    const std::optional<DotForm> dot = match_dot(s, i);
    return dot && starts_label(s, i + dot->len, false);
}

// `word_end`: the end of the run of ASCII letters and digits at `start`.
std::optional<Match> match_url(std::string_view s, std::size_t start, std::size_t word_end, const PublicSuffixList& psl) {
    const std::optional<Scheme> scheme = match_scheme(s, start);
    if (!scheme && !second_label_follows(s, word_end)) return std::nullopt;
    std::size_t i = scheme ? skip_userinfo(s, start + scheme->len) : start;
    Host host;
    if (const std::size_t v6 = scheme ? ipv6_literal_len(s, i) : 0; v6 > 0) {
        for (std::size_t k = i; k < i + v6; ++k) host.name.push_back(ascii_lower(s[k]));
        host.labels.push_back({i, i + v6, host.name.size(), false});
    } else {
        host = parse_host(s, i, scheme.has_value());
        if (host.labels.empty() || (!scheme && !trim_bare_host(s, host, psl))) return std::nullopt;
    }
    std::size_t end = host.labels.back().text_end;
    if (end < s.size() && s[end] == '@') return std::nullopt;  // an e-mail address's local part
    const std::size_t port = port_len(s, end);
    const std::size_t path = path_len(s, end + port);
    if (!scheme && port == 0 && path == 0 && is_ipv4(host.name)) return std::nullopt;
    Match m;
    m.end = end + port + path;
    UrlMention& u = m.mention;
    u.host = is_ascii(host.name) ? host.name : nfc(host.name);
    u.url = std::string(scheme ? scheme->name : "http") + "://" + u.host;
    u.url.append(s.substr(end, port + path));
    u.found = std::string(s.substr(start, m.end - start));
    u.registrable_domain = psl.registrable_domain(u.host);
    u.offset = start;
    u.had_scheme = scheme.has_value();
    u.obfuscated = (scheme && scheme->obfuscated) || any_obfuscated_dot(host);
    return m;
}

}  // namespace

std::vector<UrlMention> extract_urls(std::string_view text, const PublicSuffixList& psl, const ExtractLimits& limits) {
    std::vector<UrlMention> out;
    std::size_t i = 0;
    while (i < text.size() && out.size() < limits.max_urls) {
        if (!is_ascii_alnum(text[i]) || continues_word(text, i)) {
            ++i;
            continue;
        }
        std::size_t word_end = i;
        while (word_end < text.size() && is_ascii_alnum(text[word_end])) ++word_end;
        if (std::optional<Match> m = match_url(text, i, word_end, psl)) {
            out.push_back(std::move(m->mention));
            i = m->end;
            continue;
        }
        i = word_end;  // next word
    }
    return out;
}

}  // namespace scamgate::text
