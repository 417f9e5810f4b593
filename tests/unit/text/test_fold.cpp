#include <doctest/doctest.h>

#include <string>

#include "text/normalize.h"
#include "text/unicode.h"
#include "text/utf8.h"

using namespace scamgate::text;

TEST_CASE("fold: Vietnamese NFC and NFD fold alike") {
    const std::string nfc = "T\u00E0i kho\u1EA3n c\u1EE7a b\u1EA1n \u0111\u00E3 b\u1ECB kh\u00F3a";
    const std::string nfd = "Ta\u0300i khoa\u0309n cu\u031Ba ba\u0323n \u0111a\u0303 bi\u0323 kho\u0301a";
    CHECK(fold(nfc) == "tai khoan cua ban da bi khoa");
    CHECK(fold(nfd) == "tai khoan cua ban da bi khoa");
    CHECK(fold("\u0110I\u1EC6N L\u1EF0C") == "dien luc");                  // ĐIỆN LỰC
    CHECK(fold("\u0110I\u1EC6N L\u1EF0C") == fold("DIE\u0323\u0302N LU\u031B\u0323C") );
    CHECK(fold("Ng\u00E2n h\u00E0ng Nh\u00E0 n\u01B0\u1EDBc") == "ngan hang nha nuoc");
    CHECK(fold("\u01A0\u0301 \u01AF") == "o u");  // horn letters decomposed
}

TEST_CASE("fold: invisible characters inside words") {
    CHECK(fold("kh\u200Bo\u200Ca\u200Dn") == "khoan");
    CHECK(fold("vi\u2060et\uFEFFcom\u00ADbank") == "vietcombank");
    CHECK(fold("a\u202Eb\u2066c") == "abc");       // bidi controls (Cf)
    CHECK(fold("x\x01y\x7Fz") == "xyz");           // C0 controls and DEL
    CHECK(fold("a\u0085b") == "a b");               // NEL is a line break
    CHECK(fold("ng\u3164an") == "ngan");            // Hangul filler: default-ignorable
    CHECK(fold("o\uFE0Fk") == "ok");                // variation selector
}

TEST_CASE("fold: white space collapses and trims") {
    CHECK(fold("  a\t\tb\r\n c \u00A0\u2003 d\u3000") == "a b c d");
    CHECK(fold("\n\n") == "");
    CHECK(fold("") == "");
    CHECK(fold("a\u2028b\u2029c") == "a b c");
}

TEST_CASE("fold: compatibility forms") {
    CHECK(fold("\uFF21\uFF22\uFF23\uFF11\uFF12\uFF13") == "abc123");             // full-width
    CHECK(fold("\U0001D42F\U0001D41C\U0001D41B") == "vcb");                      // 𝐯𝐜𝐛 math bold
    CHECK(fold("\U0001D415\U0001D402\U0001D401") == "vcb");                      // 𝐕𝐂𝐁 capitals
    CHECK(fold("\U0001D4FF\U0001D4EC\U0001D4EB") == "vcb");                      // bold script
    CHECK(fold("\u24CB\u24B8\u24B7") == "vcb");                                  // Ⓥ Ⓒ Ⓑ
    CHECK(fold("\uFB01le \uFB00") == "file ff");                                 // ligatures
    CHECK(fold("x\u00B2 \u2460 \u2168") == "x2 1 ix");                          // ², ①, Ⅸ
    CHECK(fold("\uFF36\uFF29\uFF25\uFF34\uFF23\uFF2F\uFF2D\uFF22\uFF21\uFF2E\uFF2B") == "vietcombank");
    CHECK(fold("Stra\u00DFe") == "strasse");                                     // full case folding
}

TEST_CASE("fold: stroke letters") {
    CHECK(fold("\u0110\u00F8\u0141\u0127\u00E6\u0153\u0131") == "dolhaeoei");
    CHECK(fold("\u00D8RSTED \u0141\u00D3D\u0179") == "orsted lodz");
}

TEST_CASE("fold: look-alike letters in a Latin word") {
    // V і е t с о m b а n k: Cyrillic і е с о а.
    CHECK(fold("V\u0456\u0435t\u0441\u043Emb\u0430nk") == "vietcombank");
    // All look-alikes, no Latin letter: still Latin (Cyrillic р а у р а l has a Latin l anyway).
    CHECK(fold("\u0440\u0430\u0443\u0440\u0430l") == "paypal");
    CHECK(fold("\u0412\u0421\u0412") == "bcb");          // ВСВ: all Cyrillic capitals
    CHECK(fold("\u0391\u0392\u0397") == "abh");          // Greek capitals ΑΒΗ keep their Latin shape
    CHECK(fold("\u03BF\u03BA") == "ok");                  // οκ
    CHECK(fold("\U0001D6AE\U0001D6BB\U0001D6B8") == "htp");          // math bold Greek Η Τ
}

TEST_CASE("fold: other scripts keep their letters") {
    CHECK(fold("\u041F\u0420\u0418\u0412\u0415\u0422") == "\u043F\u0440\u0438\u0432\u0435\u0442");  // ПРИВЕТ
    CHECK(fold("\u0395\u039B\u039B\u0391\u0394\u0391") == "\u03B5\u03BB\u03BB\u03B1\u03B4\u03B1");  // ΕΛΛΑΔΑ
    CHECK(fold("\u4F60\u597D \u4E16\u754C") == "\u4F60\u597D \u4E16\u754C");
    CHECK(fold("\uD55C\uAD6D\uC5B4") == "\uD55C\uAD6D\uC5B4");  // Hangul syllables stay whole
    CHECK(fold("\u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35") == "\u0E2A\u0E27\u0E2A\u0E14");  // Thai marks (Mn) drop
    CHECK(fold("\u0939\u093F\u0928\u094D\u0926\u0940") == "\u0939\u093F\u0928\u0926\u0940");  // Devanagari: Mc kept
    // A word mixing Cyrillic with a Latin letter is latinised, the Russian word next to it not.
    CHECK(fold("\u0421\u0431\u0435\u0440 vcb\u0430") == "\u0441\u0431\u0435\u0440 vcba");
}

