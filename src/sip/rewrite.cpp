#include "sip/rewrite.h"

#include <algorithm>
#include <cctype>

namespace scamgate::sip {

namespace {

std::size_t offset_in(std::string_view text, std::string_view part) {
    return static_cast<std::size_t>(part.data() - text.data());
}

bool inside(std::string_view text, std::string_view part) {
    return part.data() >= text.data() && part.data() + part.size() <= text.data() + text.size();
}

// The position right after the last header line, where new header lines go.
std::optional<std::size_t> end_of_headers(std::string_view text) {
    const auto crlf = text.find("\r\n\r\n");
    const auto lf = text.find("\n\n");
    if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf < lf)) return crlf + 2;
    if (lf != std::string_view::npos) return lf + 1;
    return std::nullopt;
}

// The From value with `prefix` put before its display name (always quoted afterwards).
std::optional<std::string> prefixed_from(std::string_view value, std::string_view prefix) {
    auto name = parse_name_addr(value);
    if (!name || name->uri_text.empty()) return std::nullopt;
    std::string out = "\"";
    out += prefix;
    if (!name->display.empty()) {
        out += name->display;
    } else if (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    out += "\" <";
    out += name->uri_text;
    out += '>';
    out += name->params;
    return out;
}

}  // namespace

std::optional<std::string> with_tag(std::string_view text, const Message& message,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::string_view display_prefix) {
    const auto insert_at = end_of_headers(text);
    if (!insert_at) return std::nullopt;
    const std::string_view newline = text.substr(0, *insert_at).ends_with("\r\n") ? "\r\n" : "\n";
    std::string added;
    for (const auto& [name, value] : headers) {
        added += name;
        added += ": ";
        added += value;
        added += newline;
    }
    std::string out;
    out.reserve(text.size() + added.size() + display_prefix.size() + 8);
    std::size_t copied = 0;
    if (!display_prefix.empty()) {
        const std::string_view from = message.first(HeaderId::from);
        if (from.empty() || !inside(text, from)) return std::nullopt;
        auto value = prefixed_from(from, display_prefix);
        if (!value) return std::nullopt;
        out.append(text.substr(0, offset_in(text, from)));
        out += *value;
        copied = offset_in(text, from) + from.size();
    }
    if (copied > *insert_at) return std::nullopt;
    out.append(text.substr(copied, *insert_at - copied));
    out += added;
    out.append(text.substr(*insert_at));
    return out;
}

std::optional<std::pair<std::size_t, std::size_t>> max_forwards_digits(std::string_view text, const Message& message) {
    const std::string_view value = message.first(HeaderId::max_forwards);
    if (value.empty() || !inside(text, value)) return std::nullopt;
    const auto digits = std::find_if_not(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    const auto length = static_cast<std::size_t>(digits - value.begin());
    if (length == 0) return std::nullopt;
    return std::pair{offset_in(text, value), length};
}

}  // namespace scamgate::sip
