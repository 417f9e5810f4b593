#include <algorithm>
#include <array>

#include "sip/message.h"
#include "sip/text.h"

namespace scamgate::sip {

bool is_comma_list(HeaderId id) {
    switch (id) {
        case HeaderId::via:
        case HeaderId::contact:
        case HeaderId::route:
        case HeaderId::record_route:
        case HeaderId::p_asserted_identity:
        case HeaderId::p_preferred_identity:
        case HeaderId::remote_party_id:
        case HeaderId::diversion:
        case HeaderId::history_info:
        case HeaderId::supported:
        case HeaderId::require:
        case HeaderId::allow:
        case HeaderId::accept:
        case HeaderId::privacy:
        case HeaderId::reason:
            return true;
        default:
            return false;
    }
}

std::string_view Message::first(HeaderId id) const {
    for (const auto& h : headers) {
        if (h.id == id) return h.value;
    }
    return {};
}

bool Message::has(HeaderId id) const {
    for (const auto& h : headers) {
        if (h.id == id) return true;
    }
    return false;
}

std::size_t Message::count(HeaderId id) const {
    std::size_t n = 0;
    for (const auto& h : headers) n += (h.id == id) ? 1 : 0;
    return n;
}

std::vector<std::string_view> Message::values(HeaderId id) const {
    std::vector<std::string_view> out;
    const bool split = is_comma_list(id);
    for (const auto& h : headers) {
        if (h.id != id) continue;
        if (!split) {
            out.push_back(h.value);
            continue;
        }
        for (auto part : split_values(h.value)) out.push_back(part);
    }
    return out;
}

void Message::clear() {
    is_request = false;
    method = {};
    request_uri = {};
    status_code = 0;
    reason_phrase = {};
    headers.clear();
    body = {};
}

AnomalyInfo describe(SipAnomaly anomaly) {
    static constexpr std::array<AnomalyInfo, static_cast<std::size_t>(SipAnomaly::count_)> kInfo{{
        {"sip.bad_start_line", "first line is neither a SIP request line nor a status line"},
        {"sip.bad_header_line", "header line without a name and colon (line skipped)"},
        {"sip.missing_header_end", "no empty line after the headers"},
        {"sip.too_many_headers", "more header lines than sip.max_headers: past it only the first of each known header is kept"},
        {"sip.message_too_large", "header block larger than sip.max_message_size (on a stream the message is lost)"},
        {"sip.bad_content_length", "Content-Length not a number, negative, too large, or repeated with another value "
                                   "(a datagram is still parsed, its body the rest of it; a stream resynchronises)"},
        {"sip.missing_content_length", "no Content-Length on a stream transport (taken as 0)"},
        {"sip.body_length_mismatch", "datagram body shorter than its Content-Length"},
        {"sip.missing_call_id", "mandatory Call-ID header missing"},
        {"sip.missing_cseq", "mandatory CSeq header missing"},
        {"sip.bad_cseq", "CSeq not 'number method', or its method differs from the request's"},
        {"sip.missing_from", "mandatory From header missing"},
        {"sip.missing_to", "mandatory To header missing"},
        {"sip.missing_via", "mandatory Via header missing"},
        {"sip.junk_before_start_line", "bytes before the start line of a datagram"},
        {"sip.stream_resync", "bytes skipped on a stream to find the next start line"},
        {"sip.body_too_large", "body beyond sip.max_message_size: the message is judged with its body cut there "
                               "(the rest is skipped on a stream)"},
        {"sip.method_case", "an RFC method in another case (\"invite\"): taken as that method, as Kamailio does"},
    }};
    const auto index = static_cast<std::size_t>(anomaly);
    if (index >= kInfo.size()) return {"sip.unknown", "unknown SIP anomaly"};
    return kInfo[index];
}

std::string unfold(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    std::size_t i = 0;
    while (i < value.size()) {
        const char c = value[i];
        const bool line_break = c == '\n' || (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n');
        if (!line_break) {
            out.push_back(c);
            ++i;
            continue;
        }
        i += (c == '\r') ? 2 : 1;
        while (!out.empty() && text::is_wsp(out.back())) out.pop_back();
        while (i < value.size() && text::is_wsp(value[i])) ++i;
        out.push_back(' ');
    }
    return out;
}

std::string_view unfold(std::string_view value, std::string& scratch) {
    // Every line break unfold() replaces has a LF (CRLF or LF alone): one memchr tells.
    if (value.find('\n') == std::string_view::npos) return value;
    scratch = unfold(value);
    return scratch;
}

std::vector<std::string_view> split_values(std::string_view value) {
    std::vector<std::string_view> parts;
    bool in_quotes = false;
    int angle_depth = 0;
    std::size_t start = 0;
    auto emit = [&](std::size_t end) {
        auto part = text::trim(value.substr(start, end - start));
        if (!part.empty()) parts.push_back(part);
        start = end + 1;
    };
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (in_quotes) {
            if (c == '\\') {
                ++i;  // the escaped character cannot end the quoted string
            } else if (c == '"') {
                in_quotes = false;
            }
            continue;
        }
        if (c == '"') {
            in_quotes = true;
        } else if (c == '<') {
            ++angle_depth;
        } else if (c == '>' && angle_depth > 0) {
            --angle_depth;
        } else if (c == ',' && angle_depth == 0) {
            emit(i);
        }
    }
    if (start <= value.size()) emit(value.size());
    return parts;
}

namespace text {

std::optional<std::string_view> find_param(std::string_view params, std::string_view name) {
    std::size_t pos = 0;
    while (pos < params.size()) {
        const std::size_t semi = params.find(';', pos);
        if (semi == std::string_view::npos) return std::nullopt;
        std::size_t end = semi + 1;
        bool in_quotes = false;
        while (end < params.size() && (in_quotes || params[end] != ';')) {
            if (params[end] == '"') in_quotes = !in_quotes;
            if (in_quotes && params[end] == '\\') ++end;
            ++end;
        }
        end = std::min(end, params.size());
        const auto param = params.substr(semi + 1, end - semi - 1);
        const std::size_t eq = param.find('=');
        const auto key = trim(param.substr(0, eq));
        if (iequals(key, name)) {
            return eq == std::string_view::npos ? std::string_view{} : trim(param.substr(eq + 1));
        }
        pos = end;
    }
    return std::nullopt;
}

}  // namespace text
}  // namespace scamgate::sip
