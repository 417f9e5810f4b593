#pragma once
// A parsed SIP message: string_views into the caller's buffer (zero copy). Header values keep
// folded continuation lines as they were; use unfold() before comparing them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/anomaly.h"

namespace scamgate::sip {

// Headers the pipeline reads; everything else is `other` and still kept with its name.
enum class HeaderId : std::uint8_t {
    other,
    via,
    from,
    to,
    call_id,
    cseq,
    contact,
    content_length,
    content_type,
    max_forwards,
    p_asserted_identity,
    p_preferred_identity,
    remote_party_id,
    diversion,
    history_info,
    user_agent,
    server,
    identity,
    privacy,
    route,
    record_route,
    supported,
    require,
    expires,
    subject,
    event,
    allow,
    accept,
    authorization,
    proxy_authorization,
    www_authenticate,
    proxy_authenticate,
    reason,
    refer_to,
    referred_by,
    count_
};

// Maps a header name (full or compact form, any case) to its id.
HeaderId header_id(std::string_view name);
std::string_view header_canonical_name(HeaderId id);

struct Header {
    HeaderId id = HeaderId::other;
    std::string_view name;   // as written
    std::string_view value;  // trimmed; may contain folded line breaks
};

struct Message {
    bool is_request = false;
    // Request
    std::string_view method;
    std::string_view request_uri;
    // Response
    int status_code = 0;
    std::string_view reason_phrase;

    std::vector<Header> headers;
    std::string_view body;

    // First header with this id, or empty.
    std::string_view first(HeaderId id) const;
    bool has(HeaderId id) const;
    std::size_t count(HeaderId id) const;
    // Every value of the header across repeated headers and, where is_comma_list(id), across
    // comma-separated lists, in order.
    std::vector<std::string_view> values(HeaderId id) const;

