#pragma once
// Cuts one direction of an SMPP TCP stream into PDUs by command_length. Several PDUs in one
// segment are handed out in place (zero copy); a PDU split over segments is collected in a buffer
// bounded by max_pdu_size. A command_length out of bounds, or a lost segment, makes the framer
// scan for the next plausible header (known command_id, sane length, zero status on requests).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "smpp/pdu.h"

namespace scamgate::smpp {

struct FramerLimits {
    // submit_sm with a full message_payload TLV (64 KiB) plus the mandatory fields.
    std::size_t max_pdu_size = 70 * 1024;
};

class PduSink {
public:
    virtual ~PduSink() = default;
    virtual void on_pdu(ByteView pdu) = 0;
    virtual void on_framing_anomaly(SmppAnomaly anomaly) = 0;
};

// A header the framer would accept when it is looking for a PDU boundary.
bool plausible_header(const Header& header, std::size_t max_pdu_size);

class PduFramer {
public:
    explicit PduFramer(FramerLimits limits = {}) : limits_(limits) {}

    void feed(ByteView bytes, PduSink& sink);
    // Bytes were lost: drop what is buffered and look for the next header.
    void on_gap();
    std::size_t buffered() const { return buffer_.size(); }
    std::uint64_t skipped_bytes() const { return skipped_bytes_; }

private:
    ByteView feed_buffered(ByteView bytes, PduSink& sink);
    ByteView feed_direct(ByteView bytes, PduSink& sink);
    bool accept(const Header& header) const;
    void skip(std::size_t n, PduSink& sink);

    FramerLimits limits_;
    std::vector<std::uint8_t> buffer_;
    bool resyncing_ = false;
    std::uint64_t skipped_bytes_ = 0;
};

}  // namespace scamgate::smpp
