#include "detect/lookalike.h"

#include <algorithm>
#include <array>
#include <bitset>

#include <fmt/format.h>

namespace scamgate::detect {

namespace {

// Tokens this long match anywhere inside a label; shorter ones ("vcb", "momo") only as a whole
// label part or joined to known words, since they occur inside ordinary words.
constexpr std::size_t kLongToken = 6;
// One edit is measured only between names of this length or more: shorter names are one letter
// from too many ordinary words ("arena" / "garena").
constexpr std::size_t kMinEditLength = 6;
// Look-alike characters are compared for names of this length or more without a companion word.
constexpr std::size_t kMinFoldLength = 4;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t count_labels(std::string_view domain) {
    return domain.empty() ? 0 : static_cast<std::size_t>(std::count(domain.begin(), domain.end(), '.')) + 1;
}

std::string without_hyphens(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c != '-') out.push_back(c);
    }
    return out;
}

template <typename F>
void for_each_part(std::string_view label, F&& f) {
    std::size_t start = 0;
    while (start <= label.size()) {
        const std::size_t dash = std::min(label.find('-', start), label.size());
        if (dash > start) f(label.substr(start, dash - start));
        start = dash + 1;
    }
}

bool is_ascii_host(std::string_view host) {
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '.';
    });
}

bool is_ipv4_like(std::string_view host) {
    return std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; });
}

// Pairs of neighbouring characters: a token can be inside a string only if each of its pairs is,
// which rules out most tokens for a host at the cost of a few bit tests.
class Bigrams {
public:
    void add(std::string_view s) {
        for (std::size_t i = 1; i < s.size(); ++i) bits_.set(index(s[i - 1], s[i]));
    }
    bool may_contain(std::string_view token) const {
        for (std::size_t i = 1; i < token.size(); ++i) {
            if (!bits_.test(index(token[i - 1], token[i]))) return false;
        }
        return true;
    }

private:
    static std::size_t symbol(char c) {
        if (c >= 'a' && c <= 'z') return static_cast<std::size_t>(c - 'a');
        if (c >= '0' && c <= '9') return 26 + static_cast<std::size_t>(c - '0');
        return 36;
    }
    static std::size_t index(char a, char b) { return symbol(a) * 37 + symbol(b); }
    std::bitset<37 * 37> bits_;
};

bool is_transposition(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    std::size_t i = 0;
    while (i < a.size() && a[i] == b[i]) ++i;
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
}

}  // namespace

std::string fold_confusables(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const char next = i + 1 < s.size() ? s[i + 1] : '\0';
        if ((c == 'r' && next == 'n') || (c == 'v' && next == 'v') || (c == 'c' && next == 'l') || (c == 'p' && next == 'h')) {
            out.push_back(c == 'r' ? 'm' : c == 'v' ? 'w' : c == 'c' ? 'd' : 'f');
            ++i;
            continue;
        }
        switch (c) {
            case '0': out.push_back('o'); break;
            case '1':
            case 'i': out.push_back('l'); break;
            case '3': out.push_back('e'); break;
            case '4': out.push_back('a'); break;
            case '5': out.push_back('s'); break;
            case '7': out.push_back('t'); break;
            default: out.push_back(c);
        }
    }
    return out;
}

