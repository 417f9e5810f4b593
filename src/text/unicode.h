#pragma once
// Small Unicode helpers over utf8proc, internal to src/text/.
#include <string>
#include <string_view>

namespace scamgate::text {

inline bool is_hangul_syllable(char32_t cp) { return cp >= 0xAC00 && cp <= 0xD7A3; }
inline bool is_hangul_jamo(char32_t cp) { return cp >= 0x1100 && cp <= 0x11FF; }

// NFC of valid UTF-8 (utf8proc_map with COMPOSE | STABLE). Input that utf8proc refuses (it
// should not: callers pass sanitised text) is returned unchanged.
std::string nfc(std::string_view utf8);

}  // namespace scamgate::text
