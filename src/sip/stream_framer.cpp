#include "sip/stream_framer.h"

#include <algorithm>

namespace scamgate::sip {
namespace {

bool is_line_break(char c) { return c == '\r' || c == '\n'; }

// True when data[from - 2 ..] holds "\n\n" or "\n\r\n", the end of a header block.
bool has_blank_line(std::string_view data, std::size_t from) {
    std::size_t pos = from > 2 ? from - 2 : 0;
    while ((pos = data.find('\n', pos)) != std::string_view::npos) {
        if (pos + 1 < data.size() && data[pos + 1] == '\n') return true;
        if (pos + 2 < data.size() && data[pos + 1] == '\r' && data[pos + 2] == '\n') return true;
        ++pos;
    }
    return false;
}

}  // namespace

StreamFramer::StreamFramer(const ParserLimits& limits) : limits_(limits) {}

void StreamFramer::feed(std::string_view bytes, Sink& sink) {
    if (skipping_ > 0) {
        const auto skipped = static_cast<std::size_t>(std::min<std::uint64_t>(skipping_, bytes.size()));
        bytes.remove_prefix(skipped);
        skipping_ -= skipped;
    }
    if (bytes.empty()) return;
    feed_ = bytes;
    if (buffer_.empty()) {
        feed_at_ = 0;
        const std::size_t used = drain(bytes, sink);
        keep_tail(bytes.substr(used));
        feed_ = {};
        return;
    }
    buffer_.append(bytes);
    if (!worth_parsing()) {
        feed_ = {};
        return;
    }
    feed_at_ = buffer_.size() - bytes.size();
    const std::size_t used = drain(buffer_, sink);
    feed_ = {};
    buffer_.erase(0, used);
    if (buffer_.size() > limits_.max_message_size) buffer_.clear();  // defensive; drain bounds it
}

StreamFramer::FedPart StreamFramer::fed_part(std::string_view raw) const {
    const auto* begin = framing_.data();
    if (feed_.empty() || raw.empty() || raw.data() < begin || raw.data() + raw.size() > begin + framing_.size()) return {};
    const auto raw_at = static_cast<std::size_t>(raw.data() - begin);
    const std::size_t from = std::max(raw_at, feed_at_);
    const std::size_t to = std::min(raw_at + raw.size(), feed_at_ + feed_.size());
    if (from >= to) return {};
    return FedPart{feed_.substr(from - feed_at_, to - from), from - raw_at};
}

void StreamFramer::on_gap(Sink& /*sink*/) {
    buffer_.clear();
    head_reported_ = false;
    resyncing_ = false;  // whatever follows the gap starts a new episode
    skipping_ = 0;       // the gap may have eaten part of it: resynchronise instead
    waiting_ = Waiting::nothing;
}

bool StreamFramer::worth_parsing() {
    if (buffer_.size() > limits_.max_message_size) return true;  // let the parser say too large
    bool found = true;
    switch (waiting_) {
        case Waiting::line_end:
            found = buffer_.find('\n', wait_arg_) != std::string::npos;
            break;
        case Waiting::header_end:
            found = has_blank_line(buffer_, wait_arg_);
            break;
        case Waiting::total_size:
            return buffer_.size() >= wait_arg_;
        case Waiting::nothing:
            return true;
    }
    if (!found) wait_arg_ = buffer_.size();
    return found;
}

void StreamFramer::keep_tail(std::string_view tail) {
    if (tail.size() > limits_.max_message_size) tail = {};
    buffer_.assign(tail);
}

std::size_t StreamFramer::drain(std::string_view data, Sink& sink) {
    std::size_t pos = 0;
    waiting_ = Waiting::nothing;
    framing_ = data;
    while (pos < data.size()) {
        const auto rest = data.substr(pos);
        if (is_line_break(rest.front())) {  // keepalive CRLFs between messages
            pos += static_cast<std::size_t>(std::find_if_not(rest.begin(), rest.end(), is_line_break) - rest.begin());
            continue;
        }
        const ParseResult result = parse_message(rest, Framing::stream, message_, limits_);
        if (result.status == ParseStatus::ok) {
            deliver(result, rest, sink);
            pos += result.consumed;
            const auto skipped = static_cast<std::size_t>(std::min<std::uint64_t>(result.skip, data.size() - pos));
            pos += skipped;
            skipping_ = result.skip - skipped;
        } else if (result.status == ParseStatus::incomplete) {
            remember_incomplete(result, rest, sink);
            return pos;
        } else {
            head_reported_ = false;
            if (result.anomaly != SipAnomaly::bad_start_line) sink.on_message_lost(result.anomaly);
            pos += skip_junk(rest, sink);
        }
    }
    return pos;
}

void StreamFramer::deliver(const ParseResult& result, std::string_view rest, Sink& sink) {
    resyncing_ = false;
    head_reported_ = false;
    for (auto warning : result.warnings) sink.on_anomaly(warning);
    sink.on_message(message_, rest.substr(0, result.consumed));
}

void StreamFramer::remember_incomplete(const ParseResult& result, std::string_view rest, Sink& sink) {
    if (result.needed != 0) {
        waiting_ = Waiting::total_size;
        wait_arg_ = result.needed;
        report_head(result, rest, sink);
        return;
    }
    // Without a LF the start line is still partial; with one it was checked and the header
    // block's end is what is missing.
    waiting_ = rest.find('\n') == std::string_view::npos ? Waiting::line_end : Waiting::header_end;
    wait_arg_ = rest.size();
}

// The header block is complete and the body is not: the head is read on its own, once, so a
// request can be judged while the segment that completes its head is still in hand. Its parse
// warnings are the whole message's to report, later.
void StreamFramer::report_head(const ParseResult& result, std::string_view rest, Sink& sink) {
    if (head_reported_ || result.head_size == 0 || result.head_size > rest.size()) return;
    head_reported_ = true;
    const auto raw_head = rest.substr(0, result.head_size);
    if (parse_message(raw_head, Framing::datagram, head_, limits_).status != ParseStatus::ok) return;
    sink.on_head(head_, raw_head);
}

// `rest` starts with something that is not a parsable message. Returns the bytes to drop: up to
// the next start line at a line start, or everything but a partial last line that may still
// become one.
std::size_t StreamFramer::skip_junk(std::string_view rest, Sink& sink) {
    if (!resyncing_) sink.on_anomaly(SipAnomaly::stream_resync);
    resyncing_ = true;
    const std::size_t first_lf = rest.find('\n');
    if (first_lf == std::string_view::npos) return rest.size();
    const std::size_t next_line = first_lf + 1;
    const auto after = rest.substr(next_line);
    if (const auto found = find_start_line_at_line_start(after, after.size())) return next_line + *found;
    const std::size_t last_lf = rest.rfind('\n');
    const auto tail = rest.substr(last_lf + 1);
    if (!tail.empty() && may_be_start_line_prefix(tail)) return last_lf + 1;
    return rest.size();
}

}  // namespace scamgate::sip
