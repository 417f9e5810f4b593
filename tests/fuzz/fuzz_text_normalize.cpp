// make_views() on any bytes. The first byte picks max_input_bytes (0..255, or the default when
// it is 0xFF). Traps when a view is not valid UTF-8, when folded holds A-Z, two spaces in a row
// or a leading/trailing space, when the flags lie, or when fold/deobfuscate are not idempotent
// where they promise to be (folding folded text changes nothing).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "text/normalize.h"
#include "fuzz_utf8.h"

namespace {

using scamgate::fuzz::valid_utf8;
using namespace scamgate::text;

void check_folded(std::string_view f) {
    if (!valid_utf8(f)) __builtin_trap();
    if (!f.empty() && (f.front() == ' ' || f.back() == ' ')) __builtin_trap();
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] >= 'A' && f[i] <= 'Z') __builtin_trap();
        if (f[i] == ' ' && i + 1 < f.size() && f[i + 1] == ' ') __builtin_trap();
        if (f[i] == '\t' || f[i] == '\n' || f[i] == '\r' || f[i] == 0) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // A copy of exactly the text bytes, so ASan sees any read past the end.
    const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
    NormalizeLimits limits;
    if (data[0] != 0xFF) limits.max_input_bytes = data[0];
    const TextViews v = make_views(input, limits);
    if (!valid_utf8(v.raw) || !valid_utf8(v.deobfuscated)) __builtin_trap();
    check_folded(v.folded);
    if (v.truncated != (input.size() > limits.max_input_bytes)) __builtin_trap();
    if (!v.truncated && valid_utf8(input) == v.invalid_utf8) __builtin_trap();
    if (v.folded != fold(v.raw)) __builtin_trap();
    if (v.deobfuscated != deobfuscate(v.folded)) __builtin_trap();
    if (fold(v.folded) != v.folded) __builtin_trap();  // folding is idempotent
    // fold() takes any bytes too.
    check_folded(fold(input));
    return 0;
}