namespace {

// Distance 0, 1 or 2 ("more than one") in one pass: the case every comparison on the packet path
// asks for, without the table.
std::size_t within_one_edit(std::string_view a, std::string_view b) {
    if (a.size() < b.size()) std::swap(a, b);
    std::size_t i = 0;
    while (i < b.size() && a[i] == b[i]) ++i;
    if (i == b.size()) return a.size() - b.size();  // equal, or one letter added at the end
    if (a.size() > b.size()) return a.substr(i + 1) == b.substr(i) ? 1 : 2;  // one letter added
    if (a.substr(i + 1) == b.substr(i + 1)) return 1;  // one letter changed
    const bool swapped = i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
    return swapped ? 1 : 2;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
    const std::size_t n = a.size(), m = b.size();
    if ((n > m ? n - m : m - n) > limit) return limit + 1;
    constexpr std::size_t kMax = 63;  // a DNS label: what is compared here
    if (n > kMax || m > kMax) return limit + 1;
    if (limit <= 1) return std::min(within_one_edit(a, b), limit + 1);
    // Three rows of the optimal-string-alignment table, on the stack, rotated by index.
    std::array<std::array<std::size_t, kMax + 1>, 3> rows{};
    for (std::size_t j = 0; j <= m; ++j) rows[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        auto& row = rows[i % 3];
        const auto& one = rows[(i + 2) % 3];  // row i - 1
        const auto& two = rows[(i + 1) % 3];  // row i - 2
        row[0] = i;
        std::size_t best = row[0];
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({one[j] + 1, row[j - 1] + 1, one[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) row[j] = std::min(row[j], two[j - 2] + 1);
            best = std::min(best, row[j]);
        }
        if (best > limit) return limit + 1;
    }
    return std::min(rows[n % 3][m], limit + 1);
}

std::string_view technique_name(LookalikeTechnique technique) {
    switch (technique) {
        case LookalikeTechnique::reads_as_official_domain: return "reads_as_official_domain";
        case LookalikeTechnique::official_domain_prefix: return "official_domain_prefix";
        case LookalikeTechnique::brand_token: return "brand_token";
        case LookalikeTechnique::split_token: return "split_token";
        case LookalikeTechnique::lookalike_characters: return "lookalike_characters";
        case LookalikeTechnique::one_edit: return "one_edit";
        case LookalikeTechnique::transposition: return "transposition";
    }
    return "?";
}

std::string describe(const LookalikeMatch& m, std::string_view host) {
    std::string how;
    switch (m.technique) {
        case LookalikeTechnique::reads_as_official_domain: how = fmt::format("reads as its domain {}", m.imitated); break;
        case LookalikeTechnique::official_domain_prefix: how = fmt::format("its domain {} followed by more labels", m.imitated); break;
        case LookalikeTechnique::brand_token: how = fmt::format("brand name '{}' outside its domains", m.imitated); break;
        case LookalikeTechnique::split_token: how = fmt::format("brand name '{}' split by dots or hyphens", m.imitated); break;
        case LookalikeTechnique::lookalike_characters: how = fmt::format("'{}' spelt with look-alike characters", m.imitated); break;
        case LookalikeTechnique::one_edit: how = fmt::format("one letter away from '{}'", m.imitated); break;
        case LookalikeTechnique::transposition: how = fmt::format("'{}' with two letters swapped", m.imitated); break;
    }
    std::string out = fmt::format("host {} imitates {} ({}): ", host, m.brand->name, brand_kind_name(m.brand->kind));
    if (m.technique == LookalikeTechnique::reads_as_official_domain) {
        out += fmt::format("internationalised name that reads as its domain {}", m.imitated);
    } else {
        if (m.homoglyph()) out += fmt::format("internationalised name that reads as {}; ", m.reading);
        out += how;
    }
    if (!m.action_word.empty()) out += fmt::format("; action word '{}'", m.action_word);
    return out;
}

// --- the host as compared -------------------------------------------------------------------

// An ASCII host split into labels and label parts, with the folded forms computed once. Only the
// labels left of the public suffix are compared: for vietcombank.com.vn-xacthuc.top those are
// vietcombank, com and vn-xacthuc ("top" is the suffix).
struct LookalikeMatcher::HostView {
    struct Part {
        std::string_view text;  // into host
        std::string folded;
        std::size_t label = 0;
    };

    HostView(std::string h, std::size_t registrable_labels) : host(std::move(h)) {
        std::size_t start = 0;
        while (start <= host.size() && labels.size() <= kMaxLabels) {
            const std::size_t dot = std::min(host.find('.', start), host.size());
            labels.emplace_back(host.data() + start, dot - start);
            start = dot + 1;
        }
        if (labels.size() > kMaxLabels || registrable_labels == 0 || registrable_labels > labels.size()) {
            valid = false;
            return;
        }
        for (auto label : labels) {
            if (label.empty() || label.size() > 63) valid = false;
        }
        compared = labels.size() - registrable_labels + 1;  // subdomains and the registrable label
        std::string all_joined;
        for (std::size_t i = 0; i < compared; ++i) {
            folded.push_back(fold_confusables(labels[i]));
            joined.push_back(without_hyphens(labels[i]));
            all_joined += joined.back();
            folded_bigrams.add(folded.back());
            for_each_part(labels[i], [&](std::string_view part) { parts.push_back({part, fold_confusables(part), i}); });
        }
        joined_bigrams.add(all_joined);  // also across labels, for names split by dots
    }
    HostView(const HostView&) = delete;
    HostView& operator=(const HostView&) = delete;

    std::string host;
    std::vector<std::string_view> labels;  // into host
    std::size_t compared = 0;              // labels[0..compared) are compared
    std::vector<std::string> folded;       // fold_confusables of each compared label
    std::vector<std::string> joined;       // each compared label without its hyphens
    std::vector<Part> parts;               // the compared labels split at '-'
    Bigrams joined_bigrams;                // of the compared labels without hyphens, joined
    Bigrams folded_bigrams;                // of the folded labels
    bool valid = true;
};

// --- matcher ----------------------------------------------------------------------------------

LookalikeMatcher::LookalikeMatcher(ProtectedBrandSet brands) : set_(std::move(brands)) {
    for (const auto& b : set_.brands) {
        for (const auto& t : b.tokens) tokens_.push_back({t, fold_confusables(t), &b, t.size() < kLongToken});
        for (const auto& d : b.domains) {
            std::string label = without_hyphens(d.substr(0, d.find('.')));
            const std::string folded = fold_confusables(label);
            domains_.push_back({d, std::move(label), folded, &b});
        }
    }
    // Longest token first: "viettelpost" names Viettel Post before "viettel" names Viettel.
    std::stable_sort(tokens_.begin(), tokens_.end(), [](const Token& a, const Token& b) { return a.text.size() > b.text.size(); });
    // Names a label may be a misspelling of: tokens and domain labels of four letters or more.
    for (const auto& t : tokens_) {
        if (t.text.size() >= kMinFoldLength) names_.push_back({t.text, t.folded, t.brand});
    }
    for (const auto& d : domains_) {
        if (d.label.size() >= kMinFoldLength) names_.push_back({d.label, d.folded, d.brand});
    }
    std::stable_sort(names_.begin(), names_.end(), [](const Name& a, const Name& b) { return a.folded.size() < b.folded.size(); });
    std::sort(domains_.begin(), domains_.end(), [](const Domain& a, const Domain& b) { return a.text < b.text; });
    words_ = set_.action_words;
    words_.insert(words_.end(), set_.brand_words.begin(), set_.brand_words.end());
    std::sort(words_.begin(), words_.end());
    words_.erase(std::unique(words_.begin(), words_.end()), words_.end());
}

bool LookalikeMatcher::is_official(std::string_view host) const {
    if (host.size() > kMaxHost * 4) return false;
    // The host itself, then each parent domain at a label boundary.
    std::string_view rest = host;
    while (!rest.empty()) {
        const auto it = std::lower_bound(domains_.begin(), domains_.end(), rest,
                                         [](const Domain& d, std::string_view r) { return d.text < r; });
        if (it != domains_.end() && it->text == rest) return true;
        const std::size_t dot = rest.find('.');
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    return false;
}

// Whether `s` is a run of known words and digit groups ("digibank", "24h", "xacthuc2"). Bounded
// by the label length (63): one pass of reachable positions.
bool LookalikeMatcher::composed_of_words(std::string_view s, bool allow_empty) const {
    if (s.empty()) return allow_empty;
    if (s.size() > 63) return false;
    std::array<bool, 64> reachable{};
    reachable[0] = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (!reachable[i]) continue;
        if (is_digit(s[i])) {
            std::size_t j = i;
            while (j < s.size() && is_digit(s[j])) reachable[++j] = true;
        }
        for (const auto& w : words_) {
            if (w.front() == s[i] && s.compare(i, w.size(), w) == 0) reachable[i + w.size()] = true;
        }
    }
    return reachable[s.size()];
}

std::string LookalikeMatcher::action_word_in(const HostView& host) const {
    for (const auto& part : host.parts) {
        for (const auto& w : set_.action_words) {
            // Short action words ("otp", "vay") only as a whole part; longer ones anywhere in it.
            if (part.text == w || (w.size() >= 5 && part.text.find(w) != std::string_view::npos)) return w;
        }
    }
    return {};
}

// Which label parts are made of known words only ("vn", "secure", "digibank"): a short token
// needs one of them in another part of the compared labels ("acb.vn-secure.xyz" has "vn" and
// "secure"; "mb.example.com" has none).
std::vector<bool> LookalikeMatcher::word_parts(const HostView& host) const {
    std::vector<bool> out;
    out.reserve(host.parts.size());
    for (const auto& part : host.parts) {
        out.push_back(!std::all_of(part.text.begin(), part.text.end(), is_digit) && composed_of_words(part.text, false));
    }
    return out;
}

std::optional<LookalikeMatch> LookalikeMatcher::official_prefix(const HostView& host) const {
    // An official domain followed by '.' or '-' at the start of the host: each such cut of the
    // host is looked up, shortest first, which is the first match in domains_' sorted order.
    const std::string_view h = host.host;
    for (std::size_t cut = 0; cut < h.size(); ++cut) {
        if (h[cut] != '.' && h[cut] != '-') continue;
        const std::string_view prefix = h.substr(0, cut);
        const auto it = std::lower_bound(domains_.begin(), domains_.end(), prefix,
                                         [](const Domain& d, std::string_view p) { return d.text < p; });
        if (it != domains_.end() && it->text == prefix) {
            return LookalikeMatch{it->brand, LookalikeTechnique::official_domain_prefix, it->text, {}, {}};
        }
    }
    return std::nullopt;
}

namespace {

bool has_letter(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return !is_digit(c); });
}

}  // namespace