TEST_CASE("fold: invalid UTF-8 becomes U+FFFD") {
    CHECK(fold("a\xFF" "b") == "a\uFFFDb");
    CHECK(fold("\xC3") == "\uFFFD");
    CHECK(fold("\xE2\x82") == "\uFFFD");            // one replacement for the truncated sequence
    CHECK(fold("\xED\xA0\x80") == "\uFFFD\uFFFD\uFFFD");  // surrogate: each byte is its own error
    CHECK(fold("\xC0\xAF") == "\uFFFD\uFFFD");      // overlong '/'
}

TEST_CASE("make_views: the three views") {
    const TextViews v = make_views("Qu\u00FD kh\u00E1ch: T\u00E0i kho\u1EA3n VCB b\u1ECB kh\u00F3a, truy c\u1EADp v.c.b-s3cure . top");
    CHECK(v.raw == "Qu\u00FD kh\u00E1ch: T\u00E0i kho\u1EA3n VCB b\u1ECB kh\u00F3a, truy c\u1EADp v.c.b-s3cure . top");
    CHECK(v.folded == "quy khach: tai khoan vcb bi khoa, truy cap v.c.b-s3cure . top");
    CHECK(v.deobfuscated == "quy khach: tai khoan vcb bi khoa, truy cap vcb-secure . top");
    CHECK_FALSE(v.invalid_utf8);
    CHECK_FALSE(v.truncated);
}

TEST_CASE("make_views: raw is NFC") {
    const TextViews v = make_views("kho\u0301a \u212B");  // decomposed ó; Angstrom sign
    CHECK(v.raw == "kh\u00F3a \u00C5");
    CHECK(v.folded == "khoa a");
}

TEST_CASE("make_views: invalid UTF-8") {
    const TextViews v = make_views("ab\x80 c\xF5\xE4\xBD");
    CHECK(v.invalid_utf8);
    CHECK(v.raw == "ab\uFFFD c\uFFFD\uFFFD");
    CHECK(v.folded == "ab\uFFFD c\uFFFD\uFFFD");
    CHECK_FALSE(make_views("ab").invalid_utf8);
}

TEST_CASE("make_views: truncation on a UTF-8 boundary") {
    const std::string text = "ab\u1EA3c";  // a b ả(3 bytes) c
    NormalizeLimits limits;
    limits.max_input_bytes = 3;  // inside ả: cut before it
    TextViews v = make_views(text, limits);
    CHECK(v.truncated);
    CHECK_FALSE(v.invalid_utf8);
    CHECK(v.raw == "ab");
    limits.max_input_bytes = 5;
    v = make_views(text, limits);
    CHECK(v.raw == "ab\u1EA3");
    CHECK(v.folded == "aba");
    limits.max_input_bytes = 6;
    v = make_views(text, limits);
    CHECK_FALSE(v.truncated);
    CHECK(v.raw == text);
    // A cut inside invalid bytes is no better than anywhere: keep max bytes.
    limits.max_input_bytes = 2;
    v = make_views("a\x80\x80\x80\x80", limits);
    CHECK(v.raw == "a\uFFFD");
    CHECK(v.truncated);
    const std::string big(20000, 'x');
    v = make_views(big);
    CHECK(v.truncated);
    CHECK(v.raw.size() == 16384);
}

TEST_CASE("utf8_cut and decode_utf8") {
    CHECK(utf8_cut("abc", 10) == 3);
    CHECK(utf8_cut("\xF0\x9F\x98\x80x", 2) == 0);
    CHECK(utf8_cut("\xF0\x9F\x98\x80x", 4) == 4);
    CHECK(decode_utf8("\xF4\x90\x80\x80", 0).valid == false);  // above U+10FFFF
    CHECK(decode_utf8("\xE0\x80\x80", 0).len == 1);            // overlong: lead byte alone
    CHECK(decode_utf8("\xF0\x9F\x98", 0).len == 3);            // truncated: maximal subpart
    CHECK(decode_utf8("\xF0\x9F\x98\x80", 0).cp == 0x1F600);
}

TEST_CASE("make_views: the NFC shortcut agrees with utf8proc") {
    // Every code point of the blocks make_views trusts to be NFC already, alone and after bases
    // it could compose with, gives the same raw view as a full NFC pass.
    const char32_t ranges[][2] = {{0x80, 0x2FF},     {0x1E00, 0x1EFF}, {0x400, 0x482}, {0x48A, 0x52F},
                                  {0x2010, 0x2027},  {0x20A0, 0x20C0}, {0x3040, 0x3098}, {0xAC00, 0xAC40},
                                  {0x4E00, 0x4E40},  {0x1F300, 0x1F340}};
    const char* bases[] = {"", "a", "o", "\uAC00", "\u304B", "\u0415"};
    std::size_t mismatches = 0;
    for (const auto& r : ranges) {
        for (char32_t cp = r[0]; cp <= r[1]; ++cp) {
            for (const char* base : bases) {
                std::string s = base;
                scamgate::append_utf8(s, cp);
                std::string full = s + "\u0301";  // a mark after it must still be composed
                if (make_views(s).raw != scamgate::text::nfc(s)) ++mismatches;
                if (make_views(full).raw != scamgate::text::nfc(full)) ++mismatches;
            }
        }
    }
    CHECK(mismatches == 0);
}
