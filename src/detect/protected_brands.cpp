#include "detect/protected_brands.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace scamgate::detect {

namespace {

struct KindName {
    BrandKind kind;
    std::string_view name;
};

constexpr std::array kKinds = {
    KindName{BrandKind::bank, "bank"},         KindName{BrandKind::government, "government"},
    KindName{BrandKind::carrier, "carrier"},   KindName{BrandKind::wallet, "wallet"},
    KindName{BrandKind::ecommerce, "ecommerce"}, KindName{BrandKind::delivery, "delivery"},
    KindName{BrandKind::app, "app"},           KindName{BrandKind::utility, "utility"},
};

constexpr std::string_view kKindList = "bank, government, carrier, wallet, ecommerce, delivery, app, utility";

bool is_token_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A domain as the matcher compares it: lowercase ASCII letters, digits and '-' in labels of 1..63
// bytes, at least two labels ("gov.vn"), no leading or trailing dot or hyphen.
bool is_domain(std::string_view d) {
    if (d.empty() || d.size() > 253 || d.find('.') == std::string_view::npos) return false;
    std::size_t start = 0;
    while (start <= d.size()) {
        const std::size_t dot = std::min(d.find('.', start), d.size());
        const std::string_view label = d.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), [](char c) { return is_token_char(c) || c == '-'; })) return false;
        start = dot + 1;
    }
    return true;
}

class RegistryReader {
public:
    explicit RegistryReader(std::string source) : source_(std::move(source)) {}