// A short token in one label part: the whole part (with a companion word in the host), joined to
// known words ("vcbdigibank", "dangnhapvcb", "vpb24h"), or in look-alike characters ("b1dv",
// "m0m0": four letters or more stand alone; three need a companion word as a plain token does).
std::optional<LookalikeTechnique> LookalikeMatcher::short_token_in(const Token& t, std::string_view part,
                                                                   const std::string& part_folded, bool companion) const {
    if (part == t.text) {
        if (companion) return LookalikeTechnique::brand_token;
        return std::nullopt;
    }
    for (std::size_t at = part.find(t.text); at != std::string_view::npos; at = part.find(t.text, at + 1)) {
        const auto before = part.substr(0, at), after = part.substr(at + t.text.size());
        if ((has_letter(before) || has_letter(after) || companion) && composed_of_words(before, true) &&
            composed_of_words(after, true)) {
            return LookalikeTechnique::brand_token;
        }
    }
    if (part.size() == t.text.size() && (t.text.size() >= kMinFoldLength || companion) && part_folded == t.folded) {
        return LookalikeTechnique::lookalike_characters;
    }
    return std::nullopt;
}

std::optional<LookalikeMatch> LookalikeMatcher::token_in_host(const HostView& host) const {
    const auto words = word_parts(host);
    const auto word_count = static_cast<std::size_t>(std::count(words.begin(), words.end(), true));
    for (const auto& t : tokens_) {
        if (t.is_short) {
            if (!host.joined_bigrams.may_contain(t.text) && !host.folded_bigrams.may_contain(t.folded)) continue;
            for (std::size_t p = 0; p < host.parts.size(); ++p) {
                const bool companion = word_count > (words[p] ? 1U : 0U);  // a word part other than this one
                if (auto how = short_token_in(t, host.parts[p].text, host.parts[p].folded, companion)) {
                    return LookalikeMatch{t.brand, *how, t.text, {}, {}};
                }
            }
            continue;
        }
        const bool raw_possible = host.joined_bigrams.may_contain(t.text);
        if (!raw_possible && !host.folded_bigrams.may_contain(t.folded)) continue;
        for (std::size_t i = 0; i < host.compared; ++i) {
            if (!raw_possible) {
                if (host.folded[i].find(t.folded) != std::string::npos) {
                    return LookalikeMatch{t.brand, LookalikeTechnique::lookalike_characters, t.text, {}, {}};
                }
                continue;
            }
            if (host.labels[i].find(t.text) != std::string_view::npos) {
                return LookalikeMatch{t.brand, LookalikeTechnique::brand_token, t.text, {}, {}};
            }
            if (host.joined[i].find(t.text) != std::string::npos) return LookalikeMatch{t.brand, LookalikeTechnique::split_token, t.text, {}, {}};
            if (host.folded[i].find(t.folded) != std::string::npos) {
                return LookalikeMatch{t.brand, LookalikeTechnique::lookalike_characters, t.text, {}, {}};
            }
        }
    }
    return std::nullopt;
}

