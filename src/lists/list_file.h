#pragma once
// Plain-text list files: one entry per line, '#' starts a comment, blank lines are ignored, and an
// entry may be followed by whitespace and more text (a comment, or a value for lists that take one).
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scamgate::lists {

class ListError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;  // "FILE:LINE: what is wrong; what to do"
};

// One meaningful line: its first field and the rest (trimmed; comments removed).
struct ListLine {
    std::string_view entry;
    std::string_view rest;
    std::size_t line = 0;
};

// Longest line accepted; anything longer is refused (a list entry is a number, a name or a host).
inline constexpr std::size_t kMaxLineLength = 4096;

// Reads `path` and calls `visit` for every entry line. Throws ListError when the file cannot be
// read or a line is too long; `visit` throws ListError for entries it refuses.
void for_each_line(const std::string& path, const std::function<void(const ListLine&)>& visit);
// The same over strings given by a program: item i is line i + 1 of `source`.
void for_each_item(const std::vector<std::string>& items, const std::string& source,
                   const std::function<void(const ListLine&)>& visit);

// "FILE:LINE: what; what to do"
[[noreturn]] void fail(const std::string& source, std::size_t line, std::string_view what);

}  // namespace scamgate::lists
