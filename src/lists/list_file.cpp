#include "lists/list_file.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace scamgate::lists {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Splits one raw line; false for a blank or comment-only line.
bool split_line(std::string_view raw, std::size_t number, ListLine& out) {
    std::string_view s = trim(raw.substr(0, raw.find('#')));
    if (s.empty()) return false;
    std::size_t end = 0;
    while (end < s.size() && !is_space(s[end])) ++end;
    out.entry = s.substr(0, end);
    out.rest = trim(s.substr(end));
    out.line = number;
    return true;
}

void visit_text(std::string_view text, const std::string& source, const std::function<void(const ListLine&)>& visit) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
    std::size_t number = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        const std::string_view raw = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++number;
        if (raw.size() > kMaxLineLength) {
            fail(source, number, fmt::format("line longer than {} bytes; is this a list file?", kMaxLineLength));
        }
        ListLine line;
        if (split_line(raw, number, line)) visit(line);
    }
}

}  // namespace

void fail(const std::string& source, std::size_t line, std::string_view what) {
    throw ListError(fmt::format("{}:{}: {}", source, line, what));
}

void for_each_line(const std::string& path, const std::function<void(const ListLine&)>& visit) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ListError(fmt::format("{}: cannot open the list file; check the path", path));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ListError(fmt::format("{}: read error; check the file", path));
    visit_text(text.view(), path, visit);
}

void for_each_item(const std::vector<std::string>& items, const std::string& source,
                   const std::function<void(const ListLine&)>& visit) {
    std::size_t number = 0;
    for (const auto& item : items) {
        ++number;
        if (item.size() > kMaxLineLength) {
            fail(source, number, fmt::format("entry longer than {} bytes; check the input", kMaxLineLength));
        }
        ListLine line;
        if (split_line(item, number, line)) visit(line);
    }
}

}  // namespace scamgate::lists
