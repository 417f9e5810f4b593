// The learned block list: entries expire at their own time, the table is bounded (the entry that
// expires first goes first), and the file round-trips with file:line errors for bad lines.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "lists/learned_list.h"
#include "temp_files.h"

using namespace scamgate::lists;
using scamgate::test_support::TempDir;
using scamgate::test_support::TempFile;

namespace {

constexpr std::int64_t kNow = 1'796'475'204;  // 2026-12-05
constexpr std::int64_t kWeek = 7 * 86400;

LearnedKey number(const std::string& text) { return *parse_learned_key(text); }

std::string error_of(const std::string& text) {
    try {
        parse_learned_text(text, "learned.txt", kNow, kWeek);
    } catch (const LearnedListError& e) {
        return e.what();
    }
    return "";
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("learned keys: numbers with or without '+', domains lower-cased, anything else refused") {
    CHECK(parse_learned_key("+22200990011")->key == "22200990011");
    CHECK(parse_learned_key("+22200990011")->kind == LearnedKind::number);
    CHECK(parse_learned_key("84912345678")->key == "84912345678");
    CHECK(parse_learned_key("Evil-Bank.EXAMPLE")->key == "evil-bank.example");
    CHECK(parse_learned_key("evil.example")->kind == LearnedKind::domain);
    CHECK_FALSE(parse_learned_key("+1234567890123456"));  // 16 digits
    CHECK_FALSE(parse_learned_key("localhost"));
    CHECK_FALSE(parse_learned_key("a..b"));
    CHECK_FALSE(parse_learned_key("bad_host.example"));
    CHECK_FALSE(parse_learned_key(""));
}

TEST_CASE("a learned entry matches contacts before its expiry, not after") {
    LearnedList list(10, kWeek);
    CHECK(list.learn(number("+22200990011"), kNow, "behaviour.wangiri"));
    CHECK(list.contains("22200990011", kNow));
    CHECK(list.contains("22200990011", kNow + kWeek - 1));
    CHECK_FALSE(list.contains("22200990011", kNow + kWeek));
    CHECK_FALSE(list.contains("22200990012", kNow));
    const auto entries = list.entries();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0] == LearnedEntry{"22200990011", LearnedKind::number, kNow + kWeek, kNow, "behaviour.wangiri"});
    CHECK(entries[0].display() == "+22200990011");
}

TEST_CASE("learning again extends the expiry, an earlier expiry changes nothing") {
    LearnedList list(10, kWeek);
    REQUIRE(list.learn(number("+22200990011"), kNow, "behaviour.wangiri"));
    const auto version = list.version();
    CHECK_FALSE(list.add(LearnedEntry{"22200990011", LearnedKind::number, kNow + 10, kNow, "manual"}));
    CHECK(list.version() == version);
    CHECK(list.learn(number("+22200990011"), kNow + 100, "behaviour.sequential_callees"));
    CHECK(list.version() > version);
    CHECK(list.entries()[0].expires == kNow + 100 + kWeek);
    CHECK(list.entries()[0].by == "behaviour.sequential_callees");
}

TEST_CASE("the table is bounded: the entry that expires first is evicted") {
    LearnedList list(3, kWeek);
    list.add(LearnedEntry{"1001", LearnedKind::number, kNow + 300, kNow, "manual"});
    list.add(LearnedEntry{"1002", LearnedKind::number, kNow + 100, kNow, "manual"});
    list.add(LearnedEntry{"1003", LearnedKind::number, kNow + 200, kNow, "manual"});
    list.add(LearnedEntry{"1004", LearnedKind::number, kNow + 400, kNow, "manual"});
    CHECK(list.size() == 3);
    CHECK(list.evicted() == 1);
    CHECK_FALSE(list.contains("1002", kNow));
    CHECK(list.contains("1001", kNow));
    CHECK(list.contains("1003", kNow));
    CHECK(list.contains("1004", kNow));
}

