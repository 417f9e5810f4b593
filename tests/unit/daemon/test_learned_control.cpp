// The control socket's "lists ..." requests and the file kept in step (daemon/learned_control.h).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include "daemon/learned_control.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::daemon;

namespace {

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("lists requests: add, show, remove, export, import and refusals") {
    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);
    lists::LearnedList list(100, 86400);
    LearnedControl control(list, "", log);

    const std::string added = control.answer("add +84912345678", "");
    CHECK(added.starts_with("ok added +84912345678 until 20"));
    CHECK(control.answer("add evil.example 60", "").starts_with("ok added evil.example until "));
    CHECK(control.answer("add evil.example 30", "") == "ok evil.example is already listed until a later time; unchanged\n");
    const auto entries = list.entries();
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].key == "84912345678");
    CHECK(entries[0].expires - entries[0].added == 86400);  // lists.learned_ttl
    CHECK(entries[1].key == "evil.example");
    CHECK(entries[1].expires - entries[1].added == 60);
    CHECK(entries[1].by == "manual");

    const std::string show = control.answer("show", "");
    CHECK(show.starts_with("ok 2 entries\n+84912345678  expires 20"));
    CHECK(show.find("\nevil.example  expires ") != std::string::npos);

    const std::string exported = control.answer("export", "");
    CHECK(exported.starts_with("ok 2 entries\n# scamgate learned list, 2 entries, written 20"));
    CHECK(exported.find("\n+84912345678 " + std::to_string(entries[0].expires) + " ") != std::string::npos);

    CHECK(control.answer("remove evil.example", "") == "ok removed evil.example\n");
    CHECK(control.answer("remove evil.example", "") == "error evil.example is not on the list\n");
    CHECK(control.answer("import", "+84900000001\nphish.example 4000000000 1 behaviour.url_spray\n") ==
          "ok imported 2 entries (2 new or extended)\n");
    CHECK(list.size() == 3);
    CHECK(control.answer("import", "+1\nnot_a_domain\n") ==
          "error import:2: 'not_a_domain' is neither a number (+ and up to 15 digits) nor a domain\n");
    CHECK(list.size() == 3);  // nothing of a bad import is taken
    CHECK(control.answer("add 12ab", "") == "error '12ab' is neither a number (+ and up to 15 digits) nor a domain\n");
    CHECK(control.answer("add +1001 0", "").starts_with("error TTL '0' is not a number of seconds"));
    CHECK(control.answer("drop +1001", "").starts_with("error unknown lists request 'drop +1001'"));
}

TEST_CASE("the file is written after a change, not again until the next one, mode 0600") {
    const test_support::TempDir dir("learned-control");
    const std::string path = dir / "learned.txt";
    std::ostringstream log_text;
    Logger log(log_text, LogLevel::error);
    lists::LearnedList list(100, 86400);
    LearnedControl control(list, path, log);
    control.save_if_changed(true);
    struct stat st{};
    CHECK(::stat(path.c_str(), &st) != 0);  // nothing changed: nothing written

    control.answer("add +84912345678", "");
    control.save_if_changed(true);
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(read(path).find("\n+84912345678 ") != std::string::npos);

    control.answer("add phish.example", "");
    control.save_if_changed();  // within a second of the last write: later
    CHECK(read(path).find("phish.example") == std::string::npos);
    control.save_if_changed(true);  // shutdown
    CHECK(read(path).find("\nphish.example ") != std::string::npos);
}
