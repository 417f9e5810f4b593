// URIs, name-addr, CSeq and Via: RFC 3261 section 19.1, 20.10, 20.16 and 20.42; tel: RFC 3966.
#include <algorithm>

#include "sip/message.h"
#include "sip/text.h"

namespace scamgate::sip {
namespace {

using text::trim;

constexpr bool is_lws(char c) { return text::is_wsp(c) || c == '\r' || c == '\n'; }

bool has_forbidden_uri_char(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == '"';
    });
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
    const auto value = text::parse_decimal(digits, 65535);
    if (!value || *value == 0) return std::nullopt;
    return static_cast<std::uint16_t>(*value);
}

// host[:port] where host may be a bracketed IPv6 reference; fills uri.host and uri.port.
bool parse_hostport(std::string_view hostport, std::string_view& host, std::uint16_t& port) {
    std::string_view port_text;
    if (!hostport.empty() && hostport.front() == '[') {
        const std::size_t close = hostport.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        host = hostport.substr(1, close - 1);
        const auto after = hostport.substr(close + 1);
        if (!after.empty() && after.front() != ':') return false;
        if (!after.empty()) port_text = after.substr(1);
        if (after.size() == 1) return false;
    } else {
        const std::size_t colon = hostport.find(':');
        host = hostport.substr(0, colon);
        if (colon != std::string_view::npos) {
            port_text = hostport.substr(colon + 1);
            if (port_text.empty()) return false;
        }
    }
    if (host.empty()) return false;
    if (port_text.empty()) return true;
    const auto parsed = parse_port(port_text);
    if (!parsed) return false;
    port = *parsed;
    return true;
}

bool parse_sip_uri(std::string_view rest, Uri& uri) {
    // userinfo cannot hold an unescaped '@' but may hold '?', ';' and ':' (RFC 4475 intmeth).
    const std::size_t at = rest.find('@');
    std::string_view after_user = rest;
    if (at != std::string_view::npos) {
        const auto userinfo = rest.substr(0, at);
        const std::size_t colon = userinfo.find(':');
        uri.user = userinfo.substr(0, colon);
        if (colon != std::string_view::npos) uri.password = userinfo.substr(colon + 1);
        if (uri.user.empty()) return false;
        after_user = rest.substr(at + 1);
    }
    const std::size_t q = after_user.find('?');
    if (q != std::string_view::npos) uri.headers = after_user.substr(q + 1);
    const auto before_headers = after_user.substr(0, q);
    const std::size_t semi = before_headers.find(';');
    if (semi != std::string_view::npos) uri.params = before_headers.substr(semi);
    return parse_hostport(before_headers.substr(0, semi), uri.host, uri.port);
}

bool parse_tel_uri(std::string_view rest, Uri& uri) {
    const std::size_t semi = rest.find(';');
    uri.user = rest.substr(0, semi);
    if (semi != std::string_view::npos) uri.params = rest.substr(semi);
    return !uri.user.empty();
}

// Length of a quoted-string starting at s[0] == '"', including both quotes; 0 if unterminated.
std::size_t quoted_string_length(std::string_view s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return 0;
}

std::string_view skip_lws(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && is_lws(s[i])) ++i;
    return s.substr(i);
}

// Display name, <uri> and params once the display part (if any) has been taken off.
std::optional<NameAddr> parse_bracketed(std::string_view display, std::string_view from_angle) {
    const std::size_t close = from_angle.find('>');
    if (close == std::string_view::npos) return std::nullopt;
    NameAddr out;
    out.display = display;
    out.uri_text = trim(from_angle.substr(1, close - 1));
    out.uri = parse_uri(out.uri_text);
    out.params = trim(from_angle.substr(close + 1));
    return out;
}

std::optional<NameAddr> parse_addr_spec(std::string_view value) {
    // RFC 3261 20.10: without <>, everything after the first ';' is a header parameter.
    const std::size_t semi = value.find(';');
    NameAddr out;
    out.uri_text = trim(value.substr(0, semi));
    if (semi != std::string_view::npos) out.params = value.substr(semi);
    out.uri = parse_uri(out.uri_text);
    if (!out.uri) return std::nullopt;
    return out;
}

std::size_t token_length(std::string_view s) {
    return static_cast<std::size_t>(std::find_if_not(s.begin(), s.end(), text::is_token_char) - s.begin());
}

}  // namespace

std::optional<std::string_view> Uri::param(std::string_view name) const {
    return text::find_param(params, name);
}

bool Uri::user_is_phone() const {
    if (text::iequals(scheme, "tel")) return true;
    const auto user_param = param("user");
    return user_param && text::iequals(*user_param, "phone");
}

