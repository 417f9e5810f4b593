#include "text/normalize.h"

#include <cstdlib>
#include <memory>

#include <utf8proc.h>

#include "text/unicode.h"
#include "text/utf8.h"

namespace scamgate::text {

namespace {

struct FreeDeleter {
    void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

}  // namespace

std::string nfc(std::string_view utf8) {
    utf8proc_uint8_t* out = nullptr;
    const auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                                            static_cast<utf8proc_ssize_t>(utf8.size()), &out, options);
    const std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(out);
    if (n < 0 || out == nullptr) return std::string(utf8);
    return {reinterpret_cast<const char*>(out), static_cast<std::size_t>(n)};
}

// Blocks in which every code point is NFC_QC=Yes and can be neither the second half of a
// composition nor reordered (Unicode's DerivedNormalizationProps: no No/Maybe values there).
// Text made only of these is NFC as it stands, which spares utf8proc_map on the hot path.
bool is_nfc_inert(char32_t cp) {
    return cp < 0x300 || (cp >= 0x1E00 && cp <= 0x1EFF) ||  // Latin, incl. Vietnamese
           (cp >= 0x0400 && cp <= 0x0482) || (cp >= 0x048A && cp <= 0x052F) ||  // Cyrillic letters
           (cp >= 0x2010 && cp <= 0x2027) ||                  // dashes, quotes, bullets, ellipsis
           (cp >= 0x20A0 && cp <= 0x20C0) ||                  // currency signs
           (cp >= 0x3040 && cp <= 0x3098) ||                  // hiragana without the voicing marks
           (cp >= 0x4E00 && cp <= 0x9FFF) ||                  // CJK unified ideographs
           (cp >= 0xAC00 && cp <= 0xD7A3) ||                  // Hangul syllables (a T jamo after is not inert)
           (cp >= 0x1F300 && cp <= 0x1FAFF);                  // emoji
}

// The input with every invalid sequence replaced by U+FFFD (`had_invalid` is set when one was),
// and whether the result is NFC as it stands (every code point inert; U+FFFD is not): one
// decoding pass for both.
std::string sanitize_utf8_nfc_quick(std::string_view s, bool& had_invalid, bool& nfc_quick) {
    std::string out;
    out.reserve(s.size() + 8);
    nfc_quick = true;
    std::size_t valid_from = 0;  // valid bytes not yet copied start here: copied in runs
    std::size_t i = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {  // valid and inert
            ++i;
            continue;
        }
        const DecodedChar d = decode_utf8(s, i);
        if (!d.valid) {
            out.append(s.substr(valid_from, i - valid_from));
            had_invalid = true;
            append_utf8(out, 0xFFFD);
            valid_from = i + d.len;
        }
        nfc_quick = nfc_quick && is_nfc_inert(d.cp);  // d.cp is U+FFFD when invalid
        i += d.len;
    }
    out.append(s.substr(valid_from));
    return out;
}

RawView raw_view(std::string_view input, const NormalizeLimits& limits) {
    RawView view;
    const std::size_t n = utf8_cut(input, limits.max_input_bytes);
    view.truncated = n < input.size();
    const std::string_view text = input.substr(0, n);
    if (is_ascii(text)) {
        view.text = std::string(text);  // ASCII is valid UTF-8 and already NFC
    } else {
        bool nfc_quick = true;
        view.text = sanitize_utf8_nfc_quick(text, view.invalid_utf8, nfc_quick);
        if (!nfc_quick) view.text = nfc(view.text);
    }
    return view;
}

TextViews make_views(std::string_view input, const NormalizeLimits& limits) {
    TextViews views;
    auto raw = raw_view(input, limits);
    views.raw = std::move(raw.text);
    views.invalid_utf8 = raw.invalid_utf8;
    views.truncated = raw.truncated;
    views.folded = fold(views.raw);
    views.deobfuscated = deobfuscate(views.folded);
    return views;
}

}  // namespace scamgate::text