TEST_CASE("times are kept within 1970..2100 (a wild packet time cannot make a file the next start refuses)") {
    LearnedList list(10, kWeek);
    list.learn(number("+1001"), 9'000'000'000, "behaviour.wangiri");
    CHECK(list.entries()[0].expires == 4'102'444'800);
    CHECK(list.entries()[0].added == 4'102'444'800);
    CHECK(parse_learned_text(learned_text(list.entries(), kNow), "again", kNow, kWeek) == list.entries());
}

TEST_CASE("remove and prune") {
    LearnedList list(10, kWeek);
    list.add(LearnedEntry{"1001", LearnedKind::number, kNow + 10, kNow, "manual"});
    list.add(LearnedEntry{"evil.example", LearnedKind::domain, kNow + 20, kNow, "behaviour.url_spray"});
    CHECK(list.remove(number("+1001")));
    CHECK_FALSE(list.remove(number("+1001")));
    CHECK(list.size() == 1);
    CHECK(list.prune(kNow + 19) == 0);
    CHECK(list.prune(kNow + 20) == 1);
    CHECK(list.size() == 0);
}

TEST_CASE("export and import round-trip, bare entries get the default TTL") {
    LearnedList list(10, kWeek);
    list.learn(number("+22200990011"), kNow, "behaviour.wangiri");
    list.learn(*parse_learned_key("evil.example"), kNow + 5, "behaviour.url_spray");
    const std::string text = learned_text(list.entries(), kNow + 60);
    CHECK(text.starts_with("# scamgate learned list, 2 entries, written 2026-12-05T"));
    CHECK(text.find("\n+22200990011 " + std::to_string(kNow + kWeek) + " " + std::to_string(kNow) +
                    " behaviour.wangiri\n") != std::string::npos);
    CHECK(parse_learned_text(text, "export", kNow, kWeek) == list.entries());

    const auto bare = parse_learned_text("# from a bank\n+84901111222\n\nphish.example  # reported\n", "bank", kNow, kWeek);
    REQUIRE(bare.size() == 2);
    CHECK(bare[0] == LearnedEntry{"84901111222", LearnedKind::number, kNow + kWeek, kNow, "manual"});
    CHECK(bare[1] == LearnedEntry{"phish.example", LearnedKind::domain, kNow + kWeek, kNow, "manual"});
}

TEST_CASE("bad lines are file:line errors") {
    CHECK(error_of("+1001\nnot-a-thing\n") == "learned.txt:2: 'not-a-thing' is neither a number (+ and up to 15 digits) nor a domain");
    CHECK(error_of("\n\n+1001 soon\n") == "learned.txt:3: expiry 'soon' is not Unix seconds (0..4102444800)");
    CHECK(error_of("+1001 1 -5\n") == "learned.txt:1: added time '-5' is not Unix seconds (0..4102444800)");
    CHECK(error_of("+1001 1 2 manual extra\n") == "learned.txt:1: too many fields; a line is ENTRY [EXPIRES [ADDED [BY]]]");
    CHECK(error_of("+1001 1 2 manual\n") == "");
    CHECK(error_of("+1001 4102444801\n") == "learned.txt:1: expiry '4102444801' is not Unix seconds (0..4102444800)");
    CHECK(error_of("+1001 1 2 man\x01ual\n") == "learned.txt:1: a control character; a line is ENTRY [EXPIRES [ADDED [BY]]]");
}

TEST_CASE("the file: missing is empty, saved atomically with mode 0600, loaded back, bad line names file:line") {
    const TempDir dir("learned");
    const std::string path = dir.path() + "/learned.txt";
    LearnedList list(10, kWeek);
    list.load_file(path, kNow);
    CHECK(list.size() == 0);
    list.learn(number("+22200990011"), kNow, "behaviour.wangiri");
    list.save_file(path, kNow);
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(read(path).find("+22200990011 ") != std::string::npos);
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);

    LearnedList again(10, kWeek);
    again.load_file(path, kNow);
    CHECK(again.entries() == list.entries());

    const TempFile bad("learned", ".txt");
    bad.write("+1001\n+1002 x\n");
    LearnedList broken(10, kWeek);
    try {
        broken.load_file(bad.path(), kNow);
        FAIL("a bad line must be refused");
    } catch (const LearnedListError& e) {
        CHECK(std::string(e.what()) == bad.path() + ":2: expiry 'x' is not Unix seconds (0..4102444800)");
    }
}
