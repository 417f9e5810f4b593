// The unit test binaries' main. ctest learns a binary's cases by listing them once it is built
// (doctest_discover_tests) and then runs each case on its own, by name. Two things here keep a
// case from silently not running:
//   - doctest leaves a case marked doctest::skip(condition) out of a listing, so a case skipped on
//     the build machine (not root, no corpus) would be unknown to ctest. Listings here include
//     such cases; when ctest runs one whose condition holds, no case runs ("test cases: 0 |
//     0 passed | 0 failed") and tests/CMakeLists.txt has ctest report it as skipped.
//   - ctest cuts a test name at ';' (a CMake list separator), and the cut name selects no case: a
//     listing with such a name fails, and so does the build step that asked for it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

namespace {

// --list-test-cases, -ltc, also with doctest's "dt-" prefix.
bool lists_test_cases(std::string_view arg) {
    while (arg.starts_with('-')) arg.remove_prefix(1);
    if (arg.starts_with("dt-")) arg.remove_prefix(3);
    return arg == "list-test-cases" || arg == "ltc";
}

int list_test_cases(doctest::Context& context) {
    context.setOption("no-skip", true);
    std::ostringstream listing;
    context.setCout(&listing);
    const int result = context.run();
    std::cout << listing.str();
    int unusable = 0;
    std::istringstream lines(listing.str());
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("[doctest]") || line.find(';') == std::string::npos) continue;
        std::cerr << "test case name with ';' (ctest would cut it and never run the case): " << line << '\n';
        ++unusable;
    }
    return unusable > 0 ? 1 : result;
}

}  // namespace

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    for (int i = 1; i < argc; ++i) {
        if (lists_test_cases(argv[i])) return list_test_cases(context);
    }
    return context.run();
}
