// URL, phone and account extraction on any bytes (and on their folded form). Traps when a
// mention's offset or text is not where it says, a limit is exceeded, digits hold a non-digit or
// a URL is not of the promised shape, or when extract_numbers differs from the two extractors.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/extract.h"
#include "text/normalize.h"

namespace {

using namespace scamgate::text;

const PublicSuffixList& psl() {
    static const PublicSuffixList list = PublicSuffixList::load();  // read once, then immutable
    return list;
}

void check_numbers(std::string_view text, const std::vector<NumberMention>& found, const ExtractLimits& limits) {
    if (found.size() > limits.max_numbers) __builtin_trap();
    for (const NumberMention& n : found) {
        if (n.offset > text.size() || n.found.size() > text.size() - n.offset) __builtin_trap();
        if (text.substr(n.offset, n.found.size()) != n.found) __builtin_trap();
        if (n.digits.empty() || n.digits.size() > 19) __builtin_trap();
        for (const char c : n.digits) {
            if (c < '0' || c > '9') __builtin_trap();
        }
    }
}

bool same_mentions(const std::vector<NumberMention>& a, const std::vector<NumberMention>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].digits != b[i].digits || a[i].found != b[i].found || a[i].offset != b[i].offset ||
            a[i].international != b[i].international) {
            return false;
        }
    }
    return true;
}

void check(std::string_view text, const ExtractLimits& limits) {
    const std::vector<UrlMention> urls = extract_urls(text, psl(), limits);
    if (urls.size() > limits.max_urls) __builtin_trap();
    std::size_t last_end = 0;
    for (const UrlMention& u : urls) {
        if (u.offset > text.size() || u.found.size() > text.size() - u.offset) __builtin_trap();
        if (text.substr(u.offset, u.found.size()) != u.found) __builtin_trap();
        if (u.offset < last_end) __builtin_trap();  // mentions do not overlap, in text order
        last_end = u.offset + u.found.size();
        if (u.host.empty() || u.url.rfind(u.had_scheme ? "http" : "http://", 0) != 0) __builtin_trap();
        if (u.url.find(u.host) == std::string::npos) __builtin_trap();
        if (u.registrable_domain.empty() || u.host.size() < u.registrable_domain.size()) __builtin_trap();
        for (const char c : u.host) {
            if (c >= 'A' && c <= 'Z') __builtin_trap();
        }
    }
    const std::vector<NumberMention> phones = extract_phone_numbers(text, limits);
    const std::vector<NumberMention> accounts = extract_account_numbers(text, limits);
    check_numbers(text, phones, limits);
    check_numbers(text, accounts, limits);
    // The one-scan extractor the detector uses must find exactly the same.
    const NumberMentions both = extract_numbers(text, limits);
    if (!same_mentions(both.phones, phones) || !same_mentions(both.accounts, accounts)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    ExtractLimits limits;
    limits.max_urls = data[0] & 0x0F;
    limits.max_numbers = data[0] >> 4;
    // A copy of exactly the text bytes, so ASan sees any read past the end.
    const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
    check(input, limits);
    check(fold(input), limits);
    return 0;
}
