#pragma once
// From SMS parts to SMS records: an SMPP message waits (bounded, packet time) for its response so
// the record carries the SMSC's message_id and command_status; parts of a concatenated message
// (UDH or SAR) are joined by (account, sender, recipient, reference, total). A message whose parts
// do not all arrive within the timeout, or that is evicted from a full table, is still recorded,
// marked incomplete with its missing parts.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "common/stats.h"
#include "common/time.h"
#include "net/tcp_reassembly.h"
#include "record/contact.h"

namespace scamgate::pipeline {

struct SmsLimits {
    Timestamp response_timeout = seconds(30);  // SMPP request without a response
    std::size_t max_pending_responses = 100'000;
    Timestamp concat_timeout = seconds(120);  // first part to last part
    std::size_t max_concat_messages = 100'000;  // partly received concatenated messages held
};

// Which part of a concatenated message this is.
struct ConcatInfo {
    std::uint16_t reference = 0;
    std::uint8_t total = 0;
    std::uint8_t sequence = 0;
    std::string method;  // "udh" or "sar"
};

// One SMS PDU or SIP MESSAGE, already decoded to a record of its own text.
struct SmsPart {
    record::Contact contact;  // kind sms, with sms details
    std::optional<ConcatInfo> concat;
};

// An SMPP request awaiting its response: connection, the direction the request went, sequence.
struct PendingKey {
    std::uint64_t connection = 0;
    net::Direction direction = net::Direction::from_originator;
    std::uint32_t sequence = 0;
    auto operator<=>(const PendingKey&) const = default;
};

// One part of a concatenated SMS (UDH or SAR with more than one part), not a message of its own.
bool is_concatenated(const SmsPart& part);

class SmsTracker {
public:
    // Parts arrive judged or not (the worker judges single-part SMS before handing them over); a
    // concatenated message is judged on its joined text when it is recorded (by the sink).
    SmsTracker(const SmsLimits& limits, record::ContactSink& sink);

    void set_source_name(std::string name) { source_name_ = std::move(name); }
    // An SMPP request carrying an SMS: held until its response, the timeout or the connection end.
    void on_request(const PendingKey& key, SmsPart part);
    // The response (or generic_nack) to a held request; unknown keys are counted and ignored.
    void on_response(const PendingKey& key, std::uint32_t command_status, std::string_view message_id);
    // An SMS that has no response to wait for (SIP MESSAGE).
    void on_part(SmsPart part);
    // Releases a connection's requests still waiting for responses.
    void end_connection(std::uint64_t connection);
    void expire(Timestamp now);
    // Releases and records everything held (end of a capture).
    void flush();

    // sms.messages, sms.incomplete, sms.parts, sms.receipts, sms.unanswered, ...
    void append_stats(StatsReport& report) const;

private:
    struct Pending {
        SmsPart part;
        Timestamp deadline = 0;
    };
    struct ConcatMessage {
        std::vector<std::optional<SmsPart>> parts;
        std::size_t received = 0;
        Timestamp deadline = 0;
        std::uint64_t generation = 0;
    };
    struct Deadline {
        Timestamp at = 0;
        std::uint64_t generation = 0;
        std::string key;
        bool operator>(const Deadline& other) const { return at > other.at; }
    };

    using PendingMap = std::map<PendingKey, Pending>;
    using ConcatMap = std::map<std::string, ConcatMessage>;

    void release(SmsPart part);
    // Records a held request without its response; returns the next entry.
    PendingMap::iterator release_unanswered(PendingMap::iterator it);
    // The entry whose deadline is earliest and at most `up_to`, its heap entry popped.
    std::optional<PendingMap::iterator> pop_due_pending(Timestamp up_to);
    std::optional<ConcatMap::iterator> pop_due_concat(Timestamp up_to);
    void add_to_concat(SmsPart part);
    void finish_concat(ConcatMap::iterator it);
    void evict_oldest_concat();
    void emit(record::Contact contact);
    void expire_responses(Timestamp now);
    void expire_concat(Timestamp now);

    SmsLimits limits_;
    record::ContactSink& sink_;
    std::string source_name_;
    PendingMap pending_;
    struct ResponseDeadline {
        Timestamp at = 0;
        PendingKey key;
        bool operator>(const ResponseDeadline& other) const { return at > other.at; }
    };
    std::priority_queue<ResponseDeadline, std::vector<ResponseDeadline>, std::greater<>> response_deadlines_;
    ConcatMap concat_;
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> concat_deadlines_;
    std::uint64_t next_generation_ = 1;

    std::uint64_t messages_ = 0;
    std::uint64_t incomplete_ = 0;
    std::uint64_t parts_ = 0;
    std::uint64_t receipts_ = 0;
    std::uint64_t unanswered_ = 0;
    std::uint64_t rejected_by_smsc_ = 0;
    std::uint64_t duplicate_parts_ = 0;
    std::uint64_t unmatched_responses_ = 0;
    std::uint64_t pending_evicted_ = 0;
    std::uint64_t concat_evicted_ = 0;
};

// Joins parts (in sequence order, missing ones absent) into one record.
record::Contact join_parts(std::vector<std::optional<SmsPart>>& parts, const ConcatInfo& info);

}  // namespace scamgate::pipeline
