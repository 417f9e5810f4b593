#include <doctest/doctest.h>

#include "text/normalize.h"

using scamgate::text::deobfuscate;

TEST_CASE("deobfuscate: leetspeak inside words") {
    CHECK(deobfuscate("t4i kh0an") == "tai khoan");
    CHECK(deobfuscate("v@y tien") == "vay tien");
    CHECK(deobfuscate("c0ng 4n") == "cong 4n");        // "4n": digit at a word start, 1 letter
    CHECK(deobfuscate("v13tc0mb4nk") == "vietcombank");
    CHECK(deobfuscate("ng4n h4ng") == "ngan hang");
    CHECK(deobfuscate("g00gle") == "google");
    CHECK(deobfuscate("p4$$w0rd") == "p4$$word");      // a run with two symbols is not letters
    CHECK(deobfuscate("b!t c|ick") == "bit click");
    CHECK(deobfuscate("5e7") == "5e7");                // no letters around the digits' other side
    CHECK(deobfuscate("hell0 0nline") == "hello online");  // edge: a lone 0 beside 3+ letters
    CHECK(deobfuscate("$ale |ogin") == "sale login");
}

TEST_CASE("deobfuscate: numbers and amounts stay") {
    CHECK(deobfuscate("0987654321") == "0987654321");
    CHECK(deobfuscate("500k") == "500k");
    CHECK(deobfuscate("nhan 5tr ngay") == "nhan 5tr ngay");
    CHECK(deobfuscate("24h 4g 5days iphone7 top1 covid19") == "24h 4g 5days iphone7 top1 covid19");
    CHECK(deobfuscate("1.000.000d") == "1.000.000d");
    CHECK(deobfuscate("+84 98 765 4321") == "+84 98 765 4321");
    CHECK(deobfuscate("stk0123456789") == "stk0123456789");
    CHECK(deobfuscate("khoa! ngay!") == "khoa! ngay!");   // '!' ending a word is punctuation
    CHECK(deobfuscate("@vcb !!ngay") == "@vcb !!ngay");   // mentions, leading punctuation
    CHECK(deobfuscate("abc123") == "abc123");
}

TEST_CASE("deobfuscate: split letters are joined") {
    CHECK(deobfuscate("v.c.b") == "vcb");
    CHECK(deobfuscate("c o n g a n") == "congan");
    CHECK(deobfuscate("k-h-o-a") == "khoa");
    CHECK(deobfuscate("t_k, x*y") == "tk, xy");
    CHECK(deobfuscate("v . c . b") == "vcb");
    CHECK(deobfuscate("v.c.b.com.vn") == "vcb.com.vn");
    CHECK(deobfuscate("goi c o n g a n ngay") == "goi congan ngay");
    CHECK(deobfuscate("a b") == "a b");                  // two one-letter words are just words
    CHECK(deobfuscate("toi o ha noi") == "toi o ha noi");
    CHECK(deobfuscate("v.v") == "vv");
}

TEST_CASE("deobfuscate: repeated punctuation between letters") {
    CHECK(deobfuscate("kh..oa") == "khoa");
    CHECK(deobfuscate("ng~~an h--ang") == "ngan hang");
    CHECK(deobfuscate("kh!!oa") == "khoa");
    CHECK(deobfuscate("a-b") == "ab");                   // two pieces, punctuated: rule 2
    CHECK(deobfuscate("well-known") == "well-known");    // one hyphen in a word stays
    CHECK(deobfuscate("http://vcb.com/a..b") == "http://vcb.com/ab");
    CHECK(deobfuscate("xem... ngay") == "xem... ngay");  // not between letters
}

TEST_CASE("deobfuscate: other scripts pass through") {
    CHECK(deobfuscate("\u4F60\u597D1\u6B21") == "\u4F60\u597D1\u6B21");
    CHECK(deobfuscate("\u043F\u0440\u0438\u0432\u0435\u0442 0\u043A") == "\u043F\u0440\u0438\u0432\u0435\u0442 0\u043A");
    CHECK(deobfuscate("") == "");
}