// A long token broken across labels: "vietcom.bank-online.xyz".
std::optional<LookalikeMatch> LookalikeMatcher::split_token(const HostView& host) const {
    std::string all;
    for (const auto& j : host.joined) all += j;
    for (const auto& t : tokens_) {
        if (t.is_short || !host.joined_bigrams.may_contain(t.text)) continue;
        if (all.find(t.text) != std::string::npos) return LookalikeMatch{t.brand, LookalikeTechnique::split_token, t.text, {}, {}};
    }
    return std::nullopt;
}

// Each compared label part (and each label without its hyphens) against the brands' names (tokens
// and the first labels of their domains): equal once look-alike characters are folded, or one edit
// or transposition away. Names are sorted by folded length, so a candidate meets only the names
// one letter shorter, as long or one letter longer.
std::optional<LookalikeMatch> LookalikeMatcher::similar_label(const HostView& host) const {
    std::optional<LookalikeMatch> found;
    auto names_of_length = [&](std::size_t length) {
        const auto by_length = [](const Name& n, std::size_t l) { return n.folded.size() < l; };
        const auto first = std::lower_bound(names_.begin(), names_.end(), length, by_length);
        const auto last = std::lower_bound(first, names_.end(), length + 1, by_length);
        return std::pair{first, last};
    };
    auto compare = [&](std::string_view candidate, const std::string& folded) {
        if (found || candidate.size() < kMinFoldLength) return;
        const auto [same_first, same_last] = names_of_length(folded.size());
        for (auto it = same_first; it != same_last && !found; ++it) {
            if (candidate != it->text && folded == it->folded) {
                found = LookalikeMatch{it->brand, LookalikeTechnique::lookalike_characters, it->text, {}, {}};
            }
        }
        if (candidate.size() < kMinEditLength) return;
        const auto [near_first, unused] = names_of_length(folded.size() - 1);
        const auto [unused2, near_last] = names_of_length(folded.size() + 1);
        for (auto it = near_first; it != near_last && !found; ++it) {
            if (it->text.size() < kMinEditLength || candidate == it->text) continue;
            if (edit_distance(folded, it->folded, 1) == 1) {
                const auto how = is_transposition(folded, it->folded) ? LookalikeTechnique::transposition : LookalikeTechnique::one_edit;
                found = LookalikeMatch{it->brand, how, it->text, {}, {}};
            }
        }
    };
    for (const auto& part : host.parts) compare(part.text, part.folded);
    for (std::size_t i = 0; i < host.compared && !found; ++i) {
        if (host.joined[i].size() != host.labels[i].size()) compare(host.joined[i], fold_confusables(host.joined[i]));
    }
    return found;
}

