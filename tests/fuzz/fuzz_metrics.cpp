// metrics/ on any bytes: the listen address parser (metrics.listen, --metrics) on the whole input,
// then the input cut at newlines into stat names (with values from the bytes) rendered as the
// Prometheus exposition. Traps when a parsed address does not parse back to itself, when an
// address without an explicit host is not loopback, or when the exposition breaks the text
// format: a line that is neither a comment nor `name[{labels}] value`, a metric name with a
// character Prometheus does not allow, a label value with a raw newline or an unescaped quote,
// a family's TYPE given twice.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "metrics/exposition.h"
#include "metrics/listen_address.h"

namespace {

using namespace scamgate;

bool name_char(char c, bool first) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    return alpha || (!first && c >= '0' && c <= '9');
}

void check_address(std::string_view text) {
    const metrics::ListenParse parsed = metrics::parse_listen_address(text);
    if (!parsed.address) {
        if (parsed.error.empty()) __builtin_trap();
        return;
    }
    const std::string again = parsed.address->to_string();
    const metrics::ListenParse back = metrics::parse_listen_address(again);
    if (!back.address || back.address->to_string() != again) __builtin_trap();
    if (parsed.address->port == 0) __builtin_trap();
    const bool explicit_host = text.find(':') != std::string_view::npos && text.front() != ':' && text.substr(0, 10) != "localhost:";
    if (!explicit_host && parsed.address->host != "127.0.0.1") __builtin_trap();
}

// One sample line: name, optional {labels} with quoted values, a space, a value.
void check_sample(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i], i == 0)) ++i;
    if (i == 0) __builtin_trap();
    if (i < line.size() && line[i] == '{') {
        ++i;
        while (i < line.size() && line[i] != '}') {
            const std::size_t label = i;
            while (i < line.size() && name_char(line[i], i == label)) ++i;
            if (i == label || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') __builtin_trap();
            i += 2;
            while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
            if (i >= line.size()) __builtin_trap();
            ++i;
            if (i < line.size() && line[i] == ',') ++i;
        }
        if (i >= line.size()) __builtin_trap();
        ++i;
    }
    if (i >= line.size() || line[i] != ' ' || i + 1 == line.size()) __builtin_trap();
}

void check_exposition(std::string_view input) {
    StatsReport stats;
    std::uint64_t value = 0;
    std::size_t start = 0;
    while (start <= input.size()) {
        std::size_t end = input.find('\n', start);
        if (end == std::string_view::npos) end = input.size();
        const std::string_view name = input.substr(start, end - start);
        value = value * 131 + name.size();
        if (!name.empty()) stats.set(name, value);
        start = end + 1;
    }
    const std::string text = metrics::render(stats, metrics::BuildInfo{std::string(input.substr(0, 16))});
    std::set<std::string> typed;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t nl = text.find('\n', at);
        if (nl == std::string::npos) __builtin_trap();  // every line ends with a newline
        const std::string_view line(text.data() + at, nl - at);
        if (line.substr(0, 7) == "# TYPE ") {
            const std::string family(line.substr(7, line.find(' ', 7) - 7));
            if (!typed.insert(family).second) __builtin_trap();
        } else if (line.substr(0, 7) == "# HELP ") {
            for (std::size_t k = 0; k < line.size(); ++k) {  // only \\ and \n escapes
                if (line[k] != '\\') continue;
                if (k + 1 >= line.size() || (line[k + 1] != '\\' && line[k + 1] != 'n')) __builtin_trap();
                ++k;
            }
        } else {
            check_sample(line);
        }
        at = nl + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_address(input);
    check_exposition(input);
    return 0;
}