    ProtectedBrandSet read(const YAML::Node& root) {
        if (!root.IsMap()) fail(root, "the registry must be a mapping with action_words, brand_words and brands");
        for (const auto& entry : root) {
            const std::string key = entry.first.Scalar();
            if (key != "action_words" && key != "brand_words" && key != "brands") {
                fail(entry.first, fmt::format("unknown key '{}'; known keys: action_words, brand_words, brands", key));
            }
        }
        ProtectedBrandSet set;
        set.source = source_;
        set.action_words = words(root, "action_words");
        set.brand_words = words(root, "brand_words");
        const auto brands = root["brands"];
        if (!brands || !brands.IsSequence() || brands.size() == 0) {
            fail(brands ? brands : root, "'brands' must be a non-empty list of brands");
        }
        if (brands.size() > ProtectedBrandSet::kMaxBrands) {
            fail(brands, fmt::format("more than {} brands; split the registry", ProtectedBrandSet::kMaxBrands));
        }
        for (const auto& node : brands) set.brands.push_back(brand(node));
        check_unique(set);
        return set;
    }

private:
    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        throw BrandRegistryError(fmt::format("{}:{}: {}{}", source_, at.Mark().line + 1,
                                             brand_.empty() ? "" : fmt::format("brand '{}': ", brand_), what));
    }

    std::vector<std::string> scalar_list(const YAML::Node& node, const char* key, std::size_t max) const {
        const auto list = node[key];
        if (!list || !list.IsSequence()) fail(list ? list : node, fmt::format("'{}' must be a list", key));
        if (list.size() > max) fail(list, fmt::format("'{}' has more than {} entries", key, max));
        std::vector<std::string> out;
        for (const auto& item : list) {
            if (!item.IsScalar() || item.Scalar().empty()) fail(item, fmt::format("'{}' holds an empty or non-text entry", key));
            out.push_back(item.Scalar());
        }
        return out;
    }

    void check_token(const YAML::Node& at, const std::string& token, const char* what) const {
        if (token.size() < ProtectedBrandSet::kMinToken || token.size() > ProtectedBrandSet::kMaxToken ||
            !std::all_of(token.begin(), token.end(), is_token_char)) {
            fail(at, fmt::format("{} '{}' must be {}..{} lowercase ASCII letters or digits (no '-' or '.': "
                                 "the matcher splits host names there)",
                                 what, token, ProtectedBrandSet::kMinToken, ProtectedBrandSet::kMaxToken));
        }
    }

    std::vector<std::string> words(const YAML::Node& root, const char* key) const {
        auto out = scalar_list(root, key, ProtectedBrandSet::kMaxWords);
        const auto list = root[key];
        for (std::size_t i = 0; i < out.size(); ++i) {
            // Single letters are allowed here ("e" in "ebidv", "m" in "mvcb").
            if (out[i].size() > ProtectedBrandSet::kMaxToken || !std::all_of(out[i].begin(), out[i].end(), is_token_char)) {
                fail(list[i], fmt::format("word '{}' must be lowercase ASCII letters or digits", out[i]));
            }
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    BrandKind kind(const YAML::Node& node) const {
        const auto k = node["kind"];
        if (!k || !k.IsScalar()) fail(node, fmt::format("'kind' is required: one of {}", kKindList));
        for (const auto& entry : kKinds) {
            if (entry.name == k.Scalar()) return entry.kind;
        }
        fail(k, fmt::format("unknown kind '{}'; one of {}", k.Scalar(), kKindList));
    }

    std::vector<BrandExample> examples(const YAML::Node& node, const char* key) const {
        const auto list = node[key];
        if (!list || !list.IsSequence() || list.size() == 0) {
            fail(list ? list : node, fmt::format("'examples.{}' must list at least one host or text", key));
        }
        if (list.size() > ProtectedBrandSet::kMaxPerBrand) {
            fail(list, fmt::format("'examples.{}' has more than {} entries", key, ProtectedBrandSet::kMaxPerBrand));
        }
        std::vector<BrandExample> out;
        for (const auto& item : list) {
            if (!item.IsScalar() || item.Scalar().empty()) fail(item, "an example must be a non-empty host, URL or text");
            out.push_back({item.Scalar(), static_cast<std::size_t>(item.Mark().line) + 1});
        }
        return out;
    }

    ProtectedBrand brand(const YAML::Node& node) {
        brand_.clear();
        if (!node.IsMap()) fail(node, "each brand must be a mapping (name, kind, domains, tokens, examples)");
        const auto name = node["name"];
        if (!name || !name.IsScalar() || name.Scalar().empty()) fail(node, "'name' is required");
        ProtectedBrand b;
        b.name = brand_ = name.Scalar();
        for (const auto& entry : node) {
            const std::string key = entry.first.Scalar();
            if (key != "name" && key != "kind" && key != "domains" && key != "tokens" && key != "examples") {
                fail(entry.first, fmt::format("unknown key '{}'; known keys: name, kind, domains, tokens, examples", key));
            }
        }
        b.line = static_cast<std::size_t>(node.Mark().line) + 1;
        b.kind = kind(node);
        b.domains = scalar_list(node, "domains", ProtectedBrandSet::kMaxPerBrand);
        for (std::size_t i = 0; i < b.domains.size(); ++i) {
            if (!is_domain(b.domains[i])) {
                fail(node["domains"][i], fmt::format("domain '{}' must be lowercase ASCII (punycode for IDN), with at "
                                                     "least two labels and no trailing dot", b.domains[i]));
            }
        }
        b.tokens = scalar_list(node, "tokens", ProtectedBrandSet::kMaxPerBrand);
        for (std::size_t i = 0; i < b.tokens.size(); ++i) check_token(node["tokens"][i], b.tokens[i], "token");
        const auto ex = node["examples"];
        if (!ex || !ex.IsMap()) fail(node, "'examples' is required: {match: [...], no_match: [...]}");
        for (const auto& entry : ex) {
            if (entry.first.Scalar() != "match" && entry.first.Scalar() != "no_match") {
                fail(entry.first, fmt::format("unknown key 'examples.{}'; known keys: match, no_match", entry.first.Scalar()));
            }
        }
        b.match = examples(ex, "match");
        b.no_match = examples(ex, "no_match");
        brand_.clear();
        return b;
    }

    // A token or domain in two brands would make the evidence name one of them at random.
    void check_unique(const ProtectedBrandSet& set) const {
        std::map<std::string, const ProtectedBrand*> names, tokens, domains;
        auto once = [&](std::map<std::string, const ProtectedBrand*>& seen, const std::string& key,
                        const ProtectedBrand& b, const char* what) {
            auto [it, inserted] = seen.emplace(key, &b);
            if (!inserted) {
                throw BrandRegistryError(fmt::format("{}:{}: brand '{}': {} '{}' is already given by brand '{}' (line {}); "
                                                     "keep it in one brand",
                                                     source_, b.line, b.name, what, key, it->second->name,
                                                     it->second->line));
            }
        };
        for (const auto& b : set.brands) {
            once(names, b.name, b, "name");
            for (const auto& t : std::set<std::string>(b.tokens.begin(), b.tokens.end())) once(tokens, t, b, "token");
            for (const auto& d : std::set<std::string>(b.domains.begin(), b.domains.end())) once(domains, d, b, "domain");
        }
    }

    std::string source_;
    std::string brand_;  // the brand being read, for messages
};

}  // namespace

std::string_view brand_kind_name(BrandKind kind) {
    for (const auto& entry : kKinds) {
        if (entry.kind == kind) return entry.name;
    }
    return "?";
}

ProtectedBrandSet parse_protected_brands(const std::string& yaml, const std::string& source) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::ParserException& e) {
        throw BrandRegistryError(fmt::format("{}:{}: YAML syntax error: {}", source, e.mark.line + 1, e.msg));
    }
    try {
        return RegistryReader(source).read(root);
    } catch (const YAML::Exception& e) {  // a scalar where a map was expected, and the like
        throw BrandRegistryError(fmt::format("{}:{}: {}", source, e.mark.line + 1, e.msg));
    }
}

ProtectedBrandSet load_protected_brands(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw BrandRegistryError(fmt::format("{}: cannot open the protected-brand registry (lists.protected_brands)", path));
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > ProtectedBrandSet::kMaxFileBytes) {
        throw BrandRegistryError(fmt::format("{}: the protected-brand registry is larger than {} bytes; split it or check the path",
                                             path, ProtectedBrandSet::kMaxFileBytes));
    }
    return parse_protected_brands(text.str(), path);
}

}  // namespace scamgate::detect
