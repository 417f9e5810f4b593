#pragma once
// Cuts one direction of a SIP-over-TCP byte stream into messages (RFC 3261 18.3: Content-Length
// frames each message). Whole messages inside one feed are parsed straight from the caller's
// bytes; only an incomplete tail is copied, so the buffer never holds more than
// max_message_size plus one feed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace scamgate::sip {

class StreamFramer {
public:
    struct Sink {
        virtual ~Sink() = default;
        // `m` and `raw` are valid only during the call. The message's parse warnings
        // (missing_content_length, missing_via, ...) are passed to on_anomaly just before.
        virtual void on_message(const Message& m, std::string_view raw) = 0;
        virtual void on_anomaly(SipAnomaly a) = 0;
        // A message with a valid start line was lost (message_too_large, bad_content_length, ...):
        // by default just an anomaly.
        virtual void on_message_lost(SipAnomaly a) { on_anomaly(a); }
        // The header block of a message whose body has not all arrived yet, parsed on its own
        // (no body): once per message, before its on_message (or its loss). `raw_head` ends with
        // the empty line. Valid only during the call.
        virtual void on_head(const Message& /*head*/, std::string_view /*raw_head*/) {}
    };

    // The bytes of the current feed that carry part of `raw` (a view given to the sink during this
    // feed): `bytes` carry raw[offset, offset + bytes.size()). Empty when none do (`raw` was
    // buffered from earlier feeds). Inline, only those bytes can still be changed on the wire.
    struct FedPart {
        std::string_view bytes;
        std::size_t offset = 0;
    };
    FedPart fed_part(std::string_view raw) const;

    explicit StreamFramer(const ParserLimits& limits = {});

    // May emit 0..n messages. CRLF keepalives between messages (RFC 5626) are skipped silently;
    // junk is skipped up to the next start line at a line start, counted as one stream_resync
    // per episode (an error in a message that had a valid start line is reported first). A message
    // whose body goes past max_message_size is emitted cut there (body_too_large) and the rest of
    // its body is skipped as it arrives, so the next message is framed where it starts.
    void feed(std::string_view bytes, Sink& sink);
    // Bytes were lost: the partial message is dropped and the framer resynchronises.
    void on_gap(Sink& sink);
    std::size_t buffered() const { return buffer_.size(); }
    // Body bytes of a cut message still to be skipped.
    std::uint64_t skipping() const { return skipping_; }

private:
    std::size_t drain(std::string_view data, Sink& sink);
    std::size_t skip_junk(std::string_view rest, Sink& sink);
    void deliver(const ParseResult& result, std::string_view rest, Sink& sink);
    void remember_incomplete(const ParseResult& result, std::string_view rest, Sink& sink);
    void report_head(const ParseResult& result, std::string_view rest, Sink& sink);
    bool worth_parsing();
    void keep_tail(std::string_view tail);

    ParserLimits limits_;
    std::string buffer_;
    Message message_;
    Message head_;               // the head of the buffered message, parsed for on_head
    bool head_reported_ = false;  // on_head was called for the message being buffered
    // During a feed: the bytes being framed (the feed itself or the buffer it was appended to),
    // and where the feed's own bytes begin in them, for fed_part().
    std::string_view framing_;
    std::string_view feed_;
    std::size_t feed_at_ = 0;
    bool resyncing_ = false;
    std::uint64_t skipping_ = 0;
    // What the buffered incomplete message lacks, so a feed that cannot complete it costs no
    // reparse (byte-at-a-time feeding stays linear). wait_arg_: scan offset or total size.
    enum class Waiting : std::uint8_t { nothing, line_end, header_end, total_size };
    Waiting waiting_ = Waiting::nothing;
    std::size_t wait_arg_ = 0;
};

}  // namespace scamgate::sip
