// Look-alike host matching (src/detect/lookalike.cpp) on any bytes, with the bundled protected-brand
// registry. The first byte chooses the input: even, the rest is a host (with its registrable domain
// from the public suffix list, as the URL extractor gives it); odd, the rest is an SMS text whose
// extracted URL hosts are matched, as in production. Traps when a brand's own domain matches, a
// match names no brand or technique, or an internationalised reading is not an ASCII host.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "detect/lookalike.h"
#include "text/extract.h"

namespace {

using namespace scamgate;

const text::PublicSuffixList& psl() {
    static const text::PublicSuffixList list = text::PublicSuffixList::load();  // read once, then immutable
    return list;
}

const detect::LookalikeMatcher& matcher() {
    static const detect::LookalikeMatcher m(
        detect::load_protected_brands(std::string(SCAMGATE_SOURCE_DIR) + "/config/lists/protected-brands.yaml"));
    return m;
}

bool is_ascii_host(std::string_view s) {
    for (const char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
    }
    return !s.empty();
}

void check(std::string_view host, std::string_view registrable) {
    const auto m = matcher().match(host, registrable);
    if (!m) return;
    if (matcher().is_official(host)) __builtin_trap();
    if (m->brand == nullptr || m->imitated.empty()) __builtin_trap();
    if (m->homoglyph() && !is_ascii_host(m->reading)) __builtin_trap();
    if (detect::describe(*m, host).find(m->brand->name) == std::string::npos) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // A copy of exactly the input bytes, so ASan sees any read past the end.
    const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
    if ((data[0] & 1) == 0) {
        check(input, psl().registrable_domain(input));
        check(input, input);  // any registrable domain, even one that does not fit the host
        return 0;
    }
    for (const auto& url : text::extract_urls(input, psl())) check(url.host, url.registrable_domain);
    return 0;
}
