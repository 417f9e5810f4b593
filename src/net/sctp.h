#pragma once
// SCTP (RFC 9260) as far as SIP over SCTP (RFC 4168) needs it: the chunks of each packet the
// decoder delivers (IpProto::sctp, payload = the whole SCTP packet), DATA and I-DATA (RFC 8260)
// user data reassembled into user messages, each message handed upward like a UDP datagram (one
// SIP message per SCTP user message, RFC 4168 5.1).
//
// Per association (the address/port pair, either direction) and direction, keyed further by the
// verification tag so that a packet carrying another tag (a restarted association, or a forged
// packet the receiver would discard) never disturbs the state of the one in progress:
//   - a DATA chunk with B and E set is a whole message, delivered at once (a view into the packet);
//   - fragments (B, middle, E) are held by TSN and joined when a run B..E of consecutive TSNs on
//     one stream (and, ordered, one stream sequence number) is complete; I-DATA fragments by
//     (stream, U flag, message id) and fragment sequence number;
//   - a TSN seen again with the same bytes is a retransmission and ignored; with different bytes
//     it is the anomaly sctp.tsn_conflict and, when it is a whole message, it is delivered too:
//     we cannot know which copy the receiver kept (the first may have failed its checksum there),
//     so both are judged (a conflicting fragment is dropped; the first copy stays);
//   - messages are delivered as they complete, in arrival order: SIP does not need the stream's
//     order (RFC 4168 allows unordered delivery) and waiting would hold a message back;
//   - ABORT and SHUTDOWN COMPLETE end the association, SHUTDOWN and SHUTDOWN ACK end their
//     sender's direction; INIT, SACK, HEARTBEAT, COOKIE, ... are skipped.
// The CRC32c is verified. A packet that fails it is counted (sctp.bad_checksum) and still
// processed: the receiving stack would discard it and the sender would retransmit the same chunks
// (then seen as retransmissions or conflicts), while captures taken on a sending host with
// checksum offload carry wrong checksums on every packet that did reach the peer. A zero checksum
// is counted apart (sctp.zero_checksums): RFC 9653 lets peers agree to send none.
// Memory is bounded: associations (LRU), fragments and bytes held per direction, a timeout for
// incomplete messages and for idle associations. All timeouts run on packet time.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/anomaly.h"
#include "common/stats.h"
#include "net/flow.h"

namespace scamgate::net {

struct SctpLimits {
    std::size_t max_associations = 16384;         // associations tracked at once (LRU eviction)
    std::size_t max_message_size = 65536;         // bytes of one reassembled user message
    std::size_t max_pending_fragments = 128;      // fragments held per association direction
    Timestamp fragment_timeout = seconds(30);     // an incomplete message is dropped after this
    Timestamp idle_timeout = seconds(600);        // a silent association is forgotten after this
    std::size_t max_pending_bytes_total = 64u << 20;  // fragment bytes held across all associations
};

enum class SctpAnomaly : std::uint8_t {
    bad_checksum,
    truncated_chunk,
    bad_chunk_length,
    empty_data_chunk,
    verification_tag_mismatch,
    tsn_conflict,
    fragment_mismatch,
    message_too_large,
    too_many_fragments,
    association_table_full,
    fragment_timeout,
    incomplete_at_close,
    total_pending_limit_exceeded,
    count_
};

AnomalyInfo describe(SctpAnomaly anomaly);

// CRC-32C (Castagnoli, reflected, initial value and final xor 0xFFFFFFFF): crc32c("123456789")
// is 0xE3069283. RFC 9260 Appendix B stores it in the checksum field least significant byte first.
std::uint32_t crc32c(ByteView data);
// The CRC-32C of the SCTP packet `sctp` (common header and chunks) with its checksum field taken as
// zero, and the value the field holds (read least significant byte first).
std::uint32_t sctp_checksum(ByteView sctp);
std::uint32_t stored_sctp_checksum(ByteView sctp);
// Writes the correct checksum into the SCTP packet `sctp` (at least 12 bytes).
void store_sctp_checksum(std::span<std::uint8_t> sctp);

// What the assembler hands upward with each user message.
struct SctpMessageInfo {
    std::uint16_t stream = 0;
    std::uint32_t ppid = 0;      // payload protocol identifier (RFC 4168 asks 0 for SIP)
    bool unordered = false;
    bool fragmented = false;     // joined from several chunks (payload is the assembler's copy)
    bool idata = false;          // carried in I-DATA chunks
    // For a message wholly inside one chunk: its offset inside the SCTP packet; -1 otherwise.
    std::ptrdiff_t offset_in_packet = -1;
};

class SctpMessageSink {
public:
    virtual ~SctpMessageSink() = default;
    // `message` is the packet's TransportPayload with payload = the user message (valid during
    // the call only); ts and packet number are those of the packet that completed it.
    virtual void on_sctp_message(const TransportPayload& message, const SctpMessageInfo& info) = 0;
    virtual void on_sctp_anomaly(const AnomalyInfo& anomaly) { (void)anomaly; }
};

class SctpAssembler {
public:
    SctpAssembler(const SctpLimits& limits, SctpMessageSink& sink);
    ~SctpAssembler();
    SctpAssembler(const SctpAssembler&) = delete;
    SctpAssembler& operator=(const SctpAssembler&) = delete;

    // One SCTP packet as the decoder delivered it (proto sctp, payload = common header + chunks).
    void on_packet(const TransportPayload& packet);
    // Drops incomplete messages past fragment_timeout and associations idle past idle_timeout.
    void expire(Timestamp now);
    // Forgets every association (end of a capture source); incomplete messages are counted.
    void clear();
    // sctp.chunks, sctp.data_chunks, sctp.messages, sctp.fragmented_messages,
    // sctp.retransmissions, sctp.zero_checksums, sctp.associations, sctp.control_chunks,
    // sctp.active_associations, sctp.pending_bytes plus every non-zero anomaly.
    void append_stats(StatsReport& report) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace scamgate::net
