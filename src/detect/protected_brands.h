#pragma once
// The protected-brand registry (config/lists/protected-brands.yaml, config key
// lists.protected_brands): the banks, government services, carriers, wallets, shops and couriers
// that phishing links imitate, each with the domains that are really its own, the names it goes by
// in host names, and examples that must and must not be flagged. Data only: the look-alike
// matcher (lookalike.h) reads it.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scamgate::detect {

class BrandRegistryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class BrandKind { bank, government, carrier, wallet, ecommerce, delivery, app, utility };
std::string_view brand_kind_name(BrandKind kind);

struct BrandExample {
    std::string text;  // a host, a URL, or (with a space) a whole SMS text
    std::size_t line = 0;
};

struct ProtectedBrand {
    std::string name;
    BrandKind kind = BrandKind::bank;
    std::vector<std::string> domains;  // lowercase ASCII, no trailing dot
    std::vector<std::string> tokens;   // lowercase ASCII letters and digits
    std::vector<BrandExample> match;
    std::vector<BrandExample> no_match;
    std::size_t line = 0;
};

struct ProtectedBrandSet {
    // Bounds: a registry is read at start and on reload; these keep a broken or hostile file from
    // costing memory or time on every link.
    static constexpr std::size_t kMaxBrands = 1000;
    static constexpr std::size_t kMaxPerBrand = 64;   // domains, tokens, examples each
    static constexpr std::size_t kMaxWords = 500;     // action_words, brand_words each
    static constexpr std::size_t kMinToken = 2;
    static constexpr std::size_t kMaxToken = 63;      // a DNS label
    static constexpr std::size_t kMaxFileBytes = 8 << 20;

    std::string source;  // the file, for FILE:LINE messages
    std::vector<std::string> action_words;
    std::vector<std::string> brand_words;
    std::vector<ProtectedBrand> brands;
};

// Throws BrandRegistryError "FILE:LINE: what is wrong; what to do".
ProtectedBrandSet load_protected_brands(const std::string& path);
ProtectedBrandSet parse_protected_brands(const std::string& yaml, const std::string& source);

}  // namespace scamgate::detect