    void clear();
};

// --- Parsing -------------------------------------------------------------------------------

// Which of these stop a parse and which are warnings on a message that is still handed on depends
// on the transport; parse_message() below says which for each.
enum class SipAnomaly : std::uint8_t {
    bad_start_line,
    bad_header_line,
    missing_header_end,
    too_many_headers,         // a warning: headers past the limit are not kept (but the first of each id)
    message_too_large,
    bad_content_length,
    missing_content_length,   // on a stream transport, where it frames the message
    body_length_mismatch,     // datagram body shorter than Content-Length
    missing_call_id,
    missing_cseq,
    bad_cseq,
    missing_from,
    missing_to,
    missing_via,
    junk_before_start_line,
    stream_resync,            // bytes skipped on a TCP stream to find the next start line
    body_too_large,           // a warning: the body was cut at max_message_size (the rest skipped on a stream)
    method_case,              // a warning: "invite" taken as INVITE, as Kamailio does
    count_
};

AnomalyInfo describe(SipAnomaly anomaly);

struct ParserLimits {
    // Bytes of one message kept and parsed. A longer body is cut here (the message is still
    // parsed, with body_too_large); a longer header block is message_too_large.
    std::size_t max_message_size = 65535;
    // Header lines kept per message. Past it only the first header of each HeaderId other than
    // `other` is still kept (too_many_headers, a warning), so From or Call-ID cannot be pushed out of
    // view by filler headers; a message never holds more than max_headers + HeaderId::count_.
    std::size_t max_headers = 256;
};

enum class ParseStatus : std::uint8_t {
    ok,          // a whole message was parsed; `consumed` bytes belong to it
    incomplete,  // stream transport: more bytes are needed (nothing is consumed)
    error,       // not a valid SIP message; `anomaly` says why
};

struct ParseResult {
    ParseStatus status = ParseStatus::error;
    SipAnomaly anomaly = SipAnomaly::bad_start_line;
    std::size_t consumed = 0;
    // Problems that did not stop the parse (e.g. missing_via); checked by the caller for counting.
    std::vector<SipAnomaly> warnings;
    // incomplete: total bytes the message needs once its header block is complete (0: unknown).
    std::size_t needed = 0;
    // incomplete on a stream with the header block complete: the header block's size (with its
    // empty line), so the head can be read before the body arrives.
    std::size_t head_size = 0;
    // ok on a stream with body_too_large: bytes of the body beyond `consumed` that belong to this
    // message and must be skipped before the next one starts.
    std::uint64_t skip = 0;
};

enum class Framing : std::uint8_t {
    datagram,  // UDP: one message per datagram, Content-Length optional (body = rest)
    stream,    // TCP: Content-Length frames the message (missing -> 0, with a warning)
};

// Parses one message from the start of `data`. `out` is cleared first and refers into `data`
// (except `method` and a CSeq's method for an RFC method written in another case: those are the
// canonical upper-case spelling).
//
// As lenient as the SIP stacks that route what they receive (Kamailio 5.6 is the yardstick):
// LF-only line ends, compact header names, any case in header names and in RFC method names,
// white space before the colon, folded lines, repeated headers (the first one counts), several
// SP or HTAB between the parts of a request line.
//   Datagram (UDP, and one WebSocket message): the datagram bounds the message (RFC 3261 18.3).
//   A Content-Length that is not a number, negative, too large, or repeated with another value
//   is a bad_content_length warning and the body is the rest of the datagram; a larger one is a
//   body_length_mismatch warning; a smaller one cuts the body. A datagram over max_message_size
//   is parsed as its first max_message_size bytes (body_too_large, or message_too_large when the
//   header block does not end before the limit).
//   Stream (TCP): Content-Length frames the message, so a bad one is an error. A message whose
//   header block fits but whose body does not is handed on cut at max_message_size, with `skip`
//   saying how much of its body follows.
ParseResult parse_message(std::string_view data, Framing framing, Message& out,
                          const ParserLimits& limits = {});

// True when `data` begins with a SIP request line ("METHOD uri SIP/2.0") or status line
// ("SIP/2.0 NNN"). Cheap: reads at most the first line. This is SIP's protocol probe.
bool starts_with_start_line(std::string_view data);

// Offset of the first start line within the first `window` bytes, if any (for junk before a
// request and for stream resynchronisation, where window is the whole buffer). A request found
// after junk (offset > 0) must use one of the RFC methods; any token method counts at offset 0.
std::optional<std::size_t> find_start_line(std::string_view data, std::size_t window);
// Datagram junk: the start line may begin at any offset (e.g. two stray bytes glued to
// "REGISTER sip:..."); an unknown method token ending in an RFC method ("DBREGISTER") is taken
// as junk followed by that method.

// Stream resync: like find_start_line but only at offset 0 or right after a LF.
std::optional<std::size_t> find_start_line_at_line_start(std::string_view data, std::size_t window);

// False when `partial` (the beginning of a first line, possibly without its line end) can no
// longer become a start line. Lets the stream framer drop junk without waiting for a LF.
bool may_be_start_line_prefix(std::string_view partial);

// --- Header values -------------------------------------------------------------------------

// Replaces each line break (CRLF or LF) together with the white space around it by one space,
// as RFC 3261 7.3.1 makes folding equivalent to a single SP.
std::string unfold(std::string_view value);
// The same without a copy when there is nothing to unfold (no line break, the usual case): `value`
// itself, otherwise the unfolded text, kept in `scratch`.
std::string_view unfold(std::string_view value, std::string& scratch);

// Splits a header value on top-level commas (not inside quotes or <>), trimming each part.
std::vector<std::string_view> split_values(std::string_view value);

// Whether Message::values() comma-splits this header. True for the list headers (Via, Contact,
// Route, Record-Route, P-Asserted-Identity, P-Preferred-Identity, Remote-Party-ID, Diversion,
// History-Info, Supported, Require, Allow, Accept, Privacy, Reason). False for the challenge and
// credential headers (WWW-Authenticate, Authorization, Proxy-*: their params are comma-separated),
// single-valued ones (From, To, Call-ID, CSeq, Content-*, Max-Forwards, Expires, Refer-To,
// Referred-By, Event, Identity), free text (Subject, User-Agent, Server) and `other`, which mixes
// unknown headers and Date-like values ("Sat, 13 Nov 2010 ...").
bool is_comma_list(HeaderId id);

struct Uri {
    std::string_view scheme;   // "sip", "sips", "tel", or other (lowercase not guaranteed)
    std::string_view user;     // sip user part or tel number (with visual separators as sent)
    std::string_view password;
    std::string_view host;     // without brackets for IPv6
    std::uint16_t port = 0;    // 0: absent
    std::string_view params;   // ";a=b;c" after host[:port] (or after the tel number)
    std::string_view headers;  // after '?'
    std::string_view opaque;   // everything after "scheme:" (the whole of it for other schemes)
    // Value of a ;name=value parameter (case-insensitive name); present-without-value gives "".
    std::optional<std::string_view> param(std::string_view name) const;
    bool user_is_phone() const;  // ;user=phone or tel:
};

std::optional<Uri> parse_uri(std::string_view text);

// name-addr ("Display" <uri>;params) or addr-spec (uri;params).
struct NameAddr {
    std::string_view display;  // without quotes; escapes kept as sent
    std::string_view uri_text;
    std::optional<Uri> uri;
    std::string_view params;   // header params after the address, e.g. ";tag=abc"
    std::optional<std::string_view> param(std::string_view name) const;
    std::string_view tag() const;
};

std::optional<NameAddr> parse_name_addr(std::string_view value);

struct CSeq {
    std::uint32_t number = 0;
    std::string_view method;  // an RFC method in its canonical case, like Message::method
};

std::optional<CSeq> parse_cseq(std::string_view value);

struct Via {
    std::string_view protocol;   // "SIP/2.0/UDP"
    std::string_view transport;  // "UDP"
    std::string_view host;
    std::uint16_t port = 0;
    std::string_view params;
    std::optional<std::string_view> param(std::string_view name) const;  // branch, received, rport
};

std::optional<Via> parse_via(std::string_view single_value);

// --- SDP (c= and m= lines) ------------------------------------------------------------------

struct SdpMedia {
    std::string_view type;        // audio, video, image, ...
    std::uint16_t port = 0;
    std::string_view protocol;    // RTP/AVP, udptl, ...
    std::string_view formats;
    std::string_view connection;  // media-level c= address, if any
};

struct Sdp {
    std::string_view origin_address;     // from o=
    std::string_view session_connection; // session-level c= address
    std::vector<SdpMedia> media;
};

std::optional<Sdp> parse_sdp(std::string_view body);

}  // namespace scamgate::sip
