#include <doctest/doctest.h>

#include <chrono>
#include <random>
#include <set>
#include <string>

#include "lists/number_prefix_list.h"
#include "temp_files.h"

using namespace scamgate::lists;
using scamgate::test_support::TempFile;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ListError& e) {
        return e.what();
    }
    return "no error";
}

// The reference answer: the longest entry of `set` that starts `digits`.
std::string brute_longest(const std::set<std::string>& set, const std::string& digits) {
    std::string best;
    for (std::size_t n = 1; n <= digits.size(); ++n) {
        if (set.count(digits.substr(0, n)) != 0) best = digits.substr(0, n);
    }
    return best;
}

}  // namespace

TEST_CASE("longest prefix wins, + dropped from entries and queries") {
    const auto list = NumberPrefixList::from({"84", "+84912", "849123", "1900", "84912345678"});
    CHECK(list.size() == 5);
    CHECK(list.longest_match("84912345678") == "84912345678");
    CHECK(list.longest_match("+84912399999") == "849123");
    CHECK(list.longest_match("84912000000") == "84912");
    CHECK(list.longest_match("84961234567") == "84");
    CHECK(list.longest_match("1900545413") == "1900");
    CHECK_FALSE(list.longest_match("190").has_value());
    CHECK_FALSE(list.longest_match("44").has_value());
    CHECK_FALSE(list.longest_match("").has_value());
    CHECK_FALSE(list.longest_match("+").has_value());
    CHECK_FALSE(list.longest_match("84x").has_value());
    CHECK(list.contains_prefix_of("849"));
    CHECK_FALSE(list.contains_prefix_of("8"));
}

TEST_CASE("an entry of 15 digits and queries longer than 15 digits") {
    const auto list = NumberPrefixList::from({"123456789012345", "9"});
    CHECK(list.longest_match("123456789012345") == "123456789012345");
    CHECK(list.longest_match("1234567890123456789") == "123456789012345");
    CHECK_FALSE(list.longest_match("12345678901234").has_value());
    CHECK(list.longest_match("9" + std::string(100, '0')) == "9");
}

TEST_CASE("duplicates are kept once, an empty list matches nothing") {
    CHECK(NumberPrefixList::from({"84", "+84", "84"}).size() == 1);
    const auto empty = NumberPrefixList::from({});
    CHECK(empty.size() == 0);
    CHECK_FALSE(empty.longest_match("84912345678").has_value());
}

TEST_CASE("file: comments, blank lines, trailing text, CRLF, BOM") {
    const TempFile file("numbers", ".txt");
    const auto list = NumberPrefixList::load(file.write("\xEF\xBB\xBF# header\r\n\r\n84912345678  scam caller, reported 2024-05\r\n"
                                                       "   +8424   # Ha Noi fixed\n\t\n1900545413\tVietcombank\n"));
    CHECK(list.size() == 3);
    CHECK(list.longest_match("842439123456") == "8424");
    CHECK(list.longest_match("1900545413") == "1900545413");
}

TEST_CASE("bad entries are refused with file:line") {
    const TempFile bad("bad-numbers", ".txt");
    const std::string& path = bad.write("84912\n# fine\n\n84-912\n");
    CHECK(error_of([&] { NumberPrefixList::load(path); }) ==
          path + ":4: '84-912' is not a number prefix; write digits only, e.g. 84912 (an optional leading + is dropped)");
    CHECK(error_of([] { NumberPrefixList::from({"84", "1234567890123456"}); }) ==
          "(number prefixes):2: '1234567890123456' has 16 digits, more than an E.164 number (15); shorten it");
    CHECK(error_of([] { NumberPrefixList::from({"+"}); }).starts_with("(number prefixes):1: '+' is not a number prefix"));
    CHECK(error_of([] { NumberPrefixList::load("/nonexistent/list.txt"); }) ==
          "/nonexistent/list.txt: cannot open the list file; check the path");
    const TempFile long_file("long-line", ".txt");
    const std::string& long_line = long_file.write(std::string(5000, '1') + "\n");
    CHECK(error_of([&] { NumberPrefixList::load(long_line); }).starts_with(long_line + ":1: line longer than 4096 bytes"));
}

TEST_CASE("the example lists load") {
    for (const char* name : {"block-numbers.txt", "allow-numbers.txt", "do-not-originate.txt"}) {
        INFO(name);
        const auto list = NumberPrefixList::load(kSource + "/config/lists/" + name);
        CHECK(list.size() > 0);
    }
    const auto dno = NumberPrefixList::load(kSource + "/config/lists/do-not-originate.txt");
    CHECK(dno.contains_prefix_of("841900545413"));
    CHECK(dno.contains_prefix_of("84113"));
}

TEST_CASE("random nested prefixes agree with a brute-force reference") {
    std::mt19937_64 rng(7);
    std::set<std::string> set;
    std::vector<std::string> entries;
    for (int i = 0; i < 3000; ++i) {
        std::string p = "84";
        const std::size_t len = 1 + rng() % 10;
        for (std::size_t d = 0; d < len; ++d) p.push_back(static_cast<char>('0' + rng() % 3));  // dense: many nestings
        set.insert(p);
        entries.push_back(p);
    }
    const auto list = NumberPrefixList::from(entries);
    CHECK(list.size() == set.size());
    for (int i = 0; i < 20000; ++i) {
        std::string q = "84";
        const std::size_t len = rng() % 14;
        for (std::size_t d = 0; d < len; ++d) q.push_back(static_cast<char>('0' + rng() % 3));
        const std::string expected = brute_longest(set, q.substr(0, 15));
        const auto got = list.longest_match(q);
        INFO(q);
        CHECK(got.value_or("") == expected);
    }
}

TEST_CASE("a million entries: load and look up") {
    std::mt19937_64 rng(42);
    std::vector<std::string> entries;
    entries.reserve(1000000);
    for (int i = 0; i < 1000000; ++i) {
        std::string p(1, static_cast<char>('1' + rng() % 9));  // 6..12 digits, no leading 0
        const std::size_t len = 5 + rng() % 7;
        for (std::size_t d = 0; d < len; ++d) p.push_back(static_cast<char>('0' + rng() % 10));
        entries.push_back(std::move(p));
    }
    const std::string probe = entries[123456];
    const auto start = std::chrono::steady_clock::now();
    const auto list = NumberPrefixList::from(std::move(entries));
    const auto loaded = std::chrono::steady_clock::now();
    std::size_t hits = 0;
    std::string q = "84912345678";
    for (int i = 0; i < 1000000; ++i) {
        q[0] = static_cast<char>('1' + rng() % 9);
        for (std::size_t d = 1; d < q.size(); ++d) q[d] = static_cast<char>('0' + rng() % 10);
        hits += list.contains_prefix_of(q) ? 1 : 0;
    }
    const auto looked = std::chrono::steady_clock::now();
    using ms = std::chrono::duration<double, std::milli>;
    MESSAGE("1M prefixes: from() " << ms(loaded - start).count() << " ms, 1M lookups " << ms(looked - loaded).count()
                                   << " ms, " << hits << " hits");
    CHECK(list.size() > 900000);
    CHECK(list.longest_match(probe + "999") == probe);
    CHECK(hits > 100000);
    CHECK(hits < 500000);
}
