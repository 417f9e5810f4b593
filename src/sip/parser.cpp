#include <algorithm>
#include <array>

#include "sip/message.h"
#include "sip/text.h"

namespace scamgate::sip {
namespace {

constexpr std::string_view kVersion = "SIP/2.0";
constexpr std::uint64_t kMaxContentLength = 999'999'999;

enum class LineMatch : std::uint8_t { no, need_more, yes };

constexpr bool is_ctl(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

constexpr bool is_scheme_char(char c) {
    return text::is_alpha(c) || text::is_digit(c) || c == '+' || c == '-' || c == '.';
}

// Reads a line's pieces left to right; at the end of a partial line the answer is "need more".
class LineCursor {
public:
    LineCursor(std::string_view line, bool complete) : line_(line), complete_(complete) {}

    bool at_end() const { return pos_ >= line_.size(); }
    LineMatch end_result() const { return complete_ ? LineMatch::no : LineMatch::need_more; }
    char peek() const { return line_[pos_]; }
    std::size_t pos() const { return pos_; }

    template <typename Pred>
    std::size_t skip_while(Pred pred) {
        const std::size_t start = pos_;
        while (pos_ < line_.size() && pred(line_[pos_])) ++pos_;
        return pos_ - start;
    }

    // Compares the literal case-insensitively as far as the line goes.
    LineMatch expect(std::string_view literal) {
        const std::size_t avail = std::min(literal.size(), line_.size() - pos_);
        if (!text::iequals(line_.substr(pos_, avail), literal.substr(0, avail))) return LineMatch::no;
        pos_ += avail;
        return avail == literal.size() ? LineMatch::yes : end_result();
    }

    LineMatch rest_is_white_space() {
        skip_while(text::is_wsp);
        return at_end() ? LineMatch::yes : LineMatch::no;
    }

private:
    std::string_view line_;
    bool complete_;
    std::size_t pos_ = 0;
};

// Request-Line: token SP+ absoluteURI SP+ SIP/2.0 [WSP]. Extra SP (or HTAB, which Kamailio
// takes between URI and version) between the elements and trailing white space are tolerated
// (RFC 4475 3.1.2.9 / 3.1.2.10 allow being liberal).
LineMatch classify_request_line(std::string_view line, bool complete) {
    LineCursor cur(line, complete);
    if (cur.skip_while(text::is_token_char) == 0) return cur.at_end() ? cur.end_result() : LineMatch::no;
    if (cur.at_end()) return cur.end_result();
    if (cur.skip_while(text::is_wsp) == 0) return LineMatch::no;
    if (cur.at_end()) return cur.end_result();
    if (!text::is_alpha(cur.peek())) return LineMatch::no;
    cur.skip_while(is_scheme_char);
    if (cur.at_end()) return cur.end_result();
    if (cur.peek() != ':') return LineMatch::no;
    cur.skip_while([](char c) { return c == ':'; });
    if (cur.skip_while([](char c) { return c != ' ' && !is_ctl(c); }) == 0 && !cur.at_end()) {
        return LineMatch::no;
    }
    if (cur.at_end()) return cur.end_result();
    if (cur.skip_while(text::is_wsp) == 0) return LineMatch::no;
    if (cur.at_end()) return cur.end_result();
    const auto version = cur.expect(kVersion);
    if (version != LineMatch::yes) return version;
    if (cur.at_end()) return complete ? LineMatch::yes : LineMatch::need_more;
    return cur.rest_is_white_space();
}

// Status-Line: SIP/2.0 SP+ 3DIGIT [SP reason]. Reason is any text without control bytes but HTAB.
LineMatch classify_status_line(std::string_view line, bool complete) {
    LineCursor cur(line, complete);
    const auto version = cur.expect(kVersion);
    if (version != LineMatch::yes) return version;
    if (cur.at_end()) return cur.end_result();
    if (cur.skip_while([](char c) { return c == ' '; }) == 0) return LineMatch::no;
    const std::size_t digits = cur.skip_while(text::is_digit);
    if (cur.at_end()) return digits <= 3 ? (digits == 3 && complete ? LineMatch::yes : cur.end_result())
                                         : LineMatch::no;
    if (digits != 3 || cur.peek() != ' ') return LineMatch::no;
    cur.skip_while([](char c) { return c == '\t' || !is_ctl(c); });
    if (!cur.at_end()) return LineMatch::no;
    return complete ? LineMatch::yes : LineMatch::need_more;
}

LineMatch classify_start_line(std::string_view line, bool complete) {
    const auto status = classify_status_line(line, complete);
    if (status == LineMatch::yes) return status;
    const auto request = classify_request_line(line, complete);
    return std::max(status, request);
}

// The first line of `data` without its CR/LF; the whole of `data` when there is no LF.
std::string_view first_line(std::string_view data) {
    auto line = data.substr(0, data.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

bool is_start_line_at(std::string_view data, std::size_t offset) {
    return classify_start_line(first_line(data.substr(offset)), true) == LineMatch::yes;
}

constexpr std::array<std::string_view, 14> kRfcMethods{
    "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK",
    "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE"};

bool is_rfc_method(std::string_view token) {
    return std::find(kRfcMethods.begin(), kRfcMethods.end(), token) != kRfcMethods.end();
}

// For "DBREGISTER sip:..." returns the offset of "REGISTER": junk glued to a known method.
std::size_t skip_junk_glued_to_method(std::string_view token, std::size_t token_offset) {
    for (auto method : kRfcMethods) {
        if (token == method) return token_offset;
    }
    std::size_t best = token.size();
    for (auto method : kRfcMethods) {
        if (token.size() > method.size() && token.ends_with(method)) {
            best = std::min(best, token.size() - method.size());
        }
    }
    return best == token.size() ? token_offset : token_offset + best;
}

// --- Message parsing -------------------------------------------------------------------------

struct Line {
    std::string_view text;  // without CR/LF
    std::size_t next = 0;   // offset of the following line
    bool terminated = false;
};

Line line_at(std::string_view data, std::size_t pos) {
    const std::size_t lf = data.find('\n', pos);
    Line line;
    if (lf == std::string_view::npos) {
        line.text = data.substr(pos);
        line.next = data.size();
    } else {
        line.text = data.substr(pos, lf - pos);
        line.next = lf + 1;
        line.terminated = true;
    }
    if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
    return line;
}

// Fills the start line's fields; false when the method had to be taken in its canonical case.
bool fill_start_line(std::string_view line, Message& out) {
    if (text::istarts_with(line, kVersion) && classify_status_line(line, true) == LineMatch::yes) {
        out.is_request = false;
        std::size_t pos = kVersion.size();
        while (line[pos] == ' ') ++pos;
        out.status_code = (line[pos] - '0') * 100 + (line[pos + 1] - '0') * 10 + (line[pos + 2] - '0');
        out.reason_phrase = text::trim(line.substr(pos + 3));
        return true;
    }
    out.is_request = true;
    // classify_request_line() checked the shape: token, SP/HTAB run, URI, SP/HTAB run, version.
    std::size_t method_end = 0;
    while (method_end < line.size() && !text::is_wsp(line[method_end])) ++method_end;
    std::size_t uri_begin = method_end;
    while (uri_begin < line.size() && text::is_wsp(line[uri_begin])) ++uri_begin;
    std::size_t uri_end = uri_begin;
    while (uri_end < line.size() && !text::is_wsp(line[uri_end])) ++uri_end;
    const std::string_view method = line.substr(0, method_end);
    out.method = text::canonical_method(method);
    out.request_uri = line.substr(uri_begin, uri_end - uri_begin);
    return out.method.data() == method.data();
}

class MessageParser {
public:
    MessageParser(std::string_view data, Framing framing, Message& out, const ParserLimits& limits)
        : data_(data), whole_size_(data.size()), framing_(framing), out_(out), limits_(limits) {}

    ParseResult run() {
        out_.clear();
        if (!streaming() && data_.size() > limits_.max_message_size) {
            // The datagram bounds the message, so what lies past the limit is only cut off.
            data_ = data_.substr(0, limits_.max_message_size);
            cut_ = true;
        }
        if (!parse_start_line()) return result_;
        if (!parse_headers()) return result_;
        if (!frame_body()) return result_;
        check_mandatory_headers();
        result_.status = ParseStatus::ok;
        return std::move(result_);
    }

private:
    bool streaming() const { return framing_ == Framing::stream; }

    ParseResult fail(SipAnomaly anomaly) {
        result_.status = ParseStatus::error;
        result_.anomaly = anomaly;
        result_.consumed = 0;
        return std::move(result_);
    }
    bool stop(SipAnomaly anomaly) {
        result_ = fail(anomaly);
        return false;
    }
    bool need_more() {
        if (data_.size() > limits_.max_message_size) return stop(SipAnomaly::message_too_large);
        result_.status = ParseStatus::incomplete;
        result_.consumed = 0;
        result_.warnings.clear();
        return false;
    }

    bool parse_start_line() {
        const Line line = line_at(data_, 0);
        if (!line.terminated && streaming()) {
            // A first line longer than the limit is junk, not a message to report as too large.
            if (classify_start_line(line.text, false) == LineMatch::no ||
                data_.size() > limits_.max_message_size) {
                return stop(SipAnomaly::bad_start_line);
            }
            return need_more();
        }
        if (classify_start_line(line.text, true) != LineMatch::yes) return stop(SipAnomaly::bad_start_line);
        if (!fill_start_line(line.text, out_)) result_.warnings.push_back(SipAnomaly::method_case);
        pos_ = line.next;
        return true;
    }

    bool parse_headers() {
        while (true) {
            if (pos_ > limits_.max_message_size) return stop(SipAnomaly::message_too_large);
            if (pos_ >= data_.size()) return headers_ran_out();
            const Line line = line_at(data_, pos_);
            if (!line.terminated && streaming()) return need_more();
            pos_ = line.next;
            if (line.text.empty()) return true;
            if (text::is_wsp(line.text.front())) {
                continue_folded_value(line.text);
                continue;
            }
            add_header(line.text);
        }
    }

    bool headers_ran_out() {
        if (streaming()) return need_more();
        headers_unterminated_ = true;
        result_.warnings.push_back(cut_ ? SipAnomaly::message_too_large : SipAnomaly::missing_header_end);
        return true;
    }

    void continue_folded_value(std::string_view line) {
        if (last_ == LastHeader::skipped) return;  // the rest of a header not kept
        if (last_ == LastHeader::none) {
            result_.warnings.push_back(SipAnomaly::bad_header_line);
            return;
        }
        const char* end = line.data() + line.size();
        out_.headers.back().value =
            text::trim(std::string_view(value_begin_, static_cast<std::size_t>(end - value_begin_)));
    }

    void add_header(std::string_view line) {
        std::size_t name_len = 0;
        while (name_len < line.size() && text::is_token_char(line[name_len])) ++name_len;
        std::size_t colon = name_len;
        while (colon < line.size() && text::is_wsp(line[colon])) ++colon;
        if (name_len == 0 || colon >= line.size() || line[colon] != ':') {
            result_.warnings.push_back(SipAnomaly::bad_header_line);
            last_ = LastHeader::none;
            return;
        }
        Header header;
        header.name = line.substr(0, name_len);
        header.id = header_id(header.name);
        if (!keep(header.id)) {
            last_ = LastHeader::skipped;
            return;
        }
        std::size_t value_start = colon + 1;
        while (value_start < line.size() && text::is_wsp(line[value_start])) ++value_start;
        header.value = text::trim(line.substr(value_start));
        value_begin_ = line.data() + value_start;
        out_.headers.push_back(header);
        seen_[static_cast<std::size_t>(header.id)] = true;
        last_ = LastHeader::kept;
    }

    // Within max_headers every header is kept; past it only the first of each known id, so filler
    // headers cannot hide From or Call-ID (the count stays under max_headers + HeaderId::count_).
    bool keep(HeaderId id) {
        if (out_.headers.size() < limits_.max_headers) return true;
        if (!over_header_limit_) {
            over_header_limit_ = true;
            result_.warnings.push_back(SipAnomaly::too_many_headers);
        }
        return id != HeaderId::other && !seen_[static_cast<std::size_t>(id)];
    }

    // Every Content-Length must be a plain number and all of them must agree (RFC 4475 mcl01);
    // nullopt otherwise. `present` says whether there was one at all; `first` is the first one's
    // value when it is a plain number (what Kamailio frames a TCP message by when they disagree).
    std::optional<std::uint64_t> read_content_length(bool& present, bool& valid,
                                                     std::optional<std::uint64_t>& first) const {
        std::optional<std::uint64_t> length;
        present = false;
        valid = true;
        first.reset();
        for (const auto& h : out_.headers) {
            if (h.id != HeaderId::content_length) continue;
            const auto value = text::parse_decimal(h.value, kMaxContentLength);
            if (!present) first = value;
            present = true;
            if (!value || (length && *length != *value)) {
                valid = false;
                return std::nullopt;
            }
            length = value;
        }
        return length;
    }

    bool frame_body() {
        const std::size_t header_end = std::min(pos_, data_.size());
        bool present = false, valid = true;
        std::optional<std::uint64_t> first;
        const auto length = read_content_length(present, valid, first);
        if (streaming()) {
            if (valid) return frame_stream_body(header_end, length);
            // Repeated with other values after a plain first one: the next hop (Kamailio) frames
            // the message by the first, so the same bytes are judged here. Without a plain first
            // value the message cannot be framed (and Kamailio refuses it).
            if (!first) return stop(SipAnomaly::bad_content_length);
            result_.warnings.push_back(SipAnomaly::bad_content_length);
            return frame_stream_body(header_end, first);
        }
        // Over a datagram the framing does not need it, and Kamailio still routes the request.
        if (!valid) result_.warnings.push_back(SipAnomaly::bad_content_length);
        frame_datagram_body(header_end, length);
        return true;
    }

    void frame_datagram_body(std::size_t header_end, std::optional<std::uint64_t> length) {
        const auto rest = data_.substr(header_end);
        out_.body = rest;
        const std::uint64_t whole_body = whole_size_ - std::min(header_end, whole_size_);
        if (length && *length < rest.size()) out_.body = rest.substr(0, static_cast<std::size_t>(*length));
        if (cut_ && !headers_unterminated_ && (!length || *length > rest.size())) {
            result_.warnings.push_back(SipAnomaly::body_too_large);
        }
        if (length && *length > whole_body) result_.warnings.push_back(SipAnomaly::body_length_mismatch);
        result_.consumed = whole_size_;
    }

    bool frame_stream_body(std::size_t header_end, std::optional<std::uint64_t> length) {
        if (!length) result_.warnings.push_back(SipAnomaly::missing_content_length);
        const std::uint64_t total = header_end + length.value_or(0);
        // A body past the limit is cut there: the message is judged from its headers and the
        // body's first bytes, and the rest of it is skipped by the framer (`skip`).
        const std::uint64_t kept = std::min<std::uint64_t>(total, limits_.max_message_size);
        if (data_.size() < kept) {
            result_.status = ParseStatus::incomplete;
            result_.needed = static_cast<std::size_t>(kept);
            result_.head_size = header_end;
            result_.warnings.clear();
            return false;
        }
        out_.body = data_.substr(header_end, static_cast<std::size_t>(kept - header_end));
        result_.consumed = static_cast<std::size_t>(kept);
        if (kept < total) {
            result_.skip = total - kept;
            result_.warnings.push_back(SipAnomaly::body_too_large);
        }
        return true;
    }

    void check_mandatory_headers() {
        auto& w = result_.warnings;
        const auto seen = [this](HeaderId id) { return seen_[static_cast<std::size_t>(id)]; };
        if (!seen(HeaderId::call_id)) w.push_back(SipAnomaly::missing_call_id);
        if (!seen(HeaderId::cseq)) w.push_back(SipAnomaly::missing_cseq);
        if (!seen(HeaderId::from)) w.push_back(SipAnomaly::missing_from);
        if (!seen(HeaderId::to)) w.push_back(SipAnomaly::missing_to);
        if (!seen(HeaderId::via)) w.push_back(SipAnomaly::missing_via);
        if (seen(HeaderId::cseq)) check_cseq();
    }

    void check_cseq() {
        const auto cseq = parse_cseq(out_.first(HeaderId::cseq));
        const bool method_mismatch = cseq && out_.is_request && cseq->method != out_.method;
        if (!cseq || method_mismatch) result_.warnings.push_back(SipAnomaly::bad_cseq);
    }

    // What a folded continuation line belongs to.
    enum class LastHeader : std::uint8_t { none, kept, skipped };

    std::string_view data_;
    std::size_t whole_size_;  // the datagram's size before a cut at max_message_size
    bool cut_ = false;
    bool headers_unterminated_ = false;  // a datagram without the empty line after its headers
    Framing framing_;
    Message& out_;
    const ParserLimits& limits_;
    ParseResult result_;
    std::size_t pos_ = 0;
    LastHeader last_ = LastHeader::none;
    const char* value_begin_ = nullptr;  // of the last kept header, for folded lines
    bool over_header_limit_ = false;
    std::array<bool, static_cast<std::size_t>(HeaderId::count_)> seen_{};
};

}  // namespace

namespace text {

// Kamailio recognises its methods in any case ("invite" is routed as an INVITE), so the parser
// does too; the RFC spelling is returned so every comparison downstream sees one name.
std::string_view canonical_method(std::string_view token) {
    // The usual case first: no lower-case letter, so nothing to canonicalise.
    if (std::none_of(token.begin(), token.end(), [](char c) { return c >= 'a' && c <= 'z'; })) return token;
    for (auto method : kRfcMethods) {
        if (token.size() == method.size() && token != method && iequals(token, method)) return method;
    }
    return token;
}

}  // namespace text

ParseResult parse_message(std::string_view data, Framing framing, Message& out, const ParserLimits& limits) {
    return MessageParser(data, framing, out, limits).run();
}

bool starts_with_start_line(std::string_view data) {
    return classify_start_line(first_line(data), true) == LineMatch::yes;
}

bool may_be_start_line_prefix(std::string_view partial) {
    return classify_start_line(partial, false) != LineMatch::no;
}

std::optional<std::size_t> find_start_line(std::string_view data, std::size_t window) {
    const std::size_t limit = std::min(window, data.size());
    std::size_t pos = 0;
    while (pos < limit) {
        if (!text::is_token_char(data[pos])) {
            ++pos;
            continue;
        }
        std::size_t run_end = pos;
        while (run_end < data.size() && text::is_token_char(data[run_end])) ++run_end;
        // Later offsets inside the same token run give the same request-line verdict, so each
        // run is classified once (linear time on hostile input); only "xxSIP/2.0 200" needs
        // a second look at the run's tail.
        if (is_start_line_at(data, pos)) {
            const std::size_t method_at = skip_junk_glued_to_method(data.substr(pos, run_end - pos), pos);
            const std::size_t at = method_at < limit ? method_at : pos;
            if (at == 0 || data.substr(at).starts_with("SIP/")) return at;
            // After junk, only a method RFC 3261 and its extensions define is believed: a mangled
            // "%s\0ISTER sip:..." is junk, not an "ISTER" request.
            if (is_rfc_method(data.substr(at, run_end - at))) return at;
        }
        const std::size_t status_at = run_end >= pos + 3 ? run_end - 3 : pos;
        if (status_at > pos && status_at < limit && data.substr(status_at).starts_with("SIP/") &&
            is_start_line_at(data, status_at)) {
            return status_at;
        }
        pos = run_end;
    }
    return std::nullopt;
}

std::optional<std::size_t> find_start_line_at_line_start(std::string_view data, std::size_t window) {
    const std::size_t limit = std::min(window, data.size());
    std::size_t pos = 0;
    while (pos < limit) {
        if (is_start_line_at(data, pos)) return pos;
        const std::size_t lf = data.find('\n', pos);
        if (lf == std::string_view::npos) break;
        pos = lf + 1;
    }
    return std::nullopt;
}

}  // namespace scamgate::sip