std::optional<Uri> parse_uri(std::string_view input) {
    const auto s = trim(input);
    const std::size_t colon = s.find(':');
    if (colon == 0 || colon == std::string_view::npos || !text::is_alpha(s[0])) return std::nullopt;
    Uri uri;
    uri.scheme = s.substr(0, colon);
    const bool scheme_ok = std::all_of(uri.scheme.begin(), uri.scheme.end(), [](char c) {
        return text::is_alpha(c) || text::is_digit(c) || c == '+' || c == '-' || c == '.';
    });
    uri.opaque = s.substr(colon + 1);
    if (!scheme_ok || uri.opaque.empty() || has_forbidden_uri_char(uri.opaque)) return std::nullopt;
    if (text::iequals(uri.scheme, "sip") || text::iequals(uri.scheme, "sips")) {
        if (!parse_sip_uri(uri.opaque, uri)) return std::nullopt;
    } else if (text::iequals(uri.scheme, "tel")) {
        if (!parse_tel_uri(uri.opaque, uri)) return std::nullopt;
    }
    return uri;
}

std::optional<std::string_view> NameAddr::param(std::string_view name) const {
    return text::find_param(params, name);
}

std::string_view NameAddr::tag() const { return param("tag").value_or(std::string_view{}); }

std::optional<NameAddr> parse_name_addr(std::string_view value) {
    const auto v = trim(value);
    if (v.empty()) return std::nullopt;
    if (v.front() == '"') {
        const std::size_t quoted = quoted_string_length(v);
        if (quoted == 0) return std::nullopt;
        const auto rest = skip_lws(v.substr(quoted));
        if (rest.empty() || rest.front() != '<') return std::nullopt;
        return parse_bracketed(v.substr(1, quoted - 2), rest);
    }
    const std::size_t angle = v.find('<');
    if (angle == std::string_view::npos) return parse_addr_spec(v);
    const auto display = trim(v.substr(0, angle));
    if (display.find('"') != std::string_view::npos) return std::nullopt;
    return parse_bracketed(display, v.substr(angle));
}

std::optional<CSeq> parse_cseq(std::string_view value) {
    const auto v = trim(value);
    std::size_t digits = 0;
    while (digits < v.size() && text::is_digit(v[digits])) ++digits;
    const auto number = text::parse_decimal(v.substr(0, digits), 0x7fffffff);  // RFC 3261 8.1.1.5
    if (!number) return std::nullopt;
    const auto rest = skip_lws(v.substr(digits));
    if (rest.size() == v.size() - digits) return std::nullopt;  // no white space before method
    const std::size_t method_len = token_length(rest);
    if (method_len == 0 || method_len != rest.size()) return std::nullopt;
    return CSeq{static_cast<std::uint32_t>(*number), text::canonical_method(rest)};
}

std::optional<std::string_view> Via::param(std::string_view name) const {
    return text::find_param(params, name);
}

std::optional<Via> parse_via(std::string_view single_value) {
    const auto v = trim(single_value);
    std::string_view rest = v;
    std::string_view last_token;
    for (int part = 0; part < 3; ++part) {  // protocol-name / version / transport
        if (part > 0) {
            rest = skip_lws(rest);
            if (rest.empty() || rest.front() != '/') return std::nullopt;
            rest = skip_lws(rest.substr(1));
        }
        const std::size_t len = token_length(rest);
        if (len == 0) return std::nullopt;
        last_token = rest.substr(0, len);
        rest = rest.substr(len);
    }
    Via via;
    via.transport = last_token;
    via.protocol = v.substr(0, static_cast<std::size_t>(rest.data() - v.data()));
    const auto sent_by_start = skip_lws(rest);
    if (sent_by_start.size() == rest.size() || sent_by_start.empty()) return std::nullopt;
    const std::size_t semi = sent_by_start.find(';');
    auto sent_by = trim(sent_by_start.substr(0, semi));
    if (sent_by.empty()) return std::nullopt;
    if (semi != std::string_view::npos) via.params = trim(sent_by_start.substr(semi));
    // "host : port" may carry LWS around the colon; cut it out by taking host and port apart.
    std::string_view host_part = sent_by;
    std::string_view port_part;
    const std::size_t colon = sent_by.front() == '[' ? sent_by.find(':', sent_by.find(']')) : sent_by.find(':');
    if (colon != std::string_view::npos) {
        host_part = trim(sent_by.substr(0, colon));
        port_part = trim(sent_by.substr(colon + 1));
        if (port_part.empty()) return std::nullopt;
    }
    if (host_part.size() >= 2 && host_part.front() == '[' && host_part.back() == ']') {
        host_part = host_part.substr(1, host_part.size() - 2);
    }
    if (host_part.empty() || has_forbidden_uri_char(host_part) || host_part.find('[') != std::string_view::npos) {
        return std::nullopt;
    }
    via.host = host_part;
    if (!port_part.empty()) {
        const auto port = parse_port(port_part);
        if (!port) return std::nullopt;
        via.port = *port;
    }
    return via;
}

}  // namespace scamgate::sip
