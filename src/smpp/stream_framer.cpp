#include "smpp/stream_framer.h"

#include <algorithm>

namespace scamgate::smpp {

bool plausible_header(const Header& header, std::size_t max_pdu_size) {
    if (header.length < kHeaderSize || header.length > max_pdu_size) return false;
    if (!is_known_command(header.id)) return false;
    if (!is_response(header.id) && header.status != 0) return false;
    return header.sequence <= 0x7FFFFFFF;
}

bool PduFramer::accept(const Header& header) const {
    if (header.length < kHeaderSize || header.length > limits_.max_pdu_size) return false;
    // In step with the stream, command_length is trusted even for vendor commands (parse_pdu
    // reports them); while resynchronising only a fully plausible header ends the search.
    return !resyncing_ || plausible_header(header, limits_.max_pdu_size);
}

void PduFramer::skip(std::size_t n, PduSink& sink) {
    if (!resyncing_) {
        resyncing_ = true;
        sink.on_framing_anomaly(SmppAnomaly::command_length_invalid);
        sink.on_framing_anomaly(SmppAnomaly::bytes_skipped);
    }
    skipped_bytes_ += n;
}

void PduFramer::on_gap() {
    buffer_.clear();
    resyncing_ = true;
}

void PduFramer::feed(ByteView bytes, PduSink& sink) {
    while (!bytes.empty()) {
        bytes = buffer_.empty() ? feed_direct(bytes, sink) : feed_buffered(bytes, sink);
    }
}

// Completes the buffered PDU from `bytes`; returns what is left of `bytes`.
ByteView PduFramer::feed_buffered(ByteView bytes, PduSink& sink) {
    if (buffer_.size() < kHeaderSize) {
        const auto take = std::min(kHeaderSize - buffer_.size(), bytes.size());
        buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
        bytes = bytes.subspan(take);
        if (buffer_.size() < kHeaderSize) return bytes;
    }
    const auto header = *read_header(buffer_);
    if (!accept(header)) {
        // Not a header after all: rescan the buffered bytes after the first one, then the rest.
        skip(1, sink);
        std::vector<std::uint8_t> joined(buffer_.begin() + 1, buffer_.end());
        joined.insert(joined.end(), bytes.begin(), bytes.end());
        buffer_.clear();
        feed(joined, sink);
        return {};
    }
    resyncing_ = false;
    const auto take = std::min<std::size_t>(header.length - buffer_.size(), bytes.size());
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (buffer_.size() == header.length) {
        sink.on_pdu(buffer_);
        buffer_.clear();
    }
    return bytes;
}

// Hands out whole PDUs in place; buffers a partial one; scans past junk.
ByteView PduFramer::feed_direct(ByteView bytes, PduSink& sink) {
    if (bytes.size() < kHeaderSize) {
        buffer_.assign(bytes.begin(), bytes.end());
        return {};
    }
    const auto header = *read_header(bytes);
    if (!accept(header)) {
        skip(1, sink);
        return bytes.subspan(1);
    }
    resyncing_ = false;
    if (bytes.size() < header.length) {
        buffer_.assign(bytes.begin(), bytes.end());
        return {};
    }
    sink.on_pdu(bytes.first(header.length));
    return bytes.subspan(header.length);
}

}  // namespace scamgate::smpp