std::optional<LookalikeMatch> LookalikeMatcher::match_ascii(const HostView& host) const {
    if (!host.valid) return std::nullopt;
    std::optional<LookalikeMatch> m = official_prefix(host);
    if (!m) m = token_in_host(host);
    if (!m) m = split_token(host);
    if (!m) m = similar_label(host);
    if (m) m->action_word = action_word_in(host);
    return m;
}

std::optional<LookalikeMatch> LookalikeMatcher::match(std::string_view host, std::string_view registrable_domain) const {
    if (host.ends_with('.')) host.remove_suffix(1);
    if (host.empty() || host.front() == '[' || is_ipv4_like(host)) return std::nullopt;  // IP literals: signatures 3000030
    if (registrable_domain.ends_with('.')) registrable_domain.remove_suffix(1);
    const std::size_t registrable_labels = std::max<std::size_t>(count_labels(registrable_domain), 1);
    if (is_official(host)) return std::nullopt;
    if (!HostSkeleton::is_international(host)) {
        if (host.size() > kMaxHost || !is_ascii_host(host)) return std::nullopt;
        const HostView view(std::string(host), registrable_labels);
        return match_ascii(view);
    }
    auto reading = skeleton_.ascii_reading(host);
    if (!reading || reading->size() > kMaxHost) return std::nullopt;
    std::optional<LookalikeMatch> m;
    if (is_official(*reading)) {
        for (const auto& d : domains_) {
            if (*reading == d.text || reading->ends_with("." + d.text)) {
                m = LookalikeMatch{d.brand, LookalikeTechnique::reads_as_official_domain, d.text, {}, {}};
                break;
            }
        }
    } else {
        const HostView view(*reading, registrable_labels);
        m = match_ascii(view);
    }
    if (m) m->reading = *reading;
    return m;
}

}  // namespace scamgate::detect
