#pragma once
// Look-alike hosts: does a link's host imitate a protected brand (protected_brands.h)? The host is
// compared with every brand's tokens and domains by a small set of techniques, each named in the
// evidence (docs/detection.md, "Look-alike hosts"):
//   official_domain_prefix  the brand's own domain, then more labels: vietcombank.com.vn-xacthuc.top
//   brand_token             a brand token in a host outside the brand's domains: acb.vn-secure.xyz
//   split_token             a brand name broken by dots or hyphens: vietcom.bank-online.xyz
//   lookalike_characters    digits or letters that read alike: vietc0mbank, b1dv, mobiphone (ph/f)
//   one_edit                one letter added, dropped or changed: vietcombamk, lazadda
//   transposition           two neighbouring letters swapped: vietcombnak
//   homoglyph               (url.brand_homoglyph) an internationalised host that reads as the
//                           brand's own domain (reads_as_official_domain: xn--vietcmbank-ivi.com.vn)
//                           or as one of the above
// A host under any brand's own domains never matches. Immutable once built: share between threads.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/host_skeleton.h"
#include "detect/protected_brands.h"

namespace scamgate::detect {

enum class LookalikeTechnique {
    reads_as_official_domain,  // internationalised only: reads exactly as the brand's own domain
    official_domain_prefix,
    brand_token,
    split_token,
    lookalike_characters,
    one_edit,
    transposition,
};
std::string_view technique_name(LookalikeTechnique technique);

struct LookalikeMatch {
    const ProtectedBrand* brand = nullptr;
    LookalikeTechnique technique = LookalikeTechnique::brand_token;
    std::string imitated;     // the brand token or domain the host imitates
    std::string action_word;  // a word such as "xacthuc" in the host; empty when none
    std::string reading;      // internationalised host: how it reads (ASCII); empty otherwise
    bool homoglyph() const { return !reading.empty(); }
};

// "host vietcombank.com.vn-xacthuc.top imitates Vietcombank (bank): official domain
// vietcombank.com.vn followed by more labels; action word 'xacthuc'"
std::string describe(const LookalikeMatch& match, std::string_view host);

class LookalikeMatcher {
public:
    // Bounds per host: longer hosts or more labels are not DNS names, so they are not compared.
    static constexpr std::size_t kMaxHost = 253;
    static constexpr std::size_t kMaxLabels = 64;

    explicit LookalikeMatcher(ProtectedBrandSet brands);

    // `host` and `registrable_domain` as text::UrlMention gives them (lower-case; IDN hosts in
    // UTF-8 or punycode). The first brand the host imitates, or nullopt.
    std::optional<LookalikeMatch> match(std::string_view host, std::string_view registrable_domain) const;

    // The host is one of the brands' own domains or under one.
    bool is_official(std::string_view host) const;

    const ProtectedBrandSet& registry() const { return set_; }

private:
    struct Token {
        std::string text;    // as written
        std::string folded;  // fold_confusables(text)
        const ProtectedBrand* brand = nullptr;
        bool is_short = false;  // matched only as a whole label part or joined to known words
    };
    struct Domain {
        std::string text;
        std::string label;   // its first label without hyphens: what a typo-squatted label is compared with
        std::string folded;  // fold_confusables(label)
        const ProtectedBrand* brand = nullptr;
    };
    struct Name {
        std::string text;
        std::string folded;
        const ProtectedBrand* brand = nullptr;
    };
    struct HostView;

    std::optional<LookalikeMatch> match_ascii(const HostView& host) const;
    std::optional<LookalikeMatch> official_prefix(const HostView& host) const;
    std::optional<LookalikeMatch> token_in_host(const HostView& host) const;
    std::optional<LookalikeTechnique> short_token_in(const Token& t, std::string_view part, const std::string& part_folded,
                                                     bool companion) const;
    std::optional<LookalikeMatch> split_token(const HostView& host) const;
    std::optional<LookalikeMatch> similar_label(const HostView& host) const;
    bool composed_of_words(std::string_view s, bool allow_empty) const;
    std::string action_word_in(const HostView& host) const;
    std::vector<bool> word_parts(const HostView& host) const;

    ProtectedBrandSet set_;
    std::vector<Token> tokens_;
    std::vector<Domain> domains_;             // every brand's, sorted by text
    std::vector<Name> names_;                 // tokens and domain labels, sorted by folded length
    std::vector<std::string> words_;          // action and brand words, sorted
    HostSkeleton skeleton_;
};

// Digits and letters that read alike, made one: 0->o, 1 and i->l, 3->e, 4->a, 5->s, 7->t, and
// rn->m, vv->w, cl->d, ph->f. Applied to both sides of a comparison.
std::string fold_confusables(std::string_view ascii);

// Optimal string alignment distance (edits and adjacent transpositions), stopping at limit + 1.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit);

}  // namespace scamgate::detect
